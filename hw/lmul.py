"""L-Mul unit generator (`LMul` spec): the paper's multiplier as one adder plus flag logic.

The arithmetic and the offset come from `picojoule.models.lmul` (``offset_ulps``):

``int_add`` / ``mitchell``
    one (E+M)-bit adder of the packed magnitudes with the constant ``offset - (bias << M)``;
``formula``
    an (M+2)-bit significand adder ``2^M + Mx + My + offset``, an E-bit exponent adder and a
    one-bit normalizing shift (truncation).

Then the special-value rules of the golden model, in its precedence: underflow (biased
exponent <= 0) -> signed zero, overflow -> the overflow mode; zero or subnormal operand ->
signed zero; Inf operand -> Inf (NaN if the other is an exact zero); NaN -> canonical NaN.
One cut point (after the adder) for pipelining.
"""

from amaranth.hdl import Cat, Const, Mux, signed

from picojoule.hw.fpfields import FloatOperand, SpecialCodes, wire
from picojoule.hw.pipeline import UnitComponent
from picojoule.models.lmul import offset_ulps

__all__ = ["LMulUnit"]


class LMulUnit(UnitComponent):
    """L-Mul ``a x b -> y`` on one float format (see the module docstring)."""

    KIND = "lmul"
    CUT_POINTS = 1

    @property
    def offset(self):
        """The offset in mantissa ULPs (fault point ``lmul.offset``)."""
        spec = self.spec
        return self.fault_point(
            "lmul.offset", offset_ulps(spec.fmt.mantissa_bits, variant=spec.variant)
        )

    def datapath(self, m, a, b, cut):
        fmt = self.spec.fmt
        m_bits = fmt.mantissa_bits
        x, y = FloatOperand(m, a, fmt, name="a"), FloatOperand(m, b, fmt, name="b")
        sign = x.sign ^ y.sign
        if self.spec.variant == "formula":
            significand = (1 << m_bits) + x.view.mantissa + y.view.mantissa + self.offset
            carry = significand[m_bits + 1]  # significand >= 2^(M+1)
            fraction = (
                Mux(carry, significand[1 : m_bits + 1], significand[:m_bits])
                if m_bits
                else Const(0, 0)
            )
            exponent = (x.view.exponent + y.view.exponent + carry - fmt.bias).as_signed()
            magnitude = (exponent << m_bits) + fraction if m_bits else exponent
        else:
            # A signed constant makes the sum signed and one bit wider than the unsigned sum
            # of the magnitudes, whose top bit is a value bit, not a sign: with bias 0 the
            # sum reaches 2^width (e1m6fn: 126 + 126 + 4 = 256, an overflow, not an underflow).
            constant = Const(self.offset - (fmt.bias << m_bits), signed(fmt.width + 1))
            magnitude = x.magnitude + y.magnitude + constant
        magnitude = wire(m, magnitude, "magnitude")
        underflow = self.fault_point("lmul.underflow", magnitude < (1 << m_bits))  # exp <= 0
        overflow = ~underflow & (magnitude > fmt.max_finite_code)
        flush = x.exponent_is_zero | y.exponent_is_zero  # zero or subnormal operand
        inf_result = (x.is_inf | y.is_inf) & ~x.is_zero & ~y.is_zero
        nan_result = x.is_nan | y.is_nan | ((x.is_inf | y.is_inf) & (x.is_zero | y.is_zero))
        (sign, magnitude, underflow, overflow, flush, inf_result, nan_result) = cut(
            sign, magnitude[: fmt.width - 1], underflow, overflow, flush, inf_result, nan_result
        )
        codes = SpecialCodes(fmt, self.spec.overflow)
        nan_result, inf_result = self.fault_point("result.nan_inf", (nan_result, inf_result))
        code = Mux(
            overflow, codes.overflow(sign), Mux(underflow, codes.zero(sign), Cat(magnitude, sign))
        )
        code = Mux(flush, codes.zero(sign), code)
        if fmt.has_inf:  # the format's structure, never the fault's
            code = Mux(inf_result, codes.infinite(sign), code)
        if fmt.has_nan:
            code = Mux(nan_result, codes.nan(), code)
        return code
