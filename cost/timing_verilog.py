"""A mapped netlist as Verilog with each cell output's quantized delay, for Icarus cross-checks.

Every net of the netlist is a wire ``n<k>``. Each combinational cell output is a user-defined
primitive (the cell's truth table, from its Liberty ``function``) driving a wire ``r<j>_<pin>``
and ``assign #d n<k> = r<j>_<pin>;`` under ``timescale 1ps/1ps`` with ``d`` the output's delay in
time steps (:mod:`picojoule.cost.timing_delays`; one step = ``time_step_ps`` ps, written as that
many ps so the file runs at any step size). A primitive evaluates the whole cell at once, so a
cell whose inputs change in the same step reaches the delay once, with its final value — as a
gate does, and as :mod:`picojoule.cost.timingsim` assumes. A flip-flop holds ``s<j>`` (initially
0), set on its clock's rising edge to ``(next_state & ~clear) | preset`` (the convention of
:mod:`picojoule.cost.gatesim`), and drives its outputs through ``assign #d``.
"""

import itertools

import numpy as np

from picojoule.cost.boolexpr import evaluate, parse_function, to_verilog
from picojoule.cost.verilog_model import _escape


def _udp(name, tree, pins):
    """A primitive with the function's ternary table: an ``x`` input whose value cannot change
    the output is not propagated (as in a gate), so held registers leave ``x`` after reset."""
    k = len(pins)
    patterns = np.arange(1 << k, dtype=np.uint64)
    env = {
        p: np.array(
            [int(np.sum(((patterns >> np.uint64(j)) & np.uint64(1)) << patterns))], np.uint64
        )
        for j, p in enumerate(pins)
    }
    table = int(evaluate(tree, env, np.zeros(1, np.uint64))[0])
    rows = []
    for levels in itertools.product("01x", repeat=k):
        outs = set()
        for bits in itertools.product(*[(0, 1) if v == "x" else (int(v),) for v in levels]):
            outs.add(table >> sum(b << j for j, b in enumerate(bits)) & 1)
        if len(outs) == 1:
            rows.append(f"    {' '.join(levels)} : {outs.pop()};")
    ports = ", ".join(["y"] + [f"i{j}" for j in range(k)])
    decl = "  output y;\n" + "".join(f"  input i{j};\n" for j in range(k))
    return (
        f"primitive {name}({ports});\n{decl}  table\n"
        + "\n".join(rows)
        + "\n  endtable\nendprimitive\n"
    )


def timed_netlist_verilog(netlist, delays, *, module=None):
    """The netlist with delays as one Verilog text (primitives first, then the module)."""
    module = module or netlist.top
    lib = netlist.library
    prims, body, ports = {}, [], []
    for name, (direction, nets) in netlist.ports.items():
        width = f"[{len(nets) - 1}:0] " if len(nets) > 1 else ""
        ports.append(f"{direction} {width}{_escape(name)}")
    body.append(f"  wire {', '.join(f'n{k}' for k in range(2, netlist.n_nets))};")
    body.append("  wire n0 = 1'b0;\n  wire n1 = 1'b1;")
    for name, (direction, nets) in netlist.ports.items():
        for b, k in enumerate(nets):
            bit = f"{_escape(name)}[{b}]" if len(nets) > 1 else _escape(name)
            body.append(
                f"  assign n{k} = {bit};" if direction == "input" else f"  assign {bit} = n{k};"
            )
    ps = delays.time_step_ps
    for j, inst in enumerate(netlist.instances):
        cell = lib.cells[inst.cell]
        if cell.flop:
            f = cell.flop
            net = lambda p, pins=inst.pins: f"n{pins.get(p, 0)}"  # noqa: E731
            nxt = to_verilog(parse_function(f.next_state), net)
            if f.clear:
                nxt = f"({nxt}) & ~({to_verilog(parse_function(f.clear), net)})"
            if f.preset:
                nxt = f"({nxt}) | ({to_verilog(parse_function(f.preset), net)})"
            body.append(f"  reg s{j} = 1'b0;")
            body.append(f"  always @(posedge n{inst.pins[f.clocked_on]}) s{j} <= {nxt};")
            for pin, function in cell.outputs.items():
                if pin in inst.pins:
                    state = {f.state: f"s{j}", f.state_n: f"~s{j}"}
                    expr = to_verilog(parse_function(function), lambda p, s=state: s[p])
                    d = _ps(delays.steps[inst.pins[pin]], ps)
                    body.append(f"  assign #{d} n{inst.pins[pin]} = {expr};")
            continue
        pins = list(cell.inputs)
        for pin, function in cell.outputs.items():
            if pin not in inst.pins:
                continue
            prim = f"pj_{inst.cell}_{pin}".replace("\\", "_")
            if prim not in prims:
                prims[prim] = _udp(prim, parse_function(function), pins)
            args = ", ".join(f"n{inst.pins.get(p, 0)}" for p in pins)
            d = _ps(delays.steps[inst.pins[pin]], ps)
            body.append(f"  wire r{j}_{pin};")
            body.append(f"  {prim} u{j}_{pin} (r{j}_{pin}, {args});")
            body.append(f"  assign #{d} n{inst.pins[pin]} = r{j}_{pin};")
    text = f"module {_escape(module)}({', '.join(ports)});\n" + "\n".join(body) + "\nendmodule\n"
    scale = "`timescale 1ps/1ps\n" if float(ps).is_integer() else "`timescale 1ps/1fs\n"
    return scale + "".join(prims[k] for k in sorted(prims)) + text


def _ps(steps, step_ps):
    value = float(steps) * step_ps
    return f"{value:g}" if value != int(value) else str(int(value))
