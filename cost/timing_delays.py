"""Per-instance propagation delays of a mapped netlist, quantized to a time step.

Each cell output gets one delay, the same for rising and falling transitions: the library's
per-pin fit (:mod:`picojoule.cost.library`, the larger over the pin's timing arcs of the mean of
``cell_rise`` and ``cell_fall`` at the reference slew) evaluated at the load the output really
drives, exactly as static timing (:meth:`picojoule.cost.netlist.Netlist.timing`) does: a net with
more than ``BUFFER_FANOUT`` sinks is driven through a buffer tree whose input load the cell sees
and whose stage delays are added. A flip-flop's outputs get its clock-to-output delay.

Quantization: ``steps = max(1, round(delay / time_step))`` (ties to even). Every delay is at
least one step, so a cell never reacts within the time step in which its inputs change.
"""

import sys
from dataclasses import dataclass

import numpy as np

from picojoule.base.errors import UserError

#: Default time step of the timing simulation, ps.
DEFAULT_TIME_STEP_PS = 1.0


@dataclass(frozen=True)
class QuantizedDelays:
    """Delays in time steps, per net (0 where no cell output drives the net).

    Attributes
    ----------
    steps : np.ndarray
        (n_nets,) int32, the delay of the cell output driving each net.
    time_step_ps : float
    smallest_ps : float
        The smallest unquantized delay of any instance output.
    settle_steps : int
        Longest path in steps (inputs and flip-flops switch at step 0): every net is settled by
        then, so a clock period longer than ``settle_steps`` steps separates the operations.
    """

    steps: np.ndarray
    time_step_ps: float
    smallest_ps: float
    settle_steps: int


def check_time_step(time_step_ps):
    """The time step as a float; UserError unless it is a positive number."""
    try:
        step = float(time_step_ps)
    except (TypeError, ValueError):
        step = float("nan")
    if not step > 0 or step == float("inf"):
        raise UserError(f"time step must be a positive number of ps, got {time_step_ps!r}")
    return step


def quantized_delays(netlist, *, time_step_ps=DEFAULT_TIME_STEP_PS, warn=None):
    """:class:`QuantizedDelays` of every cell output of ``netlist``.

    Raises UserError when a cell the netlist uses has no delay data for an output it drives
    (no timing arcs, a zero fit) or when the time step is not positive. Warns (one line through
    ``warn``, default stderr) when the time step exceeds the smallest cell delay: glitches
    shorter than one step are then merged.
    """
    step = check_time_step(time_step_ps)
    extra, driver_load = netlist.buffer_tree_delays(netlist.net_loads_ff())
    steps = np.zeros(netlist.n_nets, dtype=np.int32)
    delay_ps = np.zeros(netlist.n_nets)
    smallest = np.inf
    for inst in netlist.instances:
        cell = netlist.library.cells[inst.cell]
        for pin in cell.outputs:
            net = inst.pins.get(pin)
            if net is None:
                continue
            d0, d1 = cell.delay_ns.get(pin, (0.0, 0.0))
            if d0 <= 0 and d1 <= 0:
                raise UserError(
                    f"library {netlist.library.name} has no delay data for cell {inst.cell} "
                    f"pin {pin}; use a Liberty file with timing arcs for it"
                )
            ps = 1e3 * (d0 + d1 * driver_load[net] + extra[net])
            delay_ps[net] = ps
            smallest = min(smallest, ps)
            steps[net] = max(1, int(np.rint(ps / step)))
    if np.isfinite(smallest) and step > smallest:
        (warn or _stderr)(
            f"warning: time step {step:g} ps exceeds the smallest cell delay ({smallest:.2f} ps); "
            "glitches shorter than one step are merged"
        )
    return QuantizedDelays(
        steps=steps,
        time_step_ps=step,
        smallest_ps=float(smallest) if np.isfinite(smallest) else 0.0,
        settle_steps=_settle_steps(netlist, steps),
    )


def _settle_steps(netlist, steps):
    arrival = np.zeros(netlist.n_nets, dtype=np.int64)
    for i in netlist.comb_order:
        inst = netlist.instances[i]
        cell = netlist.library.cells[inst.cell]
        t_in = 0
        if not cell.flop:
            ins = [inst.pins[p] for p in cell.inputs if p in inst.pins and p != cell.clock_pin]
            t_in = max((int(arrival[n]) for n in ins), default=0)
        for pin in cell.outputs:
            if pin in inst.pins:
                arrival[inst.pins[pin]] = t_in + int(steps[inst.pins[pin]])
    return int(arrival.max()) if len(arrival) else 0


def _stderr(message):
    print(message, file=sys.stderr, flush=True)
