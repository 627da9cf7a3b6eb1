"""Cells kept out of synthesis: Liberty dont_use, the default exclusions (sky130 lpflow_* etc.), --dont-use."""

import numpy as np
import pytest
from liberties import SKY130_EXCERPT

from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.cost.dont_use import DEFAULT_DONT_USE, matches, patterns_with_defaults
from picojoule.cost.gatesim import simulate
from picojoule.cost.liberty import parse_liberty
from picojoule.cost.library import read_library
from picojoule.cost.synth import synthesize

RTL = """
module mul8(input [7:0] a, input [7:0] b, output [15:0] y);
  assign y = a * b;
endmodule
module mul6_en(input clk, input rst, input en, input [5:0] a, input [5:0] b, output reg [11:0] y);
  always @(posedge clk) if (rst) y <= 0; else if (en) y <= a * b;
endmodule
"""

TINY = """library (tiny) {
  time_unit : "1ns"; voltage_unit : "1V"; leakage_power_unit : "1nW";
  capacitive_load_unit (1, ff); nom_voltage : 1.0;
  cell (INV) { area : 1; pin (A) { direction : input; capacitance : 1; }
    pin (Y) { direction : output; function : "!A"; } }
  cell (NAND2) { area : 1.5; pin (A) { direction : input; capacitance : 1; }
    pin (B) { direction : input; capacitance : 1; }
    pin (Y) { direction : output; function : "(A B)'"; } }
  cell (CHEAP_NAND2) { area : 0.5; dont_use : true;
    pin (A) { direction : input; capacitance : 1; } pin (B) { direction : input; capacitance : 1; }
    pin (Y) { direction : output; function : "(A B)'"; } }
  cell (x_lpflow_inputiso1p_1) { area : 0.4; pin (A) { direction : input; capacitance : 1; }
    pin (SLEEP) { direction : input; capacitance : 1; }
    pin (X) { direction : output; function : "(A | SLEEP)"; } }
  cell (NOR2) { area : 1.5; pin (A) { direction : input; capacitance : 1; }
    pin (B) { direction : input; capacitance : 1; }
    pin (Y) { direction : output; function : "(A | B)'"; } }
}
"""


@pytest.fixture(scope="module")
def rtl(tmp_path_factory):
    path = tmp_path_factory.mktemp("rtl") / "units.v"
    path.write_text(RTL)
    return path


def test_patterns():
    assert matches("sky130_fd_sc_hd__lpflow_isobufsrc_1", DEFAULT_DONT_USE)
    assert matches("FILLCELL_X4", DEFAULT_DONT_USE) and matches(
        "sky130_fd_sc_hd__diode_2", DEFAULT_DONT_USE
    )
    assert not matches("sky130_fd_sc_hd__nand2_1", DEFAULT_DONT_USE)
    assert not matches("XOR2_X1", DEFAULT_DONT_USE)
    assert matches("XOR2_X1", patterns_with_defaults(["xor*"]))  # case-insensitive glob
    with pytest.raises(UserError):
        patterns_with_defaults([""])


def test_liberty_dont_use_flag_and_names_are_cut_from_the_text(tmp_path):
    path = tmp_path / "tiny.lib"
    path.write_text(TINY)
    library, text, excluded = read_library(path, dont_use=patterns_with_defaults(["NOR*"]))
    assert excluded == ("CHEAP_NAND2", "NOR2", "x_lpflow_inputiso1p_1")
    assert set(library.cells) == {"INV", "NAND2"}
    kept = [g.args[0] for g in parse_liberty(text).children("cell")]
    assert kept == ["INV", "NAND2"]
    with pytest.raises(UserError) as error:
        read_library(path, dont_use=patterns_with_defaults(["NAND*"]))
    assert "relax --dont-use" in str(error.value)


@pytest.mark.parametrize("top", ["mul8", "mul6_en"])
def test_sky130hd_maps_without_lpflow_cells(rtl, tmp_path, top):
    result = synthesize(
        verilog=rtl, top=top, liberty=SKY130_EXCERPT, cache_dir=tmp_path, progress=None
    )
    assert any("lpflow" in name for name in result.excluded_cells)
    assert not any(matches(name, DEFAULT_DONT_USE) for name in result.library.cells)
    for name in result.cells:
        assert not matches(name, DEFAULT_DONT_USE), name
    if top == "mul8":
        a, b = np.meshgrid(np.arange(256), np.arange(256))
        a, b = a.ravel(), b.ravel()
        sim = simulate(result.netlist, inputs={"a": a, "b": b}, record_outputs=True)
        np.testing.assert_array_equal(sim.outputs["y"], a * b)


def test_user_patterns_on_the_default_library(rtl, tmp_path):
    plain = synthesize(verilog=rtl, top="mul8", cache_dir=tmp_path, progress=None)
    assert any(name.startswith(("XOR", "XNOR")) for name in plain.cells)
    result = synthesize(
        verilog=rtl, top="mul8", dont_use=["XOR*", "xnor*"], cache_dir=tmp_path, progress=None
    )
    assert result.excluded_cells == ("XNOR2_X1", "XOR2_X1")
    assert not any(name.startswith(("XOR", "XNOR")) for name in result.cells)
    a, b = np.meshgrid(np.arange(256), np.arange(256))
    a, b = a.ravel(), b.ravel()
    sim = simulate(result.netlist, inputs={"a": a, "b": b}, record_outputs=True)
    np.testing.assert_array_equal(sim.outputs["y"], a * b)


def test_cli_dont_use(rtl, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "cache"))
    assert (
        main(["synth", str(rtl), "--top", "mul8", "--dont-use", "XOR*", "--dont-use", "XNOR*"]) == 0
    )
    out = capsys.readouterr().out
    assert "excluded       2 library cells" in out and "XOR2_X1" not in out
    assert (
        main(
            [
                "energy",
                str(rtl),
                "--top",
                "mul8",
                "--format",
                "uint8",
                "--n",
                "500",
                "--dont-use",
                "AOI*",
            ]
        )
        == 0
    )
    assert main(["synth", str(rtl), "--top", "mul8", "--dont-use", "INV*"]) == 2
    assert "relax --dont-use" in capsys.readouterr().err
