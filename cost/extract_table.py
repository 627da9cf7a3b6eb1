"""Write the built-in default library table (:mod:`picojoule.cost.nangate45`) from a Liberty file.

Run once by a maintainer; the project never reads the Liberty file afterwards::

    python -m picojoule.cost.extract_table ../shared/lib/nangate45_typ.lib.gz > cost/nangate45.py

The figures go through :func:`picojoule.cost.library.library_from_liberty`, so the built-in
table and a user's Liberty file are reduced by the same, stated derivation.
"""

import sys
from pathlib import Path

from picojoule.cost.library import library_from_liberty

CELLS = (
    "INV_X1",
    "BUF_X1",
    "NAND2_X1",
    "NAND3_X1",
    "NAND4_X1",
    "NOR2_X1",
    "NOR3_X1",
    "NOR4_X1",
    "AND2_X1",
    "AND3_X1",
    "AND4_X1",
    "OR2_X1",
    "OR3_X1",
    "OR4_X1",
    "XOR2_X1",
    "XNOR2_X1",
    "AOI21_X1",
    "AOI22_X1",
    "AOI211_X1",
    "OAI21_X1",
    "OAI22_X1",
    "OAI211_X1",
    "MUX2_X1",
    "DFF_X1",
)

_HEADER = '''"""The built-in default cell library: figures from the NanGate FreePDK45 Open Cell Library.

Source: NanGate Open Cell Library (FreePDK45), file NangateOpenCellLibrary typical corner
(process TypTyp, 1.10 V, 25 C), as distributed in the OpenSTA examples ({source_name}).
Written by ``python -m picojoule.cost.extract_table`` through
:func:`picojoule.cost.library.library_from_liberty`; the derivation of every figure is stated
in :mod:`picojoule.cost.library` (FO4 reference slew {slew_note}; per-output figures fitted
linearly in load between one and four inverter input loads; internal energy per output toggle
= mean of rise_power and fall_power over related pins; delay = worst arc's mean of cell_rise
and cell_fall; input-pin hidden power per input toggle; leakage = cell_leakage_power).
Wire load: the library's default_wire_load "5K_hvratio_1_1" (capacitance per unit length
times fanout_length, slope beyond the table).

Units: area um^2, capacitance fF, energy fJ, time ns, leakage nW, voltage V.
Only the X1 drive strength of a modest set of functions is kept; the Liberty file itself is not
part of picojoule.
"""

from picojoule.cost.cells import Cell, CellLibrary, Flop

NAME = "default"
SOURCE = "NanGate FreePDK45 Open Cell Library, typical corner (1.10 V, 25 C), X1 cells"
VOLTAGE = {voltage!r}
WIRE_CAP_PER_LENGTH_FF = {wire_cap!r}
WIRE_SLOPE = {wire_slope!r}
WIRE_FANOUT_LENGTH = {wire_lengths!r}

# name: (area um^2, {{input pin: capacitance fF}}, {{output pin: function}},
#        {{output pin: (internal fJ per output toggle at zero load, fJ per fF of load)}},
#        {{output pin: (delay ns at zero load, ns per fF of load)}},
#        {{input pin: internal fJ per input toggle}}, leakage nW, flop or None)
CELLS = {{
'''

_FOOTER = '''}


def library():
    """The table as a :class:`~picojoule.cost.library.CellLibrary`."""
    cells = {}
    for name, (area, inputs, outputs, internal, delay, input_internal, leakage, flop) in CELLS.items():
        cells[name] = Cell(name=name, area_um2=area, inputs=inputs, outputs=outputs,
                           internal_fj=internal, delay_ns=delay, input_internal_fj=input_internal,
                           leakage_nw=leakage, flop=Flop(*flop) if flop else None)
    return CellLibrary(name=NAME, source=SOURCE, voltage=VOLTAGE, cells=cells,
                       wire_cap_per_length_ff=WIRE_CAP_PER_LENGTH_FF, wire_slope=WIRE_SLOPE,
                       wire_fanout_length=WIRE_FANOUT_LENGTH)
'''


def _round(mapping):
    return {
        k: (tuple(round(x, 6) for x in v) if isinstance(v, tuple) else round(v, 6))
        for k, v in mapping.items()
    }


def table_source(path):
    """The Python source of the table module."""
    lib = library_from_liberty(path, cells=CELLS)
    out = [
        _HEADER.format(
            source_name=Path(path).name,
            voltage=lib.voltage,
            slew_note="of the INV_X1 cell",
            wire_cap=round(lib.wire_cap_per_length_ff, 6),
            wire_slope=lib.wire_slope,
            wire_lengths=lib.wire_fanout_length,
        )
    ]
    for name in CELLS:
        c = lib.cells[name]
        flop = None
        if c.flop:
            f = c.flop
            flop = (f.state, f.state_n, f.next_state, f.clocked_on, f.clear, f.preset)
        out.append(
            f"    {name!r}: ({c.area_um2!r}, {_round(c.inputs)!r}, {c.outputs!r},\n"
            f"        {_round(c.internal_fj)!r}, {_round(c.delay_ns)!r},\n"
            f"        {_round(c.input_internal_fj)!r}, {round(c.leakage_nw, 4)!r}, {flop!r}),\n"
        )
    out.append(_FOOTER)
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(table_source(sys.argv[1]))
