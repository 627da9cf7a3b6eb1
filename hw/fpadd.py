"""Floating-point adder generator (`FpAdd` spec): ``a + b -> out``, correctly rounded.

Datapath (a classic single-path adder): both significands widened to ``F = max(Ma, Mb, Mo) + 3``
fraction bits; the operands ordered by magnitude; the smaller one shifted right by the
exponent difference (clamped at F + 2) with the shifted-out bits ORed into a sticky bit below
its LSB; one (F + 3)-bit add or subtract; a leading-zero count and left shift; then
`round_to_format` onto the output grid (RNE, gradual underflow, overflow flag). With three or
more guard bits above the sticky bit the rounding matches the exact sum's, including ties.

Special values follow `picojoule.models.formats`: NaN operand or Inf + -Inf -> canonical NaN;
Inf + x -> the format's infinite code with the Inf's sign; an exact zero sum is +0 except
(-0) + (-0) = -0 (+0 in ``fnuz``). Three cut points (after alignment, after the add, after
normalizing).

Optional exponent offset of ``b`` (``b_scale=range(lo, hi)``, combinational units only): an extra
input port ``b_scale`` and the adder computes ``round(a + b * 2^b_scale)``; the offset is added to
``b``'s exponent before alignment (exact: no intermediate rounding, underflow or overflow), so the
sum is rounded once. The LUT tile uses it for its bit-serial ``2^plane`` weighting.
"""

from amaranth.hdl import Cat, Const, Mux
from amaranth.lib.wiring import In

from picojoule.hw.fpfields import (
    FloatOperand,
    check_nan_support,
    leading_zeros,
    select_result,
    wire,
)
from picojoule.hw.pipeline import UnitComponent
from picojoule.hw.rounding import round_to_format

__all__ = ["FpAddUnit"]


class FpAddUnit(UnitComponent):
    """Floating-point adder (see the module docstring)."""

    KIND = "fp_add"
    CUT_POINTS = 3

    def __init__(self, *, spec, fault=None, b_scale=None):
        if b_scale is not None and (
            not isinstance(b_scale, range) or b_scale.step != 1 or len(b_scale) < 1
        ):
            raise ValueError(
                f"b_scale must be a non-empty range of exponent offsets, got {b_scale!r}"
            )
        self._b_scale = b_scale
        super().__init__(spec=spec, fault=fault)

    @property
    def b_scale_range(self):
        """The range of ``b``'s exponent offset (None: a plain adder)."""
        return self._b_scale

    def check_spec(self, spec):
        check_nan_support(spec, op="+")

    def extra_ports(self):
        return {} if self._b_scale is None else {"b_scale": In(self._b_scale)}

    @property
    def fraction_bits(self):
        """Working fraction width F of the aligned significands."""
        spec = self.spec
        return max(spec.a.mantissa_bits, spec.b.mantissa_bits, spec.out.mantissa_bits) + 3

    @property
    def normalizes_operands(self):
        """True when the operand formats' smallest exponents differ (mixed biases).

        Ordering operands by (exponent, significand) needs normalized significands; within
        one exponent range a subnormal shares the minimum exponent with the smallest normals,
        so it is ordered correctly without normalizing. Across different ranges both operands
        are normalized first (a leading-zero count and shift each) and zero is placed below
        every nonzero value.
        """
        return self.spec.a.bias != self.spec.b.bias or self._b_scale is not None

    def aligned_operand(self, m, operand, *, name, offset=0):
        """(significand with ``fraction_bits`` fraction bits, its MSB's exponent)."""
        fmt = operand.fmt
        frac = self.fraction_bits
        significand = Cat(Const(0, frac - fmt.mantissa_bits), operand.significand)
        if not self.normalizes_operands:
            return significand, operand.exponent
        spec = self.spec
        lz = leading_zeros(m, operand.significand, name=f"{name}_lz")
        lowest_offset = min(0, self._b_scale.start) if self._b_scale is not None else 0
        below_all = min(1 - f.bias - f.mantissa_bits for f in (spec.a, spec.b)) + lowest_offset - 1
        significand = wire(m, (significand << lz)[: frac + 1], f"{name}_normalized")
        exponent = wire(
            m, Mux(operand.is_zero, below_all, operand.exponent - lz + offset), f"{name}_exponent"
        )
        return significand, exponent

    def datapath(self, m, a, b, cut):
        spec = self.spec
        frac = self.fraction_bits
        x, y = FloatOperand(m, a, spec.a, name="a"), FloatOperand(m, b, spec.b, name="b")
        sig_x, exp_x = self.aligned_operand(m, x, name="a")
        sig_y, exp_y = self.aligned_operand(
            m, y, name="b", offset=self.b_scale if self._b_scale is not None else 0
        )
        x_larger = wire(m, (exp_x > exp_y) | ((exp_x == exp_y) & (sig_x >= sig_y)), "a_larger")
        big_sig = wire(m, Mux(x_larger, sig_x, sig_y), "big_significand")
        small_sig = wire(m, Mux(x_larger, sig_y, sig_x), "small_significand")
        big_exp = wire(m, Mux(x_larger, exp_x, exp_y), "big_exponent")
        difference = wire(m, big_exp - Mux(x_larger, exp_y, exp_x), "difference")
        limit = frac + 2
        distance = wire(
            m, Mux(difference > limit, limit, difference)[: limit.bit_length()], "align_distance"
        )
        aligned = wire(m, Cat(Const(0, limit), small_sig) >> distance, "aligned")
        small = Cat(aligned[:limit] != 0, aligned[limit:])  # sticky as LSB
        big = Cat(Const(0, 1), big_sig)
        sign = Mux(x_larger, x.sign, y.sign)
        subtract = x.sign ^ y.sign
        nan = x.is_nan | y.is_nan | (x.is_inf & y.is_inf & subtract)
        inf = x.is_inf | y.is_inf
        inf_sign = Mux(x.is_inf, x.sign, y.sign)
        zero_sign = x.sign & y.sign
        stage = cut(big, small, big_exp, sign, subtract, nan, inf, inf_sign, zero_sign)
        big, small, big_exp, sign, subtract, nan, inf, inf_sign, zero_sign = stage
        total = wire(m, Mux(subtract, (big - small)[: len(big)], big + small), "total")
        stage = cut(total, big_exp, sign, nan, inf, inf_sign, zero_sign)
        total, big_exp, sign, nan, inf, inf_sign, zero_sign = stage
        # bit k of total weighs 2^(big_exp - frac - 1 + k); its MSB (k = frac + 2) 2^(big_exp + 1)
        lz = leading_zeros(m, total)
        normalized = wire(m, (total << lz)[: len(total)], "normalized")
        exponent = wire(m, big_exp + 1 - lz, "exponent")
        exact_zero = total == 0
        sign = Mux(inf, inf_sign, Mux(exact_zero, zero_sign, sign))
        stage = cut(normalized, exponent, sign, nan, inf, exact_zero)
        normalized, exponent, sign, nan, inf, exact_zero = stage
        magnitude, overflow = round_to_format(
            m, exponent=exponent, significand=normalized, fmt=spec.out, fault_point=self.fault_point
        )
        return select_result(
            spec,
            sign=sign,
            magnitude=magnitude,
            overflow=overflow,
            nan=nan,
            inf=inf,
            zero=exact_zero,
            fault_point=self.fault_point,
        )
