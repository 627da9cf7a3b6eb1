"""Round-to-nearest-even onto a float format's grid, with gradual underflow (shared by FP units).

`round_to_format` takes a normalized significand (MSB set) and the exponent of that MSB and
returns the rounded magnitude code (biased exponent | mantissa) of the output format and an
overflow flag. Subnormal results are shifted right by ``1 - biased exponent`` (at most M + 2:
anything smaller is below half the smallest subnormal), the shifted-out bits join the sticky
bit, and the increment ``guard & (sticky | lsb)`` is added to the packed code, so a carry
moves into the exponent (or from the subnormal range into the normal one) by itself.
"""

from amaranth.hdl import Cat, Const, Mux, Value

from picojoule.hw.fpfields import wire


def _no_fault(point, value):
    return value


__all__ = ["round_to_format"]


def round_to_format(m, *, exponent, significand, sticky=0, fmt, fault_point=_no_fault):
    """Round ``significand * 2^(exponent - (W - 1))`` (W = width, MSB set) to ``fmt``, RNE.

    Parameters
    ----------
    exponent : signed Value
        Unbiased exponent of the significand's MSB.
    significand : unsigned Value
        Normalized: its top bit is 1 (a zero significand must be handled by the caller).
    sticky : 1-bit Value
        OR of nonzero bits already dropped below the significand.
    fmt : FloatFormat
    fault_point : callable
        The generator's fault hook (`picojoule.hw.faults.FaultHook`); fault points
        ``round.shift`` (the denormalizing shift), ``round.sticky``, ``round.increment``.

    Returns
    -------
    (magnitude, overflow) : the ``fmt.width - 1``-bit rounded magnitude code, and 1 when the
    rounded value exceeds ``fmt``'s largest finite value (the magnitude is then meaningless).
    """
    m_bits = fmt.mantissa_bits
    significand = Value.cast(significand)
    width = len(significand)
    if width < m_bits + 2:
        significand = Cat(Const(0, m_bits + 2 - width), significand)
        width = m_bits + 2
    biased = wire(m, exponent + fmt.bias, "round_biased")
    limit = m_bits + 2
    shift = Mux(biased >= 1, 0, Mux(biased < 1 - limit, limit, 1 - biased))
    shift = shift[: limit.bit_length()]  # 0..limit, unsigned
    shift = wire(m, fault_point("round.shift", shift), "round_shift")
    wide = wire(m, Cat(Const(0, limit), significand) >> shift, "round_shifted")
    shifted = wide[limit:]
    top = shifted[width - 1 - m_bits :]  # leading bit and M fraction bits
    guard = shifted[width - 2 - m_bits]
    rest = (shifted[: width - 2 - m_bits] != 0) if width - 2 - m_bits else Const(0)
    sticky_all = fault_point("round.sticky", rest | (wide[:limit] != 0) | sticky)
    exponent_base = Mux(biased >= 1, biased - 1, 0)
    packed = (exponent_base << m_bits) + top
    packed = wire(m, packed, "round_packed")
    increment = fault_point("round.increment", guard & (sticky_all | top[0]))
    rounded = wire(m, packed + increment, "round_rounded")
    overflow = rounded > fmt.max_finite_code
    return rounded[: fmt.width - 1], overflow
