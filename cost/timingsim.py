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

from picojoule.base.errors import UserError
from picojoule.cost.gatesim import _check, _constant_nets, _hold_rows
from picojoule.cost.timing_delays import DEFAULT_TIME_STEP_PS, quantized_delays
from picojoule.cost.timing_plan import (
    Runner,
    TimingPlan,
    TimingResult,
    drive_chunks,
    port_sources,
    timing_result,
)

__all__ = ["DELAY_MODELS", "TimingResult", "simulate_timing"]

DELAY_MODELS = ("inertial", "transport")


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
        # numba (heavy): the lane engine compiles its serial pass only when it is needed
        from picojoule.cost.timing_lanes import simulate_timing_lanes

        return simulate_timing_lanes(
            netlist, inputs=inputs, holds=holds, delays=delays, delay_model=delay_model, words=words
        )
    plan = TimingPlan(netlist, levels, delays)
    runner = Runner(plan, words, delay_model == "transport")
    drive_chunks(
        runner,
        n_nets=plan.n_nets,
        sources=port_sources(netlist, inputs),
        hold_rows=_hold_rows(netlist, holds),
        n=n,
        words=words,
        first_lane_zero=True,
    )
    return timing_result(runner, plan, n_ops=n, delay_model=delay_model, delays=delays)
