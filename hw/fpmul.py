"""Floating-point multiplier generator (`FpMul` spec): ``a x b -> out``, correctly rounded.

Datapath: the (Ma+1) x (Mb+1) significand product (hidden bits from the exponent fields, so
subnormal operands need no pre-normalization), a leading-zero count and left shift that
normalize it, then `round_to_format` onto the output grid (RNE, gradual underflow, overflow
flag). Special values follow `picojoule.models.formats` encoding: NaN operand or Inf x 0 ->
canonical NaN; Inf x nonzero -> the format's infinite code; zero operand -> signed zero;
finite overflow -> the overflow mode. Two cut points (after the product, after normalizing).
"""

from picojoule.hw.fpfields import (
    FloatOperand,
    check_nan_support,
    leading_zeros,
    select_result,
    wire,
)
from picojoule.hw.pipeline import UnitComponent
from picojoule.hw.rounding import round_to_format

__all__ = ["FpMulUnit"]


class FpMulUnit(UnitComponent):
    """Floating-point multiplier (see the module docstring)."""

    KIND = "fp_mul"
    CUT_POINTS = 2

    def check_spec(self, spec):
        check_nan_support(spec, op="x")

    def datapath(self, m, a, b, cut):
        spec = self.spec
        x, y = FloatOperand(m, a, spec.a, name="a"), FloatOperand(m, b, spec.b, name="b")
        sign = x.sign ^ y.sign
        product = wire(m, x.significand * y.significand, "product")  # 2^(ex+ey+1-lz) 1.f
        exponent = x.exponent + y.exponent + 1
        nan = x.is_nan | y.is_nan | (x.is_inf & y.is_zero) | (y.is_inf & x.is_zero)
        inf = x.is_inf | y.is_inf
        zero = x.is_zero | y.is_zero
        sign, product, exponent, nan, inf, zero = cut(sign, product, exponent, nan, inf, zero)
        lz = leading_zeros(m, product)
        normalized = wire(m, (product << lz)[: len(product)], "normalized")
        exponent = wire(m, exponent - lz, "exponent")
        sign, normalized, exponent, nan, inf, zero = cut(sign, normalized, exponent, nan, inf, zero)
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
            zero=zero,
            fault_point=self.fault_point,
        )
