"""Timing simulation of a gate netlist with quantized cell delays: every transition, glitches too.

Model
-----
One clock cycle per operation. The cycle starts with every net at its settled value of the
previous operation; at step 0 the new operands reach the input ports and flip-flops take their
new state (the clock edge). Each cell output follows its function of the cell's inputs after
its delay ``d`` steps (:mod:`picojoule.cost.timing_delays`); the cycle is taken to be longer
than the longest path, so every net settles before the next operation. Every transition of
every net inside the cycle is counted, glitches included; counts cover operations 1 .. N-1 like
the zero-delay engine (:mod:`picojoule.cost.gatesim`), whose toggles are exactly this run's
*functional* transitions (settled value of operation t-1 vs t). ``glitch = total - functional``.

Delay models
------------
``inertial`` (default) is the rule of a Verilog continuous assignment with a delay,
``assign #d y = f(...)``, in Icarus Verilog 11 (vvp's delay node, found with small experiments
and its source, and checked net by net against Icarus in tests/test_cost_timing_icarus.py):

1. A cell output keeps at most one pending change. When the cell's inputs change at step t and
   the function's new value differs from the pending value (or, with nothing pending, from the
   output), the pending change is cancelled; if the new value also differs from the output, a
   change to it is scheduled at ``t + d``. A new value equal to the pending one leaves the
   pending change where it is (it is not re-timed).
2. Within one step, every change due at that step happens first; then each cell whose inputs
   changed evaluates once, with all of them (Icarus runs a delay node's due event before the
   cell functors it wakes, which are queued behind every event already due at that step).
3. Consequences: a pulse narrower than ``d`` at the cell's function is swallowed; a pulse of
   exactly ``d`` steps passes; a zero-width pulse (inputs changing in the same step) never
   reaches the output; a net changes at most once per step, so a VCD records every transition.

``transport``: every change of the function's value at step t appears at the output at
``t + d``; nothing is swallowed (so its counts are at least the inertial ones).

Engine
------
Operations are bit-parallel as in :mod:`picojoule.cost.gatesim` (64 per uint64 word, chunks of
``words`` words). Cells are processed once per chunk in topological order: each cell output's
waveform over the cycle (a time-ordered list of (step, word array) events) is computed from its
inputs' waveforms by merging their event times, evaluating the cell once per distinct step and
applying the delay rule with per-lane pending masks; each event records which words it changes,
so a step costs only the words it touches. The inner loop is compiled with numba
(:mod:`picojoule.cost.timing_kernel`). Flip-flops are nodes of the same order as in the
zero-delay feed-forward path (their state is the next-state value of the previous operation);
netlists whose sequential feedback survives the held inputs run on the lane engine's states
(:func:`simulate_timing`).
"""

from dataclasses import dataclass

import numpy as np

from picojoule.base.errors import UserError
from picojoule.cost.boolexpr import parse_function
from picojoule.cost.gatesim import _check, _constant_nets, _hold_rows, pack_stream
from picojoule.cost.timing_delays import DEFAULT_TIME_STEP_PS, quantized_delays

DELAY_MODELS = ("inertial", "transport")


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


def _program(tree, pins, code):
    """Append the postfix program of ``tree`` (pin names -> input positions) to ``code``."""
    # numba (heavy): the compiled kernels load only when a timing simulation runs
    from picojoule.cost import timing_kernel as k

    kind = tree[0]
    if kind == "var":
        code.append(pins[tree[1]])
    elif kind == "const":
        code.append(k.ONE if tree[1] else k.ZERO)
    elif kind == "not":
        _program(tree[1], pins, code)
        code.append(k.NOT)
    else:
        op = {"and": k.AND, "or": k.OR, "xor": k.XOR}[kind]
        _program(tree[1][0], pins, code)
        for child in tree[1][1:]:
            _program(child, pins, code)
            code.append(op)
    return code


