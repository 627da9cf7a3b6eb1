"""Verilog export: the suite compiles in Icarus, synthesizes in Yosys, lints in Verilator;
manifest schema; no absolute paths; bad input gives one line and exit 2."""

import json
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from picojoule.base.ports import unit_ports
from picojoule.cli import main
from picojoule.hw import GENERATORS, export, tools
from picojoule.models import units

SUITE = units.standard_suite()
# Warnings that Amaranth's Verilog always triggers (unused internal names, initialized regs
# written in processes, implicit extension in its arithmetic idioms); any other warning or
# error fails the lint.
VERILATOR_ALLOWED = ("UNUSEDSIGNAL", "PROCASSINIT", "DECLFILENAME", "WIDTHEXPAND", "WIDTHTRUNC")


@pytest.fixture(scope="module")
def suite_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("verilog") / "suite"
    export.export_suite(out, cache_dir=None)
    return out


@pytest.fixture(scope="module")
def manifest(suite_dir):
    return json.loads((suite_dir / "manifest.json").read_text())


def _run_all(commands, *, env=None):
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(
            pool.map(
                lambda cmd: subprocess.run(cmd, capture_output=True, text=True, env=env), commands
            )
        )


def test_every_suite_kind_has_a_generator():
    assert {spec.kind for spec in SUITE} <= set(GENERATORS)
    assert set(GENERATORS) == set(units.UNIT_KINDS)


_PORT = re.compile(
    r"^\s*(input|output)\s+(?:\[(\d+):0\]\s+)?([A-Za-z_][A-Za-z0-9_$]*)\s*;", re.MULTILINE
)


def _verilog_ports(path, top):
    """Port name -> (direction, width) declared by module ``top`` in a Verilog file."""
    text = path.read_text()
    start = text.index(f"module {top}(")
    body = text[start : text.index("endmodule", start)]
    return {
        name: ("in" if d == "input" else "out", int(msb) + 1 if msb else 1)
        for d, msb, name in _PORT.findall(body)
    }


def test_manifest_schema(suite_dir, manifest):
    assert list(manifest) == ["units"]
    assert [u["name"] for u in manifest["units"]] == [spec.name for spec in SUITE]
    for entry, spec in zip(manifest["units"], SUITE):
        assert set(entry) == {"name", "kind", "top", "verilog", "params", "ports", "latency"}
        assert entry["kind"] == spec.kind and entry["top"] == spec.name
        assert entry["params"] == spec.params()
        assert units.unit_from_params(entry["kind"], entry["params"]) == spec
        assert entry["latency"] == spec.stages
        assert (suite_dir / entry["verilog"]).is_file()
        a_fmt, b_fmt = spec.in_formats
        ports = entry["ports"]
        # the records come from the signature; the Verilog module must declare exactly them
        assert _verilog_ports(suite_dir / entry["verilog"], spec.name) == {
            name: (record["direction"], record["width"]) for name, record in ports.items()
        }
        if spec.stages == 0:
            assert ports == {
                "a": {"direction": "in", "width": a_fmt.width, "role": "operand"},
                "b": {"direction": "in", "width": b_fmt.width, "role": "operand"},
                "y": {"direction": "out", "width": spec.out_format.width, "role": "result"},
            }
        else:
            assert {name: r["role"] for name, r in ports.items()} == {
                "clk": "clock",
                "rst": "reset",
                "i__valid": "valid",
                "i__ready": "ready",
                "o__valid": "valid",
                "o__ready": "ready",
                "i__payload": "payload",
                "o__payload": "result",
            }
            assert ports["i__payload"]["fields"] == {
                "a": {"offset": 0, "width": a_fmt.width},
                "b": {"offset": a_fmt.width, "width": b_fmt.width},
            }
            assert ports["o__payload"]["width"] == spec.out_format.width
        port_map = unit_ports(ports)
        assert port_map.pipelined == (spec.stages > 0)
        assert {k: v[2] for k, v in port_map.operands.items()} == {
            "a": a_fmt.width,
            "b": b_fmt.width,
        }
    assert sorted(p.name for p in suite_dir.iterdir()) == sorted(
        [".picojoule-outputs.json", "manifest.json"] + [u["verilog"] for u in manifest["units"]]
    )


