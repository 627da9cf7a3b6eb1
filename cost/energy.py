"""Energy per operation from gate-level activity: switching + internal + clock + leakage.

Per transition between consecutive operations (one clock cycle each), at supply ``V`` and
clock ``f``:

* switching: ``1/2 * C_net * V^2`` per toggle of every net, ``C_net`` = the input-pin
  capacitances of its fan-out + the library's wire-load capacitance for that fan-out (+ one
  smallest-inverter input per output-port bit, the next stage's load); input-port nets count too
  (the unit's pins are charged by whoever drives them);
* internal: per output toggle of each cell instance, the library's internal energy at the
  instance's actual load (``e0 + e1 * C_load``), plus input-pin (hidden) internal energy per
  input toggle; scaled by ``(V / V_nom)^2``;
* clock (pipelined units): per cycle, every flip-flop's clock-pin internal energy for a rising
  and a falling edge (scaled as above) + ``C_clock * V^2`` for the ideal clock net (pins + wire);
* leakage: the sum of ``cell_leakage_power`` times the clock period, scaled by ``V / V_nom``
  (first order).

``energy_pj_per_op`` is the total over the run divided by the number of transitions
(operations - 1); ``power_mw`` = that energy x the clock frequency.

Toggles come from the timing simulation (:mod:`picojoule.cost.timingsim`, inertial delays at a
1 ps step by default): every transition counts, glitches included. The same run's settled-value
changes are the zero-delay (functional) toggles, so one run gives both figures:
``energy_pj_per_op_zero_delay`` (functional transitions only) and ``glitch_pj`` (the switching
and internal energy of the extra transitions); ``glitch_fraction`` = glitch energy / dynamic
(switching + internal) energy. ``delay_model="zero"`` runs the zero-delay engine alone.
"""

import dataclasses
import hashlib
import sys
from dataclasses import asdict, dataclass

import numpy as np

from picojoule.base import cache, profile
from picojoule.base.errors import UserError
from picojoule.cost.gatesim import simulate
from picojoule.cost.synth import SOURCES, slow_step, synthesize
from picojoule.cost.timing_delays import DEFAULT_TIME_STEP_PS, check_time_step, quantized_delays
from picojoule.cost.timing_warmup import warm_up
from picojoule.cost.timingsim import simulate_timing

#: Delay models of :func:`estimate` (``zero``: the zero-delay engine alone).
DELAY_MODELS = ("inertial", "transport", "zero")


@dataclass(frozen=True)
class EnergyResult:
    """Energy per operation and its parts, in pJ, at ``voltage`` V and ``clock_ghz`` GHz."""

    energy_pj_per_op: float
    switching_pj: float
    internal_pj: float
    clock_pj: float
    leakage_pj: float
    power_mw: float
    voltage: float
    clock_ghz: float
    n_ops: int
    toggles_per_op: float
    delay_model: str = "zero"
    time_step_ps: float = None
    energy_pj_per_op_zero_delay: float = None
    glitch_pj: float = 0.0
    glitch_fraction: float = 0.0
    functional_toggles_per_op: float = None
    glitch_toggles_per_op: float = 0.0

    def as_dict(self):
        return asdict(self)


def energy_from_activity(netlist, sim, *, voltage=None, clock_ghz=1.0):
    """Energy per operation of ``netlist`` for the toggle counts in ``sim``.

    ``sim`` is a zero-delay SimResult or a TimingResult (then the functional/glitch split is
    filled in from its ``functional`` counts).
    """
    result = _energy(netlist, sim.toggles, sim.n_ops, voltage=voltage, clock_ghz=clock_ghz)
    functional = getattr(sim, "functional", None)
    if functional is None:
        return result
    zero = _energy(netlist, functional, sim.n_ops, voltage=voltage, clock_ghz=clock_ghz)
    dynamic = result.switching_pj + result.internal_pj
    glitch = result.energy_pj_per_op - zero.energy_pj_per_op
    transitions = sim.n_ops - 1
    return dataclasses.replace(
        result,
        delay_model=sim.delay_model,
        time_step_ps=sim.time_step_ps,
        energy_pj_per_op_zero_delay=zero.energy_pj_per_op,
        glitch_pj=glitch,
        glitch_fraction=glitch / dynamic if dynamic > 0 else 0.0,
        functional_toggles_per_op=float(functional.sum()) / transitions,
        glitch_toggles_per_op=float((sim.toggles - functional).sum()) / transitions,
    )


