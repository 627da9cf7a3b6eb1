"""Named faults that a generator can inject into its own design (for test-strength checks).

A generator never branches on a fault. It passes the values at its named *fault points* through
one hook, ``value = self.fault_point("round.sticky", value)`` (`FaultHook`); without a fault
the hook returns the value itself, so the logic is the same with or without the hook. A `Fault`
maps the points it changes to a function of the value there. Each fault changes exactly one
thing in the generated logic, so a co-verification run against the golden model must report
mismatches for it; ``observable_on`` names units where it does (the test-strength checks of
`tests/test_hw_units.py` and `tests/test_sim_faults.py` run every one of them).

========================  ==========================================  =========================
fault                     what changes (fault points)                 units
========================  ==========================================  =========================
``invert_signal``         one internal signal is inverted (FP units:  every kind
                          the sticky bit ``round.sticky``; L-Mul: the
                          underflow flag ``lmul.underflow``; integer
                          units: bit 0 of operand b ``int.operand_b``)
``drop_round_increment``  the round-to-nearest-even increment is      fp_mul, fp_add
                          never added (``round.increment``)
``lmul_offset_off_by_one``  the L-Mul offset is one ULP too large     lmul (every variant)
                          (``lmul.offset``)
``subnormal_shift``       the denormalizing right shift of a          fp_mul, fp_add
                          subnormal result is one bit short
                          (``round.shift``)
``swap_nan_inf``          the NaN and the infinite result classes     fp_mul, fp_add, lmul,
                          exchange their output codes                 mx_dot
                          (``result.nan_inf``)
``mx_drop_element``       the last element product of a block is      mx_dot
                          left out of the sum (``mx.terms``)
========================  ==========================================  =========================

``mx_dot`` units take ``invert_signal``, ``drop_round_increment`` and ``subnormal_shift`` in
their final rounding (the sticky bit, the increment, the denormalizing shift).

Whether a fault is observable depends on the unit: ``swap_nan_inf`` on an FP unit with a
non-saturating ``fn`` format (e4m3) shows only on NaN operands with the sign bit set, because
such a format encodes "infinite" as its NaN code; an L-Mul unit of a format without Inf has no
Inf multiplexer (a structure of the format, not of the fault), so there the swap loses the NaN
result altogether.
"""

from dataclasses import dataclass
from typing import Callable

from amaranth.hdl import Cat, Const, Mux

from picojoule.models.units import FpAdd, FpMul, IntAdd, IntMul, LMul, MxDot

__all__ = ["Fault", "FAULTS", "FaultHook", "check_fault", "faults_for"]


@dataclass(frozen=True)
class Fault:
    """One injectable bug: the kinds it applies to, what it does at each fault point, and
    units on which co-verification must notice it."""

    kinds: tuple
    points: dict  # fault point name -> Callable(value) -> faulty value
    observable_on: tuple = ()


def _invert(value):
    return ~value


def _invert_bit0(value):
    return Cat(~value[0], value[1:])


def _shift_one_short(shift):
    return Mux(shift == 0, 0, shift - 1)[: len(shift)]


def _swap(pair):
    nan, inf = pair
    return inf, nan


E4M3_MUL = FpMul(a="e4m3", b="e4m3", out="e4m3")
FP16_ADD = FpAdd(a="fp16", b="fp16", out="fp16")
MX_DOT = MxDot(a="e4m3", k=4)

FAULTS = {
    "invert_signal": Fault(
        kinds=("fp_mul", "fp_add", "lmul", "int_mul", "int_add", "mx_dot"),
        points={"round.sticky": _invert, "lmul.underflow": _invert, "int.operand_b": _invert_bit0},
        observable_on=(
            IntMul(a="int8", b="int8"),
            IntAdd(a="int8", b="int8"),
            IntAdd(a="int8", b="int8", stages=2),
            LMul(fmt="e4m3"),
            E4M3_MUL,
            FP16_ADD,
            MX_DOT,
        ),
    ),
    "drop_round_increment": Fault(
        kinds=("fp_mul", "fp_add", "mx_dot"),
        points={"round.increment": lambda value: Const(0)},
        observable_on=(
            E4M3_MUL,
            FP16_ADD,
            FpMul(a="e4m3", b="e4m3", out="e4m3", stages=2),
            MX_DOT,
        ),
    ),
    "lmul_offset_off_by_one": Fault(
        kinds=("lmul",),
        points={"lmul.offset": lambda ulps: ulps + 1},
        observable_on=(
            LMul(fmt="e4m3"),
            LMul(fmt="e5m2", variant="mitchell"),
            LMul(fmt="bf16", variant="formula"),
        ),
    ),
    "subnormal_shift": Fault(
        kinds=("fp_mul", "fp_add", "mx_dot"),
        points={"round.shift": _shift_one_short},
        observable_on=(E4M3_MUL, FP16_ADD, MX_DOT),
    ),
    "swap_nan_inf": Fault(
        kinds=("fp_mul", "fp_add", "lmul", "mx_dot"),
        points={"result.nan_inf": _swap},
        observable_on=(
            FpMul(a="e5m2", b="e5m2", out="e5m2"),
            E4M3_MUL,
            FP16_ADD,
            LMul(fmt="e5m2", variant="formula"),
            LMul(fmt="e5m2", variant="mitchell"),
            MX_DOT,
        ),
    ),
    "mx_drop_element": Fault(
        kinds=("mx_dot",),
        points={"mx.terms": lambda terms: terms[:-1]},
        observable_on=(MX_DOT,),
    ),
}


def faults_for(kind):
    """The fault names a unit of ``kind`` supports."""
    return tuple(name for name, fault in FAULTS.items() if kind in fault.kinds)


def check_fault(fault, *, kind):
    """Return ``fault`` (or None); ValueError if unknown or unsupported by ``kind``."""
    if fault is None:
        return None
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")
    if kind not in FAULTS[fault].kinds:
        raise ValueError(
            f"fault {fault!r} does not apply to {kind} units; choose from "
            f"{', '.join(faults_for(kind))}"
        )
    return fault


class FaultHook:
    """The one fault hook of a generator: ``hook(point, value)``.

    Returns ``value`` unchanged, or, when the active fault (a name of `FAULTS`, or None)
    changes ``point``, the faulty value. ``applied`` records the points that were changed.
    """

    def __init__(self, fault=None):
        self.fault = fault
        self._points = FAULTS[fault].points if fault is not None else {}
        self.applied = set()

    def __call__(self, point: str, value):
        change: Callable = self._points.get(point)
        if change is None:
            return value
        self.applied.add(point)
        return change(value)
