"""The timing engine's shared parts: the netlist as kernel arrays, the chunk runner, results.

Both timing paths use them: feed-forward netlists (`picojoule.cost.timingsim`, flip-flops as
nodes of the topological order) and netlists whose sequential feedback survives
(`picojoule.cost.timing_lanes`, flip-flop states precomputed and driven as sources). A run
packs each chunk of ``64 * words`` operations into the settled values of the previous
operations (``init``) and of the chunk's own (``final``), and lets the compiled kernel
(`picojoule.cost.timing_kernel`) count every transition in between (see `timingsim` for the
delay rules).
"""

from dataclasses import dataclass

import numpy as np

from picojoule.cost.boolexpr import parse_function
from picojoule.cost.gatesim import pack_stream

__all__ = [
    "TimingResult",
    "TimingPlan",
    "Runner",
    "program",
    "flop_next_tree",
    "count_mask",
    "drive_chunks",
    "port_sources",
    "timing_result",
]


@dataclass
class TimingResult:
    """Transitions per net over ``n_ops`` operations (``n_ops - 1`` cycles counted).

    ``toggles`` counts every transition (glitches included); ``functional`` the settled-value
    changes (the zero-delay count); ``evaluations``: cell outputs evaluated at a step where an
    input changed in any lane; ``lane_evaluations``: the same per operation;
    ``word_evaluations``: per 64-operation word evaluated (the bit-parallel work).
    """

    toggles: np.ndarray
    functional: np.ndarray
    n_ops: int
    delay_model: str
    time_step_ps: float
    evaluations: int
    lane_evaluations: int
    settle_steps: int
    word_evaluations: int = 0

    @property
    def glitches(self):
        return self.toggles - self.functional


def program(tree, pins, code):
    """Append the postfix program of ``tree`` (pin names -> input positions) to ``code``."""
    # numba (heavy): the compiled kernels load only when a timing simulation runs
    from picojoule.cost import timing_kernel as k

    kind = tree[0]
    if kind == "var":
        code.append(pins[tree[1]])
    elif kind == "const":
        code.append(k.ONE if tree[1] else k.ZERO)
    elif kind == "not":
        program(tree[1], pins, code)
        code.append(k.NOT)
    else:
        op = {"and": k.AND, "or": k.OR, "xor": k.XOR}[kind]
        program(tree[1][0], pins, code)
        for child in tree[1][1:]:
            program(child, pins, code)
            code.append(op)
    return code


def flop_next_tree(flop):
    tree = parse_function(flop.next_state)
    if flop.clear:
        tree = ("and", (tree, ("not", parse_function(flop.clear))))
    if flop.preset:
        tree = ("or", (tree, parse_function(flop.preset)))
    return tree