def _energy(netlist, toggle_counts, n_ops, *, voltage, clock_ghz):
    lib = netlist.library
    v_nom = lib.voltage
    v = float(voltage) if voltage is not None else v_nom
    if v <= 0 or clock_ghz <= 0:
        raise ValueError("voltage and clock must be positive")
    scale = (v / v_nom) ** 2
    transitions = n_ops - 1
    loads = netlist.net_loads_ff()
    toggles = np.asarray(toggle_counts).astype(np.float64)
    clock = np.zeros(netlist.n_nets, dtype=bool)
    clock[list(netlist.clock_nets)] = True
    switching_fj = 0.5 * v * v * float(np.dot(loads[~clock], toggles[~clock]))
    internal_fj = 0.0
    clock_fj = v * v * float(loads[clock].sum()) * transitions
    leakage_nw = 0.0
    for inst in netlist.instances:
        cell = lib.cells[inst.cell]
        leakage_nw += cell.leakage_nw
        for pin, (e0, e1) in cell.internal_fj.items():
            net = inst.pins.get(pin)
            if net is not None:
                internal_fj += (e0 + e1 * loads[net]) * toggles[net] * scale
        for pin, e in cell.input_internal_fj.items():
            net = inst.pins.get(pin)
            if net is None:
                continue
            if pin == cell.clock_pin:
                clock_fj += 2 * e * transitions * scale
            else:
                internal_fj += e * toggles[net] * scale
    period_ns = 1.0 / clock_ghz
    leakage_fj = leakage_nw * (v / v_nom) * period_ns * 1e-3 * transitions  # nW x ns = 1e-3 fJ
    total_pj = (switching_fj + internal_fj + clock_fj + leakage_fj) * 1e-3 / transitions
    total_pj = float(total_pj)
    internal_fj = float(internal_fj)
    return EnergyResult(
        energy_pj_per_op=total_pj,
        switching_pj=switching_fj * 1e-3 / transitions,
        internal_pj=internal_fj * 1e-3 / transitions,
        clock_pj=clock_fj * 1e-3 / transitions,
        leakage_pj=leakage_fj * 1e-3 / transitions,
        power_mw=total_pj * clock_ghz,
        voltage=v,
        clock_ghz=float(clock_ghz),
        n_ops=n_ops,
        toggles_per_op=float(toggles.sum()) / transitions,
        energy_pj_per_op_zero_delay=total_pj,
        functional_toggles_per_op=float(toggles.sum()) / transitions,
    )


#: The simulations of the netlist costed last, by (operands, delay model, time step): toggle
#: counts do not depend on voltage or clock, so a unit costed again on the same operands at
#: another voltage (the calibration against Horowitz) reuses them.
_RECENT = {"netlist": None, "sims": {}}


def _recent_simulation(netlist, key):
    if _RECENT["netlist"] is not netlist:
        _RECENT["netlist"], _RECENT["sims"] = netlist, {}
    return _RECENT["sims"].get(key)


def _stream_digest(streams, holds):
    h = hashlib.sha256()
    for name in sorted(streams):
        codes = np.ascontiguousarray(np.asarray(streams[name]).astype(np.uint64))
        h.update(name.encode())
        h.update(repr(codes.shape).encode())
        h.update(codes.tobytes())
    h.update(repr(sorted((holds or {}).items())).encode())
    return h.hexdigest()


