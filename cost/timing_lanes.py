"""Timing simulation of netlists whose sequential feedback survives (accumulators, backpressure).

Flip-flop states cannot be shifted in time here, so they are computed first, operation by
operation, by a compiled serial zero-delay pass (state 0 before operation 0, then the
next-state value of each settled operation, as in :mod:`picojoule.cost.gatesim`). With every
state known, the cycles are independent: the flip-flop states become sources that switch at
step 0 of each cycle beside the operands, and the combinational logic is simulated bit-parallel
over operations by the same kernel and delay rule as feed-forward netlists
(:mod:`picojoule.cost.timingsim`).
"""

import numba
import numpy as np

from picojoule.cost.gatesim import _hold_rows, pack_stream, port_bit
from picojoule.cost.timing_kernel import _evaluate_word


@numba.njit(cache=True)
def _serial_states(
    kind,
    out_net,
    in_start,
    in_count,
    in_nets,
    prog_start,
    prog_len,
    prog,
    values,
    inputs,
    input_nets,
    next_in_start,
    next_in_count,
    next_in_nets,
    next_prog_start,
    next_prog_len,
    state_nets,
    states,
):
    """``states[t, f]``: flip-flop f's state at operation t (bit 0 of each word is used)."""
    n = inputs.shape[0]
    stack = np.empty(32, dtype=np.uint64)
    widest = 1
    for node in range(len(kind)):
        widest = max(widest, in_count[node])
    for f in range(len(state_nets)):
        widest = max(widest, next_in_count[f])
    cur = np.empty((widest, 1), dtype=np.uint64)
    for t in range(n):
        for j in range(len(input_nets)):
            values[input_nets[j], 0] = inputs[t, j]
        for f in range(len(state_nets)):
            values[state_nets[f], 0] = states[t, f]
        for node in range(len(kind)):
            k0, k = in_start[node], in_count[node]
            for j in range(k):
                cur[j, 0] = values[in_nets[k0 + j], 0]
            values[out_net[node], 0] = _evaluate_word(
                prog, prog_start[node], prog_len[node], cur, 0, stack
            )
        if t + 1 < n:
            for f in range(len(state_nets)):
                k0, k = next_in_start[f], next_in_count[f]
                for j in range(k):
                    cur[j, 0] = values[next_in_nets[k0 + j], 0]
                bit = _evaluate_word(prog, next_prog_start[f], next_prog_len[f], cur, 0, stack)
                states[t + 1, f] = bit & np.uint64(1)


def simulate_timing_lanes(netlist, *, inputs, holds, delays, delay_model, words=64):
    """:class:`~picojoule.cost.timingsim.TimingResult` of a netlist with sequential feedback."""
    # timingsim imports this module inside a function (a known cycle, to be split)
    from picojoule.cost.timingsim import (
        TimingPlan,
        TimingResult,
        _count_mask,
        _flop_next_tree,
        _program,
        _Runner,
    )

    plan = TimingPlan(netlist, netlist.comb_levels, delays, flops_as_sources=True)
    n = len(next(iter(inputs.values())))
    # next-state programs, appended to the plan's program array
    prog = list(plan.prog)
    nxt_start, nxt_count, nxt_nets, nxt_ps, nxt_pl = [], [], [], [], []
    state_nets = []
    for i in netlist.flops:
        inst = netlist.instances[i]
        cell = netlist.library.cells[inst.cell]
        pins = [p for p in cell.inputs if p != cell.clock_pin]
        code = _program(_flop_next_tree(cell.flop), {p: k for k, p in enumerate(pins)}, [])
        nxt_start.append(len(nxt_nets))
        nxt_count.append(len(pins))
        nxt_nets.extend(inst.pins.get(p, 0) for p in pins)
        nxt_ps.append(len(prog))
        nxt_pl.append(len(code))
        prog.extend(code)
        state_nets.append(plan.state_net[i])
    arr = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
    values = np.zeros((plan.n_nets, 1), dtype=np.uint64)
    values[1] = ~np.uint64(0)
    for net, word in _hold_rows(netlist, holds):
        values[net] = word
    input_nets, columns = [], []
    for name, codes in inputs.items():
        for b, net in enumerate(netlist.ports[name][1]):
            input_nets.append(net)
            columns.append(port_bit(codes, b))
    bits = np.stack(columns, axis=1) if columns else np.zeros((n, 0), dtype=np.uint64)
    bits = np.where(bits != 0, ~np.uint64(0), np.uint64(0))
    states = np.zeros((n, len(state_nets)), dtype=np.uint64)
    _serial_states(
        plan.kind,
        plan.out_net,
        plan.in_start,
        plan.in_count,
        plan.in_nets,
        plan.prog_start,
        plan.prog_len,
        arr(prog),
        values,
        bits,
        arr(input_nets),
        arr(nxt_start),
        arr(nxt_count),
        arr(nxt_nets),
        arr(nxt_ps),
        arr(nxt_pl),
        arr(state_nets),
        states,
    )
    states = (states & np.uint64(1)).astype(np.uint8)
    runner = _Runner(plan, words, delay_model == "transport")
    chunk = 64 * words
    hold_rows = _hold_rows(netlist, holds)
    streams = {name: np.asarray(codes) for name, codes in inputs.items()}
    previous = {name: np.concatenate([c[:1], c[:-1]]) for name, c in streams.items()}
    prev_states = np.concatenate([states[:1], states[:-1]])
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        used = -(-(stop - start) // 64)
        init = np.zeros((plan.n_nets, words), dtype=np.uint64)
        init[1] = ~np.uint64(0)
        for net, word in hold_rows:
            init[net] = word
        final = init.copy()
        for name, codes in streams.items():
            nets = netlist.ports[name][1]
            final[nets, :used] = pack_stream(codes[start:stop], len(nets))
            init[nets, :used] = pack_stream(previous[name][start:stop], len(nets))
        if state_nets:
            final[state_nets, :used] = _pack_bits(states[start:stop])
            init[state_nets, :used] = _pack_bits(prev_states[start:stop])
        runner.run(init, final, _count_mask(start, stop, words), first_lane_zero=False)
    real = ~plan.pseudo
    toggles = runner.toggles[real].copy()
    functional = runner.functional[real].copy()
    for t in (toggles, functional):
        t[:2] = 0
        t[list(netlist.clock_nets)] = 0
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


def _pack_bits(bits):
    """(ops, flops) 0/1 -> (flops, words) packed like :func:`pack_stream`."""
    ops = bits.shape[0]
    padded = -(-ops // 64) * 64
    if padded != ops:
        bits = np.concatenate([bits, np.repeat(bits[-1:], padded - ops, axis=0)])
    return np.ascontiguousarray(np.packbits(bits.T, axis=1, bitorder="little")).view(np.uint64)
