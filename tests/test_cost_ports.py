"""The cost flow drives the ports the records name: `picojoule energy` reads a manifest's port
records, falls back to the naming convention on bare Verilog (a one-line error when the names do
not tell), and `prove`'s netlist sweep takes its ports from the spec's component."""

import json

import pytest

from picojoule.base.ports import ports_by_name
from picojoule.cli import main
from picojoule.hw.export import export_unit
from picojoule.models.units import IntMul

SHELL = """
module renamed(input [{wa}:0] lhs, input [{wb}:0] rhs, output [{wy}:0] prod);
  {top} inner (.a(lhs), .b(rhs), .y(prod));
endmodule
"""


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    """An int4 multiplier exported with its manifest, and the same logic behind ports
    ``lhs``/``rhs``/``prod`` with a manifest whose records name them."""
    root = tmp_path_factory.mktemp("ports")
    spec = IntMul(a="int4", b="int4")
    plain, renamed = root / "plain", root / "renamed"
    plain.mkdir()
    renamed.mkdir()
    entry = export_unit(spec, plain, cache_dir=None)
    (plain / "manifest.json").write_text(json.dumps({"units": [entry]}))
    text = (plain / entry["verilog"]).read_text() + SHELL.format(top=spec.name, wa=3, wb=3, wy=7)
    (renamed / "renamed.v").write_text(text)
    records = {
        "lhs": {**entry["ports"]["a"], "field": "a"},
        "rhs": {**entry["ports"]["b"], "field": "b"},
        "prod": entry["ports"]["y"],
    }
    other = {**entry, "top": "renamed", "verilog": "renamed.v", "ports": records}
    (renamed / "manifest.json").write_text(json.dumps({"units": [other]}))
    return plain / entry["verilog"], spec.name, renamed / "renamed.v"


def _energy(verilog, top, out, *extra):
    argv = ["energy", str(verilog), "--top", top, "--n", "500", "--no-cache", "--json", str(out)]
    assert main([*argv, *extra]) == 0
    return json.loads(out.read_text())


def test_energy_drives_the_ports_the_manifest_names(units, tmp_path):
    plain, top, renamed = units
    want = _energy(plain, top, tmp_path / "plain.json")
    got = _energy(renamed, "renamed", tmp_path / "renamed.json")
    assert got["energy_pj_per_op"] == want["energy_pj_per_op"] > 0
    assert got["cells"] == want["cells"]


def test_bare_verilog_without_conventional_names_is_one_line_error(units, tmp_path, capsys):
    _, _, renamed = units
    bare = tmp_path / "bare.v"
    bare.write_text(renamed.read_text())  # no manifest beside it
    argv = ["energy", str(bare), "--top", "renamed", "--format", "int4", "--no-cache"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot tell the operand ports" in err[0] and "--ports" in err[0]
    assert main([*argv, "--ports", "lhs,rhs", "--n", "200"]) == 0


def test_naming_convention_of_bare_modules():
    combinational = ports_by_name({"a": ("input", 4), "b": ("input", 4), "y": ("output", 8)})
    assert combinational.operands == {"a": ("a", 0, 4), "b": ("b", 0, 4)}
    assert combinational.result == "y" and not combinational.pipelined
    stream = ports_by_name(
        {
            "clk": ("input", 1),
            "rst": ("input", 1),
            "i__payload": ("input", 10),
            "i__valid": ("input", 1),
            "i__ready": ("output", 1),
            "o__payload": ("output", 5),
            "o__valid": ("output", 1),
            "o__ready": ("input", 1),
        }
    )
    assert stream.operands == {"a": ("i__payload", 0, 5), "b": ("i__payload", 5, 5)}
    streams, holds = stream.drive([1, 2], [3, 0])
    assert list(streams["i__payload"]) == [1 | 3 << 5, 2] and holds == {
        "i__valid": 1,
        "o__ready": 1,
    }
    with pytest.raises(ValueError, match="cannot tell the operand ports among p, q, r"):
        ports_by_name({"p": ("in", 3), "q": ("in", 3), "r": ("out", 4)})
    with pytest.raises(ValueError, match="do not split into two equal operands"):
        ports_by_name({"i__payload": ("input", 9), "o__payload": ("output", 4)})
    assert ports_by_name({"i__payload": ("input", 9), "z": ("out", 4)}, a_width=4).result == "z"