class TimingPlan:
    """The netlist as kernel arrays: nodes in topological order, programs, delays."""

    def __init__(self, netlist, levels, delays, *, flops_as_sources=False):
        self.netlist = netlist
        order = [i for level in levels for members in level.values() for i in members]
        if flops_as_sources:
            order = list(netlist.flops) + order
        n = netlist.n_nets
        state_net = {}
        for i in netlist.flops:
            state_net[i] = n + len(state_net)
        self.n_nets = n + len(state_net)
        self.state_net = state_net
        kind, out_net, delay, in_start, in_count, in_nets = [], [], [], [], [], []
        prog_start, prog_len, prog, flop_slot = [], [], [], []
        self.pseudo = np.zeros(self.n_nets, dtype=bool)
        self.pseudo[n:] = True

        def add(node_kind, out, d, nets, code, slot=-1):
            kind.append(node_kind)
            out_net.append(out)
            delay.append(d)
            in_start.append(len(in_nets))
            in_count.append(len(nets))
            in_nets.extend(nets)
            prog_start.append(len(prog))
            prog_len.append(len(code))
            prog.extend(code)
            flop_slot.append(slot)

        for i in order:
            inst = netlist.instances[i]
            cell = netlist.library.cells[inst.cell]
            if cell.flop:
                f = cell.flop
                pins = [p for p in cell.inputs if p != cell.clock_pin]
                if not flops_as_sources:
                    code = program(flop_next_tree(f), {p: k for k, p in enumerate(pins)}, [])
                    nets = [inst.pins.get(p, 0) for p in pins]
                    add(1, state_net[i], 0, nets, code, slot=sum(1 for s in flop_slot if s >= 0))
                for pin, function in cell.outputs.items():
                    if pin not in inst.pins:
                        continue
                    tree = parse_function(function)
                    tree = _substitute(tree, f.state_n, ("not", ("var", f.state)))
                    code = program(tree, {f.state: 0}, [])
                    add(0, inst.pins[pin], int(delays.steps[inst.pins[pin]]), [state_net[i]], code)
                continue
            pins = [p for p in cell.inputs]
            index = {p: k for k, p in enumerate(pins)}
            nets = [inst.pins.get(p, 0) for p in pins]
            for pin, function in cell.outputs.items():
                if pin not in inst.pins:
                    continue
                code = program(parse_function(function), index, [])
                add(0, inst.pins[pin], int(delays.steps[inst.pins[pin]]), nets, code)
        as_array = lambda v, t=np.int64: np.array(v, dtype=t)  # noqa: E731
        self.kind = as_array(kind, np.int8)
        self.out_net = as_array(out_net)
        self.delay = as_array(delay)
        self.in_start = as_array(in_start)
        self.in_count = as_array(in_count)
        self.in_nets = as_array(in_nets)
        self.prog_start = as_array(prog_start)
        self.prog_len = as_array(prog_len)
        self.prog = as_array(prog)
        # numba (heavy): the compiled kernels load only when a timing simulation runs
        from picojoule.cost.timing_kernel import direct_code

        self.prog_op = as_array(
            [direct_code(prog[s : s + n]) for s, n in zip(prog_start, prog_len)], np.int8
        )
        self.flop_slot = as_array(flop_slot)
        self.n_flop_slots = int(max(flop_slot, default=-1)) + 1
        driven = set(out_net)
        self.source_nets = as_array(
            [k for k in range(2, self.n_nets) if k not in driven and not self.pseudo[k]]
        )
        if flops_as_sources:
            self.source_nets = np.concatenate(
                [self.source_nets, as_array(list(state_net.values()))]
            )


def _substitute(tree, name, replacement):
    kind = tree[0]
    if kind == "var":
        return replacement if tree[1] == name else tree
    if kind == "const":
        return tree
    if kind == "not":
        return ("not", _substitute(tree[1], name, replacement))
    return (kind, tuple(_substitute(c, name, replacement) for c in tree[1]))


class Runner:
    """Calls the kernel chunk after chunk, growing an event pool when a chunk needs more."""

    def __init__(self, plan, words, transport):
        if not 1 <= words <= 64:
            raise ValueError(f"words per chunk must be 1..64 (one mask bit per word), got {words}")
        self.plan = plan
        self.words = words
        self.transport = transport
        self.pool = max(1024, plan.n_nets * 16)
        self.word_pool = self.pool * 4
        self.toggles = np.zeros(plan.n_nets, dtype=np.int64)
        self.functional = np.zeros(plan.n_nets, dtype=np.int64)
        self.stats = np.zeros(4, dtype=np.int64)
        self.flop_carry = np.zeros(max(plan.n_flop_slots, 1), dtype=np.uint64)
        self.ev_start = np.zeros(plan.n_nets, dtype=np.int64)
        self.ev_count = np.zeros(plan.n_nets, dtype=np.int64)
        self._alloc()

    def _alloc(self):
        self.ev_time = np.empty(self.pool, dtype=np.int64)
        self.ev_wm = np.empty(self.pool, dtype=np.uint64)
        self.ev_off = np.empty(self.pool, dtype=np.int64)
        self.ev_words = np.empty(self.word_pool, dtype=np.uint64)

    def run(self, init, final, count_mask, *, first_lane_zero):
        # numba (heavy): the compiled kernels load only when a timing simulation runs
        from picojoule.cost import timing_kernel as kernel

        p = self.plan
        while True:
            toggles = np.zeros_like(self.toggles)
            functional = np.zeros_like(self.functional)
            stats = np.zeros_like(self.stats)
            carry = self.flop_carry.copy()
            used = kernel.run_chunk(
                p.kind,
                p.out_net,
                p.delay,
                p.in_start,
                p.in_count,
                p.in_nets,
                p.prog_start,
                p.prog_len,
                p.prog,
                p.prog_op,
                p.flop_slot,
                p.source_nets,
                init,
                final,
                count_mask,
                carry,
                first_lane_zero,
                self.transport,
                toggles,
                functional,
                stats,
                self.ev_time,
                self.ev_wm,
                self.ev_off,
                self.ev_words,
                self.ev_start,
                self.ev_count,
            )
            if used == kernel.DEFECT:
                raise RuntimeError("timing simulation ended off the settled values (a defect)")
            if used >= 0:
                break
            if used == kernel.EVENTS_FULL:
                self.pool *= 4
            else:
                self.word_pool *= 4
            self._alloc()
        self.flop_carry = carry
        self.toggles += toggles
        self.functional += functional
        self.stats += stats