def estimate(
    *,
    verilog=None,
    top=None,
    streams,
    holds=None,
    liberty=None,
    dont_use=(),
    voltage=None,
    clock_ghz=1.0,
    cache_dir="default",
    synth=None,
    progress=lambda m: print(m, file=sys.stderr, flush=True),
    delay_model="inertial",
    time_step_ps=DEFAULT_TIME_STEP_PS,
):
    """Synthesize ``top`` and estimate its energy per operation on operand ``streams``.

    Parameters
    ----------
    verilog, top, liberty, dont_use
        As :func:`picojoule.cost.synth.synthesize`.
    streams : dict
        Input port name -> codes (one per operation); the port widths are the netlist's.
    holds : dict, optional
        Input port name -> constant (e.g. ``valid``/``ready`` = 1 for pipelined units).
    voltage : float, optional
        Supply in volts (default: the library's nominal voltage).
    clock_ghz : float
    synth : SynthResult, optional
        An existing synthesis result (then ``verilog``, ``top`` and ``liberty`` are not used).
    cache_dir : path-like or None
        As :func:`picojoule.cost.synth.synthesize`. The energy is cached by the netlist, every
        figure of the library (``library.digest``), the operands, voltage and clock, the delay
        model and time step, numpy's version and the source of the cost flow.
    delay_model : {"inertial", "transport", "zero"}
        How toggles are counted (see the module docstring); default inertial.
    time_step_ps : float
        Time step of the timing simulation (ignored for ``zero``).

    Returns
    -------
    (SynthResult, EnergyResult)
    """
    if delay_model not in DELAY_MODELS:
        raise UserError(
            f"delay model must be one of {', '.join(DELAY_MODELS)}, got {delay_model!r}"
        )
    time_step_ps = check_time_step(time_step_ps) if delay_model != "zero" else None
    if synth is None:
        synth = synthesize(
            verilog=verilog,
            top=top,
            liberty=liberty,
            dont_use=dont_use,
            cache_dir=cache_dir,
            progress=progress,
        )
    top = synth.top
    cache_dir = cache.resolve(cache_dir)
    stream_digest = _stream_digest(streams, holds)
    digest = cache.key(
        "energy",
        synth.design,
        synth.library.digest,
        stream_digest,
        voltage,
        clock_ghz,
        delay_model,
        time_step_ps,
        np.__version__,
        sources=SOURCES,
    )
    with profile.phase("cache read/write"):
        hit = cache.load(cache_dir, "energy", digest)
    if hit is not None:
        return synth, EnergyResult(**hit)
    n = len(next(iter(streams.values())))
    key = (stream_digest, delay_model, time_step_ps)
    sim = _recent_simulation(synth.netlist, key)
    if sim is None:  # else the same netlist on the same operands: only voltage or clock differ
        with slow_step(
            progress,
            f"simulating {top}: {n:,} operations on {len(synth.netlist.instances)} cells ...",
        ):
            sim = _simulate(synth.netlist, streams, holds, delay_model, time_step_ps, progress)
        _RECENT["sims"][key] = sim
    with profile.phase("energy from toggles"):
        result = energy_from_activity(synth.netlist, sim, voltage=voltage, clock_ghz=clock_ghz)
    with profile.phase("cache read/write"):
        cache.store(cache_dir, "energy", digest, result.as_dict())
    return synth, result


def _simulate(netlist, streams, holds, delay_model, time_step_ps, progress):
    """The zero-delay or timing simulation of ``streams`` through ``netlist``."""
    if delay_model == "zero":
        with profile.phase("zero-delay simulation"):
            return simulate(netlist, inputs=streams, holds=holds)
    with profile.phase("numba JIT (compile or load)"):
        warm_up()
    with profile.phase("delays"):
        delays = quantized_delays(netlist, time_step_ps=time_step_ps, warn=progress)
    with profile.phase("timing simulation"):
        return simulate_timing(
            netlist, inputs=streams, holds=holds, delay_model=delay_model, delays=delays
        )


def cost_record(synth, energy, *, name, kind, params, distribution):
    """One ``reports/summary.json`` record (the synthesis figures plus the energy breakdown)."""
    return {
        "name": name,
        "kind": kind,
        "params": params,
        "library": synth.library_label,
        "cells": sum(synth.cells.values()),
        "cells_by_type": synth.cells,
        "area_um2": round(synth.area_um2, 3),
        "transistors": synth.transistors,
        "logic_depth": synth.logic_depth,
        "delay_ns": round(synth.delay_ns, 4),
        "energy_pj_per_op": energy.energy_pj_per_op,
        "energy_pj_per_op_zero_delay": energy.energy_pj_per_op_zero_delay,
        "glitch_pj": energy.glitch_pj,
        "glitch_fraction": energy.glitch_fraction,
        "delay_model": energy.delay_model,
        "time_step_ps": energy.time_step_ps,
        "toggles_per_op": {
            "total": energy.toggles_per_op,
            "functional": energy.functional_toggles_per_op,
            "glitch": energy.glitch_toggles_per_op,
        },
        "power_mw": energy.power_mw,
        "distribution": distribution,
        "voltage": energy.voltage,
        "clock_ghz": energy.clock_ghz,
        "energy_parts_pj": {
            "switching": energy.switching_pj,
            "internal": energy.internal_pj,
            "clock": energy.clock_pj,
            "leakage": energy.leakage_pj,
        },
        "n_ops": energy.n_ops,
    }