def test_stream_payload_packs_a_below_b():
    from picojoule.hw.pipeline import operand_layout

    for spec in SUITE:
        layout = operand_layout(spec)
        assert (layout["a"].offset, layout["b"].offset) == (0, spec.in_formats[0].width)


def test_no_absolute_paths(suite_dir, manifest):
    home = str(Path.home())
    repo = str(Path(__file__).resolve().parent.parent)
    for entry in manifest["units"]:
        text = (suite_dir / entry["verilog"]).read_text()
        assert re.search(rf"module {entry['top']}\(", text)
        assert "src =" not in text
        assert repo not in text and home not in text and str(suite_dir) not in text
        assert not re.search(r"(?<![\w.$:])/(?:[\w.-]+/)+[\w.-]+\.py", text)


def test_iverilog_compiles_every_unit(suite_dir, manifest, tmp_path):
    iverilog = tools.require_tool("iverilog")
    runs = _run_all(
        [
            [
                iverilog,
                "-g2012",
                "-o",
                str(tmp_path / f"{u['top']}.vvp"),
                "-s",
                u["top"],
                str(suite_dir / u["verilog"]),
            ]
            for u in manifest["units"]
        ]
    )
    failed = [
        (u["name"], r.stderr[-500:])
        for u, r in zip(manifest["units"], runs)
        if r.returncode != 0 or r.stderr.strip()
    ]
    assert not failed


def test_yosys_reads_and_synthesizes_every_unit(suite_dir, manifest):
    yosys = tools.require_tool("yosys")
    # the k = 32 mx_dot units take minutes each; small-k ones: tests/test_hw_mx_dot.py
    scalar = [u for u in manifest["units"] if u["kind"] != "mx_dot"]
    runs = _run_all(
        [
            [
                yosys,
                "-q",
                "-p",
                f"read_verilog {suite_dir / u['verilog']}; synth -top {u['top']}; stat",
            ]
            for u in scalar
        ]
    )
    failed = [(u["name"], r.stderr[-500:]) for u, r in zip(scalar, runs) if r.returncode != 0]
    assert not failed


def test_verilator_lint_every_unit(suite_dir, manifest):
    exe, env = tools.verilator()
    flags = ["--lint-only", "-Wall", *(f"-Wno-{w}" for w in VERILATOR_ALLOWED)]
    runs = _run_all(
        [
            [exe, *flags, "--top-module", u["top"], str(suite_dir / u["verilog"])]
            for u in manifest["units"]
        ],
        env=env,
    )
    failed = [
        (u["name"], r.stderr[-800:])
        for u, r in zip(manifest["units"], runs)
        if r.returncode != 0 or "%Warning" in r.stderr or "%Error" in r.stderr
    ]
    assert not failed


def test_export_unit_is_cached_by_content(tmp_path):
    spec = units.IntAdd(a="int8", b="int8")
    cache = tmp_path / "cache"
    entry = export.export_unit(spec, tmp_path / "out", cache_dir=cache)
    cached = list((cache / "verilog").iterdir())
    assert (
        len(cached) == 1
        and cached[0].read_text() == (tmp_path / "out" / entry["verilog"]).read_text()
    )
    path = tmp_path / "out" / entry["verilog"]
    stamp = path.stat().st_mtime_ns
    assert export.export_unit(spec, tmp_path / "out", cache_dir=cache) == entry
    assert path.stat().st_mtime_ns == stamp  # unchanged: not rewritten
    faulty = export.export_unit(spec, tmp_path / "out", fault="invert_signal", cache_dir=cache)
    assert faulty["fault"] == "invert_signal" and faulty["top"] == spec.name
    assert (tmp_path / "out" / faulty["verilog"]).read_text() != path.read_text()