def count_mask(start, stop, words):
    """Lanes of the chunk whose transition (t-1 -> t) is counted: 1 <= t < N."""
    lanes = np.zeros(64 * words, dtype=np.uint8)
    lanes[: stop - start] = 1
    if start == 0:
        lanes[0] = 0
    return np.packbits(lanes, bitorder="little").view(np.uint64).copy()


def port_sources(netlist, inputs):
    """The `drive_chunks` sources of the operand streams ``inputs`` (port name -> codes)."""
    return [
        (netlist.ports[name][1], np.asarray(codes), _packer(len(netlist.ports[name][1])))
        for name, codes in inputs.items()
    ]


def _packer(width):
    """Codes -> (width, words) bit planes (`picojoule.cost.gatesim.pack_stream`)."""
    return lambda codes: pack_stream(codes, width)


def drive_chunks(runner, *, n_nets, sources, hold_rows, n, words, first_lane_zero):
    """Run ``runner`` over ``n`` operations, ``64 * words`` at a time.

    ``sources``: (nets, values, pack) per driven group of nets: ``values[t]`` their value at
    operation t (an array over operations), ``pack(values)`` their (nets, words) bit planes.
    Each chunk starts from the previous operations' values (operation 0 from its own);
    ``hold_rows`` are (net, word) constants; ``first_lane_zero`` tells the kernel that lane 0
    of the first chunk has no previous operation.
    """
    chunk = 64 * words
    sources = [
        (nets, values, np.concatenate([values[:1], values[:-1]]), pack)
        for nets, values, pack in sources
    ]
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        used = -(-(stop - start) // 64)
        init = np.zeros((n_nets, words), dtype=np.uint64)
        init[1] = ~np.uint64(0)
        for net, word in hold_rows:
            init[net] = word
        final = init.copy()
        for nets, values, previous, pack in sources:
            final[nets, :used] = pack(values[start:stop])
            init[nets, :used] = pack(previous[start:stop])
        runner.run(
            init,
            final,
            count_mask(start, stop, words),
            first_lane_zero=first_lane_zero and start == 0,
        )


def timing_result(runner, plan, *, n_ops, delay_model, delays, quiet_nets=()):
    """The `TimingResult` of a finished run: counts of the real nets, none on the constant
    nets 0 and 1 and on ``quiet_nets`` (e.g. clock nets)."""
    real = ~plan.pseudo
    toggles = runner.toggles[real].copy()
    functional = runner.functional[real].copy()
    for t in (toggles, functional):
        t[:2] = 0
        t[list(quiet_nets)] = 0
    return TimingResult(
        toggles=toggles,
        functional=functional,
        n_ops=n_ops,
        delay_model=delay_model,
        time_step_ps=delays.time_step_ps,
        evaluations=int(runner.stats[0]),
        lane_evaluations=int(runner.stats[1]),
        settle_steps=delays.settle_steps,
        word_evaluations=int(runner.stats[3]),
    )
