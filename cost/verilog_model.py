"""Verilog for a mapped netlist and its cells, for cross-checking the gate simulator in Icarus.

Each cell becomes a module with one continuous assignment per output, printed from its Liberty
``function``; a flip-flop holds ``IQ`` (initially 0) updated on its clock's rising edge with
``(next_state & ~clear) | preset``, the same convention as :mod:`picojoule.cost.gatesim`.
Every net of the netlist is a wire ``n<index>`` so a VCD dump names them directly.
"""

from picojoule.cost.boolexpr import parse_function, to_verilog


def _escape(name):
    return name if name.replace("_", "a").isalnum() and not name[0].isdigit() else f"\\{name} "


def cell_models(library, names):
    """Verilog modules for the cells ``names`` of ``library``."""
    out = []
    for name in sorted(names):
        cell = library.cells[name]
        ports = [f"input {_escape(p)}" for p in cell.inputs] + [
            f"output {_escape(p)}" for p in cell.outputs
        ]
        out.append(f"module {_escape(name)}({', '.join(ports)});")
        if cell.flop:
            f = cell.flop
            nxt = to_verilog(parse_function(f.next_state), _escape)
            if f.clear:
                nxt = f"({nxt}) & ~({to_verilog(parse_function(f.clear), _escape)})"
            if f.preset:
                nxt = f"({nxt}) | ({to_verilog(parse_function(f.preset), _escape)})"
            out.append(f"  reg {_escape(f.state)} = 1'b0;")
            out.append(f"  wire {_escape(f.state_n)} = ~{_escape(f.state)};")
            out.append(f"  always @(posedge {_escape(f.clocked_on)}) {_escape(f.state)} <= {nxt};")
        for pin, function in cell.outputs.items():
            out.append(
                f"  assign {_escape(pin)} = {to_verilog(parse_function(function), _escape)};"
            )
        out.append("endmodule\n")
    return "\n".join(out)


def netlist_verilog(netlist, *, module=None):
    """The netlist as structural Verilog, one wire ``n<k>`` per net ``k``."""
    module = module or netlist.top
    ports = []
    body = []
    for name, (direction, nets) in netlist.ports.items():
        width = f"[{len(nets) - 1}:0] " if len(nets) > 1 else ""
        ports.append(f"{direction} {width}{_escape(name)}")
    for k in range(2, netlist.n_nets):
        body.append(f"  wire n{k};")
    body.append("  wire n0 = 1'b0;\n  wire n1 = 1'b1;")
    for name, (direction, nets) in netlist.ports.items():
        for b, k in enumerate(nets):
            bit = f"{_escape(name)}[{b}]" if len(nets) > 1 else _escape(name)
            if direction == "input":
                body.append(f"  assign n{k} = {bit};")
            else:
                body.append(f"  assign {bit} = n{k};")
    for j, inst in enumerate(netlist.instances):
        conns = ", ".join(f".{_escape(p)}(n{k})" for p, k in inst.pins.items())
        body.append(f"  {_escape(inst.cell)} u{j} ({conns});")
    return f"module {_escape(module)}({', '.join(ports)});\n" + "\n".join(body) + "\nendmodule\n"