def test_cli_verilog_writes_manifest(tmp_path, capsys):
    out = tmp_path / "v"
    assert main(["verilog", "--out", str(out), "--only", "int_add_int8"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [u["name"] for u in manifest["units"]] == ["int_add_int8_int8_int9_s0"]


@pytest.mark.parametrize(
    "flags, name, ports",
    [
        (
            ["--kind", "int_mul", "--width", "8", "--unsigned"],
            "int_mul_uint8_uint8_uint16_s0",
            {"a": 8, "b": 8, "y": 16},
        ),
        (
            ["--kind", "int_add", "--width", "16", "--pipelined"],
            "int_add_int16_int16_int17_s1",
            None,
        ),
        (
            [
                "--kind",
                "lmul",
                "--a",
                "e5m2",
                "--variant",
                "formula",
                "--overflow",
                "sat",
                "--stages",
                "2",
            ],
            "lmul_e5m2_formula_sat_s2",
            None,
        ),
        (
            ["--kind", "fp_mul", "--a", "e4m3", "--b", "e5m2", "--result", "bf16"],
            "fp_mul_e4m3_e5m2_bf16_nonsat_s0",
            {"a": 8, "b": 8, "y": 16},
        ),
    ],
)
def test_cli_generate(tmp_path, capsys, flags, name, ports):
    out = tmp_path / "unit.v"
    assert main(["generate", *flags, "-o", str(out), "--manifest", str(tmp_path / "m.json")]) == 0
    assert f"module {name}(" in out.read_text()
    entry = json.loads((tmp_path / "m.json").read_text())["units"][0]
    assert entry["name"] == name and entry["verilog"] == "unit.v"
    if ports is not None:
        assert {name: record["width"] for name, record in entry["ports"].items()} == ports
    else:
        assert entry["latency"] == int(name[-1]) and "i__payload" in entry["ports"]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--kind", "int_mul", "--width", "33"], "--width 33 out of range; choose 1..32"),
        (
            ["--kind", "int_mul", "--a", "int32", "--b", "int32", "--stages", "-1"],
            "--stages must be >= 0",
        ),
        (
            ["--kind", "int_add", "--width", "8", "--pipelined", "--stages", "0"],
            "--pipelined needs --stages N with N >= 1",
        ),
        (["--kind", "fp_mul", "--a", "e4m3", "--result", "e2m1"], "unsupported format combination"),
        (["--kind", "fp_mul", "--a", "int8"], "is an integer format"),
        (["--kind", "lmul", "--a", "e4m3", "--b", "e5m2"], "lmul works on one format"),
        (["--kind", "lmul", "--a", "e9m3"], "out of range"),
        (["--kind", "fp_mul"], "needs --a FMT"),
        (
            ["--kind", "int_add", "--width", "8", "--fault", "swap_nan_inf"],
            "does not apply to int_add",
        ),
    ],
)
def test_cli_generate_bad_input(tmp_path, capsys, flags, message):
    out = tmp_path / "unit.v"
    assert main(["generate", *flags, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_spec_with_negative_stages_is_refused():
    with pytest.raises(ValueError, match="stages must be"):
        units.IntMul(a="int8", b="int8", stages=-2)


def test_manifest_entry_leaves_no_unused_elaboratable(monkeypatch):
    """A component built for its port records only is not reported by Amaranth as "created but
    never used" (a warning Amaranth turns on once a design is elaborated in the process)."""
    import gc
    import warnings

    from amaranth.hdl import UnusedElaboratable

    monkeypatch.setattr(UnusedElaboratable, "_MustUse__silence", False)
    spec = units.LMul(fmt="e4m3")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export.manifest_entry(spec)
        unused = GENERATORS[spec.kind](spec=spec)  # the check itself works here
        del unused
        gc.collect()
    flagged = [w for w in caught if issubclass(w.category, UnusedElaboratable)]
    assert [Path(w.filename).name for w in flagged] == ["test_hw_export.py"], [
        str(w.message) for w in flagged
    ]


def test_refused_component_leaves_no_unused_elaboratable(monkeypatch):
    """A generator that refuses its fault or spec raises ValueError and nothing else: the
    half-built component is not reported as "created but never used"."""
    import gc
    import warnings

    from amaranth.hdl import UnusedElaboratable

    monkeypatch.setattr(UnusedElaboratable, "_MustUse__silence", False)
    spec = units.IntAdd(a="int8", b="int8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match="does not apply"):
            GENERATORS[spec.kind](spec=spec, fault="swap_nan_inf")
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, UnusedElaboratable)]
