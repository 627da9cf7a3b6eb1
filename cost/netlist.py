"""A mapped gate netlist (Yosys ``write_json``) bound to a cell library: nets, loads, levels, timing.

Nets are renumbered densely: net 0 is constant 0, net 1 constant 1 (Yosys ``"x"``/``"z"`` bits
are read as 0), the rest follow Yosys' bit numbers. Two orders are kept: ``comb_levels``
(flip-flop outputs as sources; any sequential netlist) and, for feed-forward pipelines only,
``levels`` with flip-flops as nodes of the same graph (Q depends on D one cycle later), which
lets the simulator treat a pipeline like combinational logic. A combinational loop is an error.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from picojoule.base.errors import UserError
from picojoule.cost.boolexpr import parse_function, support_given

#: Sinks per stage of the buffer trees assumed for high-fanout nets in static timing.
BUFFER_FANOUT = 8


@dataclass(frozen=True)
class Instance:
    name: str
    cell: str
    pins: dict  # pin -> net index


class Netlist:
    """The top module of a Yosys JSON netlist, checked against ``library``.

    Attributes
    ----------
    ports : dict
        name -> (direction, [net indices, LSB first]).
    instances : list of Instance
    n_nets : int
    levels : list of dict or None
        For each level, cell name -> instance indices, flip-flops included as nodes; None when
        the netlist has sequential feedback (``feedback`` is True).
    comb_levels : list of dict
        The same over combinational cells only (flip-flop outputs are sources).
    flops : list of int
    clock_nets : set of int
        Nets that drive flip-flop clock pins (ideal clock: not simulated).
    """

    def __init__(self, design, *, top, library):
        modules = design.get("modules", {})
        if top not in modules:
            raise UserError(
                f"netlist has no module {top!r}; choose from {', '.join(sorted(modules))}"
            )
        module = modules[top]
        self.top = top
        self.library = library
        ids = {"0": 0, "1": 1, "x": 0, "z": 0}

        def net(bit):
            if bit not in ids:
                ids[bit] = len(ids) - 2
            return ids[bit]

        self.ports = {
            name: (p["direction"], [net(b) for b in p["bits"]])
            for name, p in module.get("ports", {}).items()
        }
        self.instances = []
        for name, c in module.get("cells", {}).items():
            cell = library.cells.get(c["type"])
            if cell is None:
                if c["type"].startswith("$") and "DFF" in c["type"].upper():
                    raise UserError(
                        f"library {library.name} lacks a flip-flop for {c['type']}; "
                        "use a Liberty file with a D flip-flop"
                    )
                raise UserError(
                    f"netlist cell {c['type']} is not a usable cell of library {library.name}"
                )
            pins = {}
            for pin, bits in c["connections"].items():
                if len(bits) != 1:
                    raise UserError(
                        f"cell {name} pin {pin} has {len(bits)} bits; expected a gate netlist"
                    )
                pins[pin] = net(bits[0])
            self.instances.append(Instance(name, c["type"], pins))
        self.n_nets = max(max((v for v in ids.values()), default=1) + 1, 2)
        self._connect()
        self._levelize()

    # ------------------------------------------------------------------ structure
    def _connect(self):
        self.driver = {}  # net -> (instance index, pin)
        self.sinks = defaultdict(list)  # net -> [(instance index, pin)]
        self.clock_nets = set()
        for i, inst in enumerate(self.instances):
            cell = self.library.cells[inst.cell]
            for pin, n in inst.pins.items():
                if pin in cell.outputs:
                    if n in self.driver or n < 2:
                        raise UserError(f"net driven twice in the netlist (cell {inst.name})")
                    self.driver[n] = (i, pin)
                elif pin in cell.inputs:
                    self.sinks[n].append((i, pin))
                    if pin == cell.clock_pin:
                        self.clock_nets.add(n)
                else:
                    raise UserError(f"cell {inst.name} connects unknown pin {pin} of {inst.cell}")
        for name, (direction, nets) in self.ports.items():
            if direction == "input":
                for n in nets:
                    if n in self.driver:
                        raise UserError(f"input port {name} is also driven inside the netlist")

    def _levelize(self):
        n = len(self.instances)
        is_flop = [self.library.cells[inst.cell].flop is not None for inst in self.instances]
        deps = [set() for _ in range(n)]
        for i, inst in enumerate(self.instances):
            cell = self.library.cells[inst.cell]
            for pin, net in inst.pins.items():
                if pin in cell.inputs and pin != cell.clock_pin and net in self.driver:
                    deps[i].add(self.driver[net][0])
        # Combinational order: flip-flop outputs are sources.
        comb_deps = [
            set() if is_flop[i] else {j for j in d if not is_flop[j]} for i, d in enumerate(deps)
        ]
        comb = _topological_levels(comb_deps)
        if comb is None:
            raise UserError("the netlist has a combinational loop; break it with a register")
        self.comb_order, comb_level = comb
        self.flops = [i for i in range(n) if is_flop[i]]
        self.comb_levels = self._group(self.comb_order, comb_level, skip=set(self.flops))
        # Flip-flops as nodes (Q depends on D): levelizable only for feed-forward pipelines.
        full = _topological_levels(deps)
        self.feedback = full is None
        self.levels = None if self.feedback else self._group(full[0], full[1], skip=set())

    def levels_given(self, constants):
        """Levels with flip-flops as nodes while ``constants`` hold; None if feedback remains.

        ``constants`` maps nets to 0/1 for the whole run (held and unused inputs). Constants
        are propagated through the combinational cells, and a cell input that cannot change
        the cell's outputs (or a flip-flop's next state) while they hold is not a dependency.
        A register whose enable multiplexer is held on its data input (a valid/ready stage
        whose downstream is always ready) is then a plain delay register, and the netlist a
        feed-forward pipeline that :attr:`levels` semantics apply to. Flip-flops with an
        internal enable (next state reading its own state) keep the netlist sequential.
        """
        if not self.feedback:
            return self.levels
        key = frozenset(constants.items())
        memo = self.__dict__.setdefault("_levels_given_memo", {})
        if key not in memo:
            memo[key] = self._levels_given(dict(constants))
        return memo[key]

    def _levels_given(self, known):
        funcs = self.compiled_functions()
        support_memo = {}
        deps = [set() for _ in self.instances]

        def relevant(i, keys):
            inst = self.instances[i]
            cell = self.library.cells[inst.cell]
            pins = [p for p in cell.inputs if p != cell.clock_pin]
            fixed = {p: known.get(inst.pins.get(p, 0), None) for p in pins}
            fixed = {p: v for p, v in fixed.items() if v is not None}
            # the simulator still reads the held pins: cells deriving their constants go first
            needed, values = {p for p in fixed if inst.pins.get(p, 0) in self.driver}, {}
            for key in keys:
                memo_key = (inst.cell, key, tuple(sorted(fixed.items())))
                if memo_key not in support_memo:
                    support_memo[memo_key] = support_given(funcs[inst.cell][key], fixed)
                support, value = support_memo[memo_key]
                needed |= support
                values[key] = value
            return needed, values

        for i in self.comb_order:  # flip-flops first: they are sources
            cell = self.library.cells[self.instances[i].cell]
            if cell.flop:
                continue
            needed, values = relevant(i, list(cell.outputs))
            for pin, value in values.items():
                net = self.instances[i].pins.get(pin)
                if value is not None and net is not None:
                    known[net] = value
            deps[i] = {
                self.driver[self.instances[i].pins[p]][0]
                for p in needed
                if p in self.instances[i].pins and self.instances[i].pins[p] in self.driver
            }
        for i in self.flops:
            inst = self.instances[i]
            cell = self.library.cells[inst.cell]
            keys = [k for k in ("<next>", "<clear>", "<preset>") if k in funcs[inst.cell]]
            needed, _ = relevant(i, keys)
            if needed & {cell.flop.state, cell.flop.state_n}:
                return None  # the cell keeps its own state
            deps[i] = {
                self.driver[inst.pins[p]][0]
                for p in needed
                if p in inst.pins and inst.pins[p] in self.driver
            }
        full = _topological_levels(deps)
        return None if full is None else self._group(full[0], full[1], skip=set())

    def _group(self, order, level, *, skip):
        levels = defaultdict(lambda: defaultdict(list))
        for i in order:
            if i not in skip:
                levels[level[i]][self.instances[i].cell].append(i)
        return [dict(levels[k]) for k in sorted(levels)]

    # ------------------------------------------------------------------ loads and timing
    def fanout(self, net):
        """Number of sink pins of ``net``, output ports counted as one sink each."""
        return len(self.sinks.get(net, ())) + self._port_sinks().get(net, 0)

    def _port_sinks(self):
        if not hasattr(self, "_port_sink_count"):
            count = defaultdict(int)
            for direction, nets in self.ports.values():
                if direction == "output":
                    for n in nets:
                        count[n] += 1
            self._port_sink_count = count
        return self._port_sink_count

    def output_port_load_ff(self):
        """Load assumed for each output-port bit: the input pin of the smallest inverter."""
        inv = self.library.find(0b01, 1)
        return (
            self.library.cells[inv[0]].inputs[next(iter(self.library.cells[inv[0]].inputs))]
            if inv
            else 0.0
        )

    def net_loads_ff(self):
        """Capacitance (fF) of every net: sink pin capacitances + output-port loads + wire load."""
        load = np.zeros(self.n_nets)
        for net, sinks in self.sinks.items():
            for i, pin in sinks:
                load[net] += self.library.cells[self.instances[i].cell].inputs[pin]
        port_load = self.output_port_load_ff()
        for net, count in self._port_sinks().items():
            load[net] += port_load * count
        for net in range(2, self.n_nets):
            load[net] += self.library.wire_cap_ff(self.fanout(net))
        load[:2] = 0.0
        return load

    def buffer_tree_delays(self, loads):
        """Extra delay (ns) per net and the driver's load (fF) when high-fanout nets are buffered.

        ABC maps without buffering, so a control net reaching hundreds of pins would be timed
        as one X1 gate driving them all; a synthesis flow inserts a buffer tree instead. A net
        with more than `BUFFER_FANOUT` sinks is timed as a balanced tree of the library's
        smallest buffer, `BUFFER_FANOUT` loads per stage: the driver sees `BUFFER_FANOUT`
        buffer inputs, each of the ``ceil(log_B(fanout)) - 1`` stages adds one buffer delay
        at `BUFFER_FANOUT` average sink pins. Timing only: the buffers' area and switching
        energy are not added to the netlist's. Without a buffer cell nets stay unbuffered.
        """
        extra = np.zeros(self.n_nets)
        driver_load = np.array(loads, dtype=float)
        names = self.library.find(0b10, 1)
        if not names:
            return extra, driver_load
        buf = self.library.cells[names[0]]
        buf_in = next(iter(buf.inputs.values()))
        d0, d1 = next(iter(buf.delay_ns.values()))
        fan = BUFFER_FANOUT
        for net in self.sinks:
            count = self.fanout(net)
            if count <= fan or net < 2:
                continue
            stages = math.ceil(math.log(count) / math.log(fan)) - 1
            mean_pin = (loads[net] - self.library.wire_cap_ff(self.fanout(net))) / count
            stage_load = fan * mean_pin + self.library.wire_cap_ff(fan)
            driver_load[net] = fan * buf_in + self.library.wire_cap_ff(fan)
            extra[net] = stages * (d0 + d1 * stage_load)
        return extra, driver_load

    def timing(self):
        """(logic depth, critical-path delay in ns) by static timing over the netlist.

        Sources: input ports (arrival 0) and flip-flop outputs (clock-to-Q). Endpoints: output
        ports and flip-flop data inputs (setup time not included). Each instance's delay is
        its table delay ``d0 + d1 * C_load`` at its output net's load; high-fanout nets are
        timed through a buffer tree (`buffer_tree_delays`).
        """
        extra, loads = self.buffer_tree_delays(self.net_loads_ff())
        arrival = np.zeros(self.n_nets)
        depth = np.zeros(self.n_nets, dtype=np.int64)
        worst_delay, worst_depth = 0.0, 0
        for i in self.comb_order:
            inst = self.instances[i]
            cell = self.library.cells[inst.cell]
            ins = [inst.pins[p] for p in cell.inputs if p in inst.pins and p != cell.clock_pin]
            if cell.flop:
                t_in, d_in = 0.0, 0
            else:
                t_in = max((arrival[p] for p in ins), default=0.0)
                d_in = max((int(depth[p]) for p in ins), default=0) + 1
            for pin in cell.outputs:
                if pin in inst.pins:
                    out = inst.pins[pin]
                    d0, d1 = cell.delay_ns[pin]
                    arrival[out] = t_in + d0 + d1 * loads[out] + extra[out]
                    depth[out] = d_in
        endpoints = [
            n for direction, nets in self.ports.values() if direction == "output" for n in nets
        ]
        for i in self.flops:
            cell = self.library.cells[self.instances[i].cell]
            endpoints += [
                net
                for pin, net in self.instances[i].pins.items()
                if pin in cell.inputs and pin != cell.clock_pin
            ]
        for n in endpoints:
            worst_delay = max(worst_delay, arrival[n])
            worst_depth = max(worst_depth, int(depth[n]))
        return worst_depth, float(worst_delay)

    def cell_counts(self):
        counts = defaultdict(int)
        for inst in self.instances:
            counts[inst.cell] += 1
        return dict(sorted(counts.items()))

    def area_um2(self):
        return float(sum(self.library.cells[inst.cell].area_um2 for inst in self.instances))

    def transistors(self):
        """Estimate: 4 transistors per NAND2 equivalent of area."""
        nand2 = self.library.nand2_area_um2
        return int(round(4 * self.area_um2() / nand2)) if nand2 else None

    def compiled_functions(self):
        """cell name -> {output pin: parsed function}, plus the flop's next-state function."""
        out = {}
        for name in {inst.cell for inst in self.instances}:
            cell = self.library.cells[name]
            funcs = {pin: parse_function(f) for pin, f in cell.outputs.items()}
            if cell.flop:
                funcs["<next>"] = parse_function(cell.flop.next_state)
                for key in ("clear", "preset"):
                    text = getattr(cell.flop, key)
                    if text:
                        funcs[f"<{key}>"] = parse_function(text)
            out[name] = funcs
        return out


def _topological_levels(deps):
    """(order, level) of a DAG given each node's dependencies; None if there is a cycle."""
    n = len(deps)
    users = [[] for _ in range(n)]
    for i, d in enumerate(deps):
        for j in d:
            users[j].append(i)
    remaining = [len(d) for d in deps]
    level = [0] * n
    frontier = [i for i in range(n) if remaining[i] == 0]
    order = []
    while frontier:
        nxt = []
        for i in frontier:
            order.append(i)
            for u in users[i]:
                level[u] = max(level[u], level[i] + 1)
                remaining[u] -= 1
                if remaining[u] == 0:
                    nxt.append(u)
        frontier = nxt
    return (order, level) if len(order) == n else None
