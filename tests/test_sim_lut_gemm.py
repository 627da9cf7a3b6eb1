"""Cycle-accurate GEMMs through the generated LUT tile and MAC arrays (cocotb + Icarus)."""

import json
import re

import numpy as np
import pytest

from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.cost.tile_export import export_tile
from picojoule.cost.tile_streams import tile_streams
from picojoule.cost.tiles import cost_tiles
from picojoule.models.lut_gemm import LutGemmSpec
from picojoule.sim.gemm import (
    memory_images,
    pack_words,
    plan_gemm,
    random_operands,
    run_gemm,
    tile_spec,
    unpack_words,
)


def _run(tmp_path, core, shape, *, wbits, act="int8", seed=0, **tile):
    spec = tile_spec(core, wbits=wbits, act=act, **tile)
    m, n, k = shape
    a, w = random_operands(spec, m=m, n=n, k=k, seed=seed)
    c, stats = run_gemm(core=core, a=a, w=w, spec=spec, build_root=tmp_path / "build")
    return spec, a, w, c, stats


@pytest.mark.parametrize(
    "wbits, act, shape",
    [
        (1, "int8", (3, 5, 9)),  # every dimension padded
        (3, "int8", (4, 9, 8)),
        (4, "int16", (2, 4, 13)),
    ],
)
def test_lut_gemm_equals_integer_gemm(tmp_path, wbits, act, shape):
    spec, a, w, c, stats = _run(tmp_path, "lut", shape, wbits=wbits, act=act, n=4)
    assert np.array_equal(c, a.astype(np.int64) @ w.astype(np.int64))
    plan = plan_gemm(spec, *shape[:2], shape[2])
    assert stats["cycles"] == plan.steps + 4
    assert stats["verified"] and stats["macs"] == np.prod(shape)


@pytest.mark.parametrize("wbits, act, shape", [(2, "int8", (3, 5, 9)), (4, "int16", (2, 4, 13))])
def test_pipelined_lut_gemm_is_one_cycle_later(tmp_path, wbits, act, shape):
    spec = tile_spec("lut", wbits=wbits, act=act, n=4)
    a, w = random_operands(spec, m=shape[0], n=shape[1], k=shape[2], seed=3)
    c, stats = run_gemm(
        core="lut", a=a, w=w, spec=spec, build_root=tmp_path / "build", pipelined=True
    )
    assert np.array_equal(c, a.astype(np.int64) @ w.astype(np.int64))
    assert stats["cycles"] == plan_gemm(spec, *shape[:2], shape[2]).steps + 5
    assert stats["pipelined"]
    with pytest.raises(ValueError, match="pipelined applies"):
        plan_gemm(tile_spec("lut", act="fp16"), 2, 2, 4, pipelined=True)


def test_default_tile_single_tile_gemm(tmp_path):
    spec, a, w, c, stats = _run(tmp_path, "lut", (2, 64, 24), wbits=2)
    assert spec.m == 2 and spec.n == 64 and spec.k == 4
    assert np.array_equal(c, a.astype(np.int64) @ w.astype(np.int64))
    assert stats["utilization"] == pytest.approx(2 * 64 * 24 / (stats["cycles"] * 2 * 64 * 4 / 2))


@pytest.mark.parametrize("core", ["mac-int", "mac-int8"])
def test_mac_int_gemm(tmp_path, core):
    spec, a, w, c, stats = _run(tmp_path, core, (3, 5, 10), wbits=2, n=8)
    assert spec.n == 4 and spec.peak_macs_per_cycle == LutGemmSpec(n=8).peak_macs_per_cycle
    assert spec.weight_port_width == (2 if core == "mac-int" else 8)
    assert np.array_equal(c, a.astype(np.int64) @ w.astype(np.int64))


@pytest.mark.parametrize("core", ["mac-fp8", "mac-lmul"])
def test_float_mac_gemm_matches_its_golden_model(tmp_path, core):
    spec, a, w, c, stats = _run(tmp_path, core, (2, 3, 5), wbits=2, act="e4m3", m=1, n=4, k=2)
    exact = spec.act.decode(a) @ w
    assert np.all(np.isfinite(c))
    assert np.max(np.abs(c - exact)) <= 0.25 * np.max(np.abs(exact)) + 1e-9  # approximate


def test_simulated_mismatch_is_reported(tmp_path, monkeypatch):
    import picojoule.sim.gemm as gemm

    real = gemm.golden
    monkeypatch.setattr(gemm, "golden", lambda spec, a, w, **kw: real(spec, a, w, **kw) + 1)
    with pytest.raises(UserError, match="differ from the golden model"):
        _run(tmp_path, "lut", (2, 3, 4), wbits=1, n=4)


