"""Liberty reading: the group tree, boolean functions, units and the derived cell figures."""

import pytest

from picojoule.cost.boolexpr import parse_function, to_verilog, variables
from picojoule.cost.liberty import parse_liberty
from picojoule.cost.libgen import liberty_text
from picojoule.cost.library import default_library, library_from_liberty, truth_table_of


@pytest.mark.parametrize(
    "text, pins, table",
    [
        ("!A", ["A"], 0b01),
        ("A'", ["A"], 0b01),
        ("!(A1 & A2)", ["A1", "A2"], 0b0111),
        ("(A B)'", ["A", "B"], 0b0111),  # juxtaposition is and
        ("A+B", ["A", "B"], 0b1110),
        ("A^B", ["A", "B"], 0b0110),
        ("!(A ^ B)", ["A", "B"], 0b1001),
        ("A | B & C", ["A", "B", "C"], 0b11101010),  # and binds tighter than or
        ("A & B ^ C", ["A", "B", "C"], 0b00101000),  # xor binds tighter than and
        ("(A0&!S) | (A1&S)", ["A0", "A1", "S"], 0b11001010),
        ("1", ["A"], 0b11),
    ],
)
def test_functions(text, pins, table):
    assert truth_table_of(text, pins) == table


def test_function_errors():
    for bad in ("(A & B", "A &", "", "A $ B"):
        with pytest.raises(ValueError):
            parse_function(bad)


def test_verilog_printing_keeps_the_function():
    tree = parse_function("!((A1 & A2) | B)")
    assert variables(tree) == ["A1", "A2", "B"]
    assert to_verilog(tree) == "~(((A1 & A2) | B))"


def test_group_tree_and_units():
    lib = parse_liberty("""
    /* comment */ library (demo) {
      time_unit : "1ps" ; capacitive_load_unit (1, pf);
      cell ("X") { area : 2.5 ; pin (A) { direction : input ; capacitance : 0.002 ; }
        pin (Y) { direction : output ; function : "A" ; } }
    }""")
    assert lib.args == ["demo"] and lib.attrs["time_unit"] == "1ps"
    assert lib.complex_attr("capacitive_load_unit") == ["1", "pf"]
    cell = lib.children("cell")[0]
    assert cell.attrs["area"] == "2.5" and cell.children("pin")[1].attrs["function"] == "A"


def test_default_library_round_trips_through_liberty_text(tmp_path):
    lib = default_library()
    path = tmp_path / "default.lib"
    path.write_text(liberty_text(lib))
    again = library_from_liberty(path)
    assert set(again.cells) == set(lib.cells)
    for name, cell in lib.cells.items():
        other = again.cells[name]
        assert other.area_um2 == cell.area_um2 and other.inputs == cell.inputs
        assert truth_table_of(
            other.outputs[next(iter(other.outputs))], list(other.inputs)
        ) == truth_table_of(cell.outputs[next(iter(cell.outputs))], list(cell.inputs))


def test_default_library_figures_are_45nm_scale():
    lib = default_library()
    assert lib.voltage == pytest.approx(1.1)
    nand = lib.cells["NAND2_X1"]
    assert nand.area_um2 == pytest.approx(0.798)  # Nangate45 NAND2_X1
    assert 1.0 < nand.inputs["A1"] < 2.5  # fF
    assert 0.005 < nand.delay_ns["ZN"][0] < 0.05
    assert lib.cells["DFF_X1"].flop is not None and lib.cells["DFF_X1"].input_internal_fj["CK"] > 0
    assert 0 < lib.wire_cap_ff(1) < lib.wire_cap_ff(4) < lib.wire_cap_ff(20)
    assert lib.find(0b0111, 2) == ["NAND2_X1"]
