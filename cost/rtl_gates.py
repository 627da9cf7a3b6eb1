"""A unit's RTL lowered to Yosys' own gate cells, without ABC, as a netlist the gate engine runs.

This is the gold side of the equivalence miter (:mod:`picojoule.cost.equiv`): Yosys reads the
exported Verilog and lowers it with the miter's own passes (`READ_RTL`: ``prep -flatten``;
`LOWERING`: ``techmap``, ``opt -fast``, ``dffunmap``, which turns enables and synchronous
resets into logic in front of plain ``$_DFF_P_``), and writes it with ``write_json``. Nothing
of ABC or of a cell library is involved, so sweeping this netlist and the mapped one on the
same operand pairs compares the RTL with what ABC made of it
(`picojoule.cost.equiv_sweep.sweep_equivalence`).

`GATES` is the cell library of those gate cells (their Liberty-style functions; no figures:
the netlist is simulated for its values, never costed). Netlists are cached
(`picojoule.base.cache`, kind ``rtl_gates``) by the Verilog text, the top, the script, the Yosys
version and this module's source.
"""

import json
import tempfile
from pathlib import Path

from picojoule.base import cache
from picojoule.base.errors import UserError
from picojoule.base.tool_errors import tool_error_line
from picojoule.cost.cells import Cell, CellLibrary, Flop
from picojoule.cost.netlist import Netlist
from picojoule.cost.synth import _version_of, _yosys, run_yosys_script

__all__ = ["GATES", "READ_RTL", "LOWERING", "SCRIPT", "rtl_gate_netlist"]

#: Yosys reads the exported Verilog (file ``rtl.v``, module ``{top}``) as the miter's gold side.
READ_RTL = "read_verilog -sv rtl.v\nprep -flatten -top {top}"
#: The passes that lower a read design to gate cells and plain ``$_DFF_P_`` registers; the
#: miter (`picojoule.cost.equiv`) lowers itself with the same passes before ``aigmap``.
LOWERING = "techmap\nopt -fast\ndffunmap\nopt_clean"
SCRIPT = f"{READ_RTL}\n{LOWERING}\nwrite_json rtl.json\n"

#: Yosys' internal gate cells (``techmap``'s output): pins -> Liberty function of ``Y``.
_FUNCTIONS = {
    "$_BUF_": ("A", "A"),
    "$_NOT_": ("A", "!A"),
    "$_AND_": ("AB", "A&B"),
    "$_NAND_": ("AB", "!(A&B)"),
    "$_OR_": ("AB", "A|B"),
    "$_NOR_": ("AB", "!(A|B)"),
    "$_XOR_": ("AB", "A^B"),
    "$_XNOR_": ("AB", "!(A^B)"),
    "$_ANDNOT_": ("AB", "A&!B"),
    "$_ORNOT_": ("AB", "A|!B"),
    "$_MUX_": ("ABS", "(A&!S)|(B&S)"),
    "$_NMUX_": ("ABS", "!((A&!S)|(B&S))"),
    "$_AOI3_": ("ABC", "!((A&B)|C)"),
    "$_OAI3_": ("ABC", "!((A|B)&C)"),
    "$_AOI4_": ("ABCD", "!((A&B)|(C&D))"),
    "$_OAI4_": ("ABCD", "!((A|B)&(C|D))"),
}


def _cell(name, inputs, outputs, flop=None):
    return Cell(
        name=name,
        area_um2=0.0,
        inputs=dict.fromkeys(inputs, 0.0),
        outputs=outputs,
        internal_fj={pin: (0.0, 0.0) for pin in outputs},
        delay_ns={pin: (0.0, 0.0) for pin in outputs},
        flop=flop,
    )


GATES = CellLibrary(
    name="yosys-gates",
    source="Yosys internal gate cells (techmap output)",
    voltage=1.0,
    cells={
        **{name: _cell(name, pins, {"Y": fn}) for name, (pins, fn) in _FUNCTIONS.items()},
        "$_DFF_P_": _cell(
            "$_DFF_P_",
            "CD",
            {"Q": "IQ"},
            Flop(state="IQ", state_n="IQN", next_state="D", clocked_on="C"),
        ),
    },
)


def rtl_gate_netlist(*, verilog, top, cache_dir="default"):
    """The `Netlist` (library `GATES`) of ``top`` in the Verilog file ``verilog``."""
    exe = _yosys()
    rtl = Path(verilog).read_text()
    script = SCRIPT.format(top=top)
    cache_dir = cache.resolve(cache_dir)
    own = Path(__file__).read_text()
    digest = cache.key("rtl_gates", rtl, top, script, _version_of(exe), own, sources=())
    design = cache.load(cache_dir, "rtl_gates", digest)
    if design is None:
        with tempfile.TemporaryDirectory(prefix="picojoule-rtl-gates-") as tmp:
            tmp = Path(tmp)
            (tmp / "rtl.v").write_text(rtl)
            (tmp / "lower.ys").write_text(script)
            status, log = run_yosys_script(exe, tmp, "lower.ys")
            if status != 0:
                detail = tool_error_line(log) or f"exit status {status}"
                raise UserError(f"yosys could not lower {top} to gates: {detail}")
            design = json.loads((tmp / "rtl.json").read_text())
        cache.store(cache_dir, "rtl_gates", digest, design)
    return Netlist(design, top=top, library=GATES)
