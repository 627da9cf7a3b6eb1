"""Named faults that a generator can inject into its own design (for test-strength checks).

Each generator accepts ``fault=None`` or one name from `FAULTS`; the fault is never active by
default. A fault changes exactly one thing in the generated logic, so a co-verification run
against the golden model must report mismatches for it.

========================  ==========================================  =========================
fault                     what changes                                units
========================  ==========================================  =========================
``invert_signal``         one internal signal is inverted (FP units:  every kind
                          the sticky bit; L-Mul: the underflow flag;
                          integer units: bit 0 of operand ``b``)
``drop_round_increment``  the round-to-nearest-even increment is      fp_mul, fp_add
                          never added (the result is truncated)
``lmul_offset_off_by_one``  the L-Mul offset is one ULP too large     lmul (every variant)
``subnormal_shift``       the denormalizing right shift of a          fp_mul, fp_add
                          subnormal result is one bit short
``swap_nan_inf``          the NaN and the infinite result classes     fp_mul, fp_add, lmul,
                          exchange their output codes                 mx_dot
``mx_drop_element``       the last element product of a block is      mx_dot
                          left out of the sum
========================  ==========================================  =========================

``mx_dot`` units take ``invert_signal``, ``drop_round_increment`` and ``subnormal_shift`` in
their final rounding (the sticky bit, the increment, the denormalizing shift).

Whether a fault is observable depends on the unit: ``swap_nan_inf`` on a non-saturating
``fn`` format (e4m3) shows only on NaN operands with the sign bit set, because such a format
encodes "infinite" as its NaN code.
"""

__all__ = ["FAULTS", "check_fault", "faults_for"]

FAULTS = {
    "invert_signal": ("fp_mul", "fp_add", "lmul", "int_mul", "int_add", "mx_dot"),
    "drop_round_increment": ("fp_mul", "fp_add", "mx_dot"),
    "lmul_offset_off_by_one": ("lmul",),
    "subnormal_shift": ("fp_mul", "fp_add", "mx_dot"),
    "swap_nan_inf": ("fp_mul", "fp_add", "lmul", "mx_dot"),
    "mx_drop_element": ("mx_dot",),
}


def faults_for(kind):
    """The fault names a unit of ``kind`` supports."""
    return tuple(name for name, kinds in FAULTS.items() if kind in kinds)


def check_fault(fault, *, kind):
    """Return ``fault`` (or None); ValueError if unknown or unsupported by ``kind``."""
    if fault is None:
        return None
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")
    if kind not in FAULTS[fault]:
        raise ValueError(
            f"fault {fault!r} does not apply to {kind} units; choose from "
            f"{', '.join(faults_for(kind))}"
        )
    return fault
