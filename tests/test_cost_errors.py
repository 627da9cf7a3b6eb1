"""Bad input to the cost flow: one-line errors that name the fix."""

import numpy as np
import pytest

from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.cost.library import library_from_liberty
from picojoule.cost.operands import operand_stream, tensor_stream
from picojoule.cost.synth import synthesize
from picojoule.models.formats import get_format

REGISTERED = """
module reg8(input clk, input [7:0] a, output reg [7:0] y);
  always @(posedge clk) y <= a;
endmodule
module add4(input [3:0] a, input [3:0] b, output [4:0] y);
  assign y = a + b;
endmodule
"""

HEADER = """library (tiny) {
  time_unit : "1ns"; voltage_unit : "1V"; leakage_power_unit : "1nW";
  capacitive_load_unit (1, ff); nom_voltage : 1.0;
"""
INV = """  cell (INV) { area : 1; pin (A) { direction : input; capacitance : 1; }
    pin (Y) { direction : output; function : "!A"; } }
"""
NAND = """  cell (NAND2) { area : 1.5; pin (A) { direction : input; capacitance : 1; }
    pin (B) { direction : input; capacitance : 1; }
    pin (Y) { direction : output; function : "(A B)'"; } }
"""


@pytest.fixture
def rtl(tmp_path):
    path = tmp_path / "rtl.v"
    path.write_text(REGISTERED)
    return path


def _one_line(error):
    text = str(error.value)
    assert "\n" not in text
    return text


def test_liberty_that_does_not_parse(tmp_path, rtl):
    bad = tmp_path / "bad.lib"
    bad.write_text("library (x) { cell (INV) { area : 1; pin (A) { direction : input; ")
    with pytest.raises(UserError) as error:
        synthesize(verilog=rtl, top="add4", liberty=bad, cache_dir=None, progress=None)
    assert "does not parse" in _one_line(error)


def test_liberty_gzip_that_is_not_gzip(tmp_path):
    bad = tmp_path / "bad.lib.gz"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(UserError) as error:
        library_from_liberty(bad)
    assert "gzip" in _one_line(error)


def test_liberty_without_nand(tmp_path):
    lib = tmp_path / "inv_only.lib"
    lib.write_text(HEADER + INV + "}\n")
    with pytest.raises(UserError) as error:
        library_from_liberty(lib)
    assert "lacks a 2-input NAND" in _one_line(error)


def test_liberty_without_flip_flop_for_registers(tmp_path, rtl):
    lib = tmp_path / "no_ff.lib"
    lib.write_text(HEADER + INV + NAND + "}\n")
    assert len(library_from_liberty(lib).cells) == 2
    with pytest.raises(UserError) as error:
        synthesize(verilog=rtl, top="reg8", liberty=lib, cache_dir=None, progress=None)
    assert "flip-flop" in _one_line(error)


def test_missing_liberty_file(tmp_path, rtl):
    assert main(["synth", str(rtl), "--top", "add4", "--liberty", str(tmp_path / "nope.lib")]) == 2


def test_missing_yosys(tmp_path, rtl, monkeypatch, capsys):
    empty = tmp_path / "empty_bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(UserError) as error:
        synthesize(verilog=rtl, top="add4", cache_dir=None, progress=None)
    assert "apt-get install yosys" in _one_line(error)
    assert main(["synth", str(rtl), "--top", "add4"]) == 2
    assert "make setup" in capsys.readouterr().err


def test_unknown_top(rtl):
    with pytest.raises(UserError) as error:
        synthesize(verilog=rtl, top="nothere", cache_dir=None, progress=None)
    assert "nothere" in _one_line(error)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.array([1 + 2j, 3j]), "dtype"),
        (np.array([True, False]), "dtype"),
        (np.array(3.0), "shape"),
        (np.zeros(1), "shape"),
        (np.array(["a", "b"]), "dtype"),
    ],
)
def test_bad_tensor(tmp_path, array, message):
    path = tmp_path / "t.npy"
    np.save(path, array)
    with pytest.raises(UserError) as error:
        tensor_stream(path, fmt=get_format("e4m3"))
    assert message in _one_line(error)


def test_tensor_not_npy(tmp_path):
    path = tmp_path / "t.npy"
    path.write_text("not numpy")
    with pytest.raises(UserError) as error:
        tensor_stream(path, fmt=get_format("int8"))
    assert "numpy.save" in _one_line(error)


def test_integer_tensor_out_of_range(tmp_path):
    path = tmp_path / "t.npy"
    np.save(path, np.array([1, 300], dtype=np.int32))
    with pytest.raises(UserError):
        tensor_stream(path, fmt=get_format("int8"))


def test_good_tensors(tmp_path):
    path = tmp_path / "t.npy"
    np.save(path, np.array([[1.0, -2.0], [448.0, 1e6]], dtype=np.float32))
    e4m3 = get_format("e4m3")
    codes = tensor_stream(path, fmt=e4m3)
    np.testing.assert_array_equal(e4m3.decode(codes), [1.0, -2.0, 448.0, 448.0])  # saturated tail
    np.save(path, np.array([-3.4, 200.0]))
    np.testing.assert_array_equal(
        get_format("int8").decode(tensor_stream(path, fmt=get_format("int8"))), [-3, 127]
    )


def test_operand_streams_are_seeded_and_in_format():
    fmt = get_format("e5m2")
    a = operand_stream(fmt=fmt, dist="gaussian", n=10000, seed=4)
    np.testing.assert_array_equal(a, operand_stream(fmt=fmt, dist="gaussian", n=10000, seed=4))
    values = fmt.decode(a)
    assert np.isfinite(values).all() and 0.9 < np.std(values) < 1.1
    lap = get_format("int8").decode(
        operand_stream(fmt=get_format("int8"), dist="laplace", n=10000, seed=1)
    )
    assert lap.min() >= -128 and lap.max() <= 127 and 25 < np.std(lap) < 40
    with pytest.raises(UserError):
        operand_stream(fmt=fmt, dist="cauchy", n=10, seed=0)


def test_cli_bad_npy(tmp_path, rtl, capsys, monkeypatch):
    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "t.npy"
    np.save(path, np.array(5.0))
    assert (
        main(["energy", str(rtl), "--top", "add4", "--format", "int4", "--tensor", str(path)]) == 2
    )
    err = capsys.readouterr().err
    assert "shape" in err and len(err.strip().splitlines()) == 1
