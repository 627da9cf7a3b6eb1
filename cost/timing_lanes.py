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

from picojoule.cost.gatesim import _hold_rows, port_bit
from picojoule.cost.timing_kernel import _evaluate_word
from picojoule.cost.timing_plan import (
    Runner,
    TimingPlan,
    drive_chunks,
    flop_next_tree,
    port_sources,
    program,
    timing_result,
)


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
    """:class:`~picojoule.cost.timing_plan.TimingResult` of a netlist with sequential feedback."""
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
        code = program(flop_next_tree(cell.flop), {p: k for k, p in enumerate(pins)}, [])
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
    runner = Runner(plan, words, delay_model == "transport")
    sources = port_sources(netlist, inputs)
    if state_nets:
        sources.append((state_nets, states, _pack_bits))
    drive_chunks(
        runner,
        n_nets=plan.n_nets,
        sources=sources,
        hold_rows=_hold_rows(netlist, holds),
        n=n,
        words=words,
        first_lane_zero=False,
    )
    return timing_result(
        runner,
        plan,
        n_ops=n,
        delay_model=delay_model,
        delays=delays,
        quiet_nets=netlist.clock_nets,
    )


def _pack_bits(bits):
    """(ops, flops) 0/1 -> (flops, words) packed like :func:`pack_stream`."""
    ops = bits.shape[0]
    padded = -(-ops // 64) * 64
    if padded != ops:
        bits = np.concatenate([bits, np.repeat(bits[-1:], padded - ops, axis=0)])
    return np.ascontiguousarray(np.packbits(bits.T, axis=1, bitorder="little")).view(np.uint64)