def test_memory_word_packing_round_trips():
    rng = np.random.default_rng(0)
    fields = rng.integers(0, 1 << 11, (5, 7))
    text = pack_words(fields, width=11)
    assert np.array_equal(unpack_words(text, lanes=7, width=11, signed=False), fields)
    signed = np.where(fields >= 1024, fields - 2048, fields)
    assert np.array_equal(unpack_words(text, lanes=7, width=11, signed=True), signed)
    with pytest.raises(ValueError, match="unknown"):
        unpack_words("x" * 20 + "\n", lanes=7, width=11, signed=False)


def test_memory_images_have_one_word_per_step():
    spec = tile_spec("lut", wbits=3, n=4)
    plan = plan_gemm(spec, 5, 9, 10)
    a = np.zeros((5, 10), dtype=np.int8)
    w = np.zeros((10, 9), dtype=np.uint8)
    act, wgt = memory_images(plan, a, w)
    assert len(act.splitlines()) == plan.row_tiles * plan.groups
    assert len(wgt.splitlines()) == plan.col_tiles * plan.groups * plan.planes


def test_cli_writes_outputs_and_rejects_bad_input(tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "gemm",
                "--m",
                "3",
                "--n",
                "6",
                "--k",
                "7",
                "--wbits",
                "2",
                "--tile-n",
                "4",
                "--seed",
                "5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    a, w, c = (np.load(out / f"{name}.npy") for name in "AWC")
    assert a.dtype == np.int8 and a.shape == (3, 7) and w.shape == (7, 6)
    assert np.array_equal(c, a.astype(np.int64) @ w.astype(np.int64))
    stats = json.loads((out / "stats.json").read_text())
    assert {"cycles", "macs", "utilization", "simulator", "seconds"} <= set(stats)
    assert stats["simulator"] == "icarus" and stats["macs"] == 3 * 6 * 7
    bad_w = tmp_path / "bad.npy"
    np.save(bad_w, np.full((7, 6), 4))
    for argv, fragment in [
        (["--wbits", "5"], "--wbits 5 is out of range"),
        (["--m", "0"], "--m 0 is out of range"),
        (["--w", str(bad_w)], "out of range for wbits=2"),
        (["--core", "mac-fp8", "--act", "int8"], "takes --act e4m3"),
    ]:
        capsys.readouterr()
        assert (
            main(
                [
                    "gemm",
                    "--m",
                    "3",
                    "--n",
                    "6",
                    "--k",
                    "7",
                    "--wbits",
                    "2",
                    "--out",
                    str(tmp_path / "bad"),
                    *argv,
                ]
            )
            == 2
        )
        err = capsys.readouterr().err
        assert fragment in err and err.count("\n") == 1
    assert not (tmp_path / "bad").exists()


def test_cost_tiles_export_and_streams(tmp_path):
    entries = cost_tiles(wbits=(2,), acts=("int8",), float_baselines=False)
    assert [(e.core, e.pipelined) for e in entries] == [
        ("lut", False),
        ("lut", True),
        ("mac-int", False),
        ("mac-int8", False),
    ]
    lut, lut_pipe, mac, mac8 = entries
    assert lut_pipe.name == lut.name + "_pipe" and lut_pipe.latency == 2
    assert lut.macs_per_cycle == mac.macs_per_cycle == 32 and mac8.macs_per_cycle == 8
    for entry in entries:
        record = export_tile(entry, tmp_path)
        text = (tmp_path / record["verilog"]).read_text()
        assert f"module {record['top']}" in text
        top = text[text.index(f"module {record['top']}(") :].split("endmodule")[0]
        declared = {
            name: ("in" if d == "input" else "out", int(msb) + 1 if msb else 1)
            for d, msb, name in re.findall(
                r"^\s*(input|output)\s+(?:\[(\d+):0\]\s+)?(\w+)\s*;", top, re.MULTILINE
            )
        }
        assert declared == {n: (p["direction"], p["width"]) for n, p in record["ports"].items()}
        streams, holds = tile_streams(entry, cycles=64, seed=1)
        inputs = {
            name: port["width"]
            for name, port in record["ports"].items()
            if port["role"] in ("operand", "control")
        }
        assert {n for n, p in record["ports"].items() if p["role"] == "control"} == {
            "load",
            "plane",
            "acc_en",
            "first",
            "zp_en",
        }
        assert set(streams) == set(inputs) and holds == {"rst": 0}
        for name, values in streams.items():
            assert len(values) == 64 and int(values.max()) < (1 << inputs[name])
    lut_streams, _ = tile_streams(lut, cycles=64, seed=1)
    assert lut_streams["load"].sum() == 32 and lut_streams["plane"].max() == 1