def _flop_next_tree(flop):
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
                    code = _program(_flop_next_tree(f), {p: k for k, p in enumerate(pins)}, [])
                    nets = [inst.pins.get(p, 0) for p in pins]
                    add(1, state_net[i], 0, nets, code, slot=sum(1 for s in flop_slot if s >= 0))
                for pin, function in cell.outputs.items():
                    if pin not in inst.pins:
                        continue
                    tree = parse_function(function)
                    tree = _substitute(tree, f.state_n, ("not", ("var", f.state)))
                    code = _program(tree, {f.state: 0}, [])
                    add(0, inst.pins[pin], int(delays.steps[inst.pins[pin]]), [state_net[i]], code)
                continue
            pins = [p for p in cell.inputs]
            index = {p: k for k, p in enumerate(pins)}
            nets = [inst.pins.get(p, 0) for p in pins]
            for pin, function in cell.outputs.items():
                if pin not in inst.pins:
                    continue
                code = _program(parse_function(function), index, [])
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


class _Runner:
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


def simulate_timing(
    netlist,
    *,
    inputs,
    holds=None,
    delay_model="inertial",
    time_step_ps=DEFAULT_TIME_STEP_PS,
    delays=None,
    words=64,
    warn=None,
):
    """Simulate operand streams through ``netlist`` with cell delays; count every transition.

    Parameters
    ----------
    inputs, holds
        As :func:`picojoule.cost.gatesim.simulate`.
    delay_model : {"inertial", "transport"}
    time_step_ps : float
        Time step of the simulation (delays are rounded to it, at least one step each).
    delays : QuantizedDelays, optional
        Precomputed delays (then ``time_step_ps`` is theirs).
    words : int
        uint64 words per chunk (64 operations each), 1..64.

    Returns
    -------
    TimingResult
    """
    if delay_model not in DELAY_MODELS:
        raise UserError(
            f"delay model must be one of {', '.join(DELAY_MODELS)}, got {delay_model!r}"
        )
    holds = dict(holds or {})
    n = _check(netlist, inputs, holds)
    if delays is None:
        delays = quantized_delays(netlist, time_step_ps=time_step_ps, warn=warn)
    levels = netlist.levels
    if netlist.feedback:
        levels = netlist.levels_given(_constant_nets(netlist, inputs, holds))
    if levels is None:
        # numba (heavy), and timing_lanes imports this module back (a known cycle)
        from picojoule.cost.timing_lanes import simulate_timing_lanes

        return simulate_timing_lanes(
            netlist, inputs=inputs, holds=holds, delays=delays, delay_model=delay_model, words=words
        )
    plan = TimingPlan(netlist, levels, delays)
    runner = _Runner(plan, words, delay_model == "transport")
    chunk = 64 * words
    hold_rows = _hold_rows(netlist, holds)
    streams = {name: np.asarray(codes) for name, codes in inputs.items()}
    previous = {name: np.concatenate([c[:1], c[:-1]]) for name, c in streams.items()}
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        init = np.zeros((plan.n_nets, words), dtype=np.uint64)
        init[1] = ~np.uint64(0)
        for net, word in hold_rows:
            init[net] = word
        final = init.copy()
        for name, codes in streams.items():
            nets = netlist.ports[name][1]
            final[nets, : -(-(stop - start) // 64)] = pack_stream(codes[start:stop], len(nets))
            init[nets, : -(-(stop - start) // 64)] = pack_stream(
                previous[name][start:stop], len(nets)
            )
        runner.run(init, final, _count_mask(start, stop, words), first_lane_zero=start == 0)
    real = ~plan.pseudo
    toggles = runner.toggles[real].copy()
    functional = runner.functional[real].copy()
    for t in (toggles, functional):
        t[:2] = 0
    return TimingResult(
        toggles=toggles,
        functional=functional,
        n_ops=n,
        delay_model=delay_model,
        time_step_ps=delays.time_step_ps,
        evaluations=int(runner.stats[0]),
        lane_evaluations=int(runner.stats[1]),
        settle_steps=delays.settle_steps,
        word_evaluations=int(runner.stats[3]),
    )


def _count_mask(start, stop, words):
    """Lanes of the chunk whose transition (t-1 -> t) is counted: 1 <= t < N."""
    lanes = np.zeros(64 * words, dtype=np.uint8)
    lanes[: stop - start] = 1
    if start == 0:
        lanes[0] = 0
    return np.packbits(lanes, bitorder="little").view(np.uint64).copy()
