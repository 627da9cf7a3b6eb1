"""Block-scaled dot-product generator (`MxDot` spec): ``Dot(A, B)`` of two blocks -> fp32/bf16.

Datapath, in the contract's order (`picojoule.models.mx_dot`):

1. each element is split into sign, integer significand and an exponent offset (`_element`);
2. each product is exact (a (Ma+1) x (Mb+1) multiplier) or an L-Mul (one adder of the packed
   exponent|mantissa fields with the offset), then shifted left onto the fixed-point grid of
   `accumulator_layout` (LSB = the smallest product quantum) and negated by its sign;
3. an adder tree sums the ``k`` terms exactly (two's complement, the layout's width);
4. the scale exponents are added (E8M0), or the two e4m3 scale significands multiplied
   into the sum and their exponents added (NVFP4);
5. the magnitude is normalized (leading-zero count and shift) and rounded once by
   `round_to_format` (RNE, gradual underflow, overflow to Inf);
6. specials override: exact zero -> +0; an infinite product -> signed Inf; NaN scale, NaN
   element, Inf x 0, +Inf + -Inf, or Inf times a zero scale -> canonical NaN.

Two cut points for pipelining: after the sum and after normalizing. Ports: ``a`` and ``b``
hold ``k`` packed elements (element ``i`` at bits ``[i w, (i + 1) w)``) with the scale code
above them; ``y`` is the output code.
"""

from amaranth.hdl import Cat, Const, Mux, Value

from picojoule.hw.fpfields import FloatOperand, SpecialCodes, leading_zeros, wire
from picojoule.hw.pipeline import UnitComponent
from picojoule.hw.rounding import round_to_format
from picojoule.models.formats import PRESETS, Overflow
from picojoule.models.lmul import offset_ulps
from picojoule.models.mx_dot import accumulator_layout

__all__ = ["MxDotUnit"]


class _Element:
    """Sign, significand and exponent offset (unit exponent - quantum exponent) of one code."""

    def __init__(self, m, code, elem, *, name):
        self.elem = elem
        if elem.is_int:
            self.sign = code[7]
            self.significand = wire(m, Mux(code[7], (~code + 1)[:8], code), f"{name}_sig")
            self.offset = Const(0, 1)
            self.is_nan = self.is_inf = Const(0)
            self.is_zero = code == 0
            self.exponent_is_zero = Const(0)
            self.magnitude = None
            return
        fmt = elem.float_format
        x = FloatOperand(m, code, fmt, name=name)
        self.sign, self.significand = x.sign, x.significand
        self.offset = Mux(x.exponent_is_zero, 0, x.view.exponent - 1)  # max(e, 1) - 1
        self.is_nan, self.is_inf, self.is_zero = x.is_nan, x.is_inf, x.is_zero
        self.exponent_is_zero = x.exponent_is_zero
        self.magnitude = x.magnitude


def _tree_sum(m, terms, width, name):
    """Sum of signed ``terms`` as a balanced adder tree, each node ``width`` bits (exact)."""
    level = 0
    while len(terms) > 1:
        pairs = [terms[i : i + 2] for i in range(0, len(terms), 2)]
        terms = [
            wire(
                m, (p[0] + p[1])[:width].as_signed() if len(p) == 2 else p[0], f"{name}{level}_{i}"
            )
            for i, p in enumerate(pairs)
        ]
        level += 1
    return terms[0]


class MxDotUnit(UnitComponent):
    """Block dot product ``a . b -> y`` (see the module docstring)."""

    KIND = "mx_dot"
    CUT_POINTS = 2

    def _product(self, m, x, y, i, lsb, width):
        """The i-th aligned signed term (``width`` bits) and its flags."""
        spec = self.spec
        sign = x.sign ^ y.sign
        if spec.products == "exact":
            significand = x.significand * y.significand
            shift = x.offset + y.offset + (x.elem.quantum_exponent + y.elem.quantum_exponent - lsb)
            flush = Const(0)
        else:
            fmt = x.elem.float_format
            mb = fmt.mantissa_bits
            constant = offset_ulps(mb, variant="int_add") - (fmt.bias << mb)
            packed = wire(m, (x.magnitude + y.magnitude + constant).as_signed(), f"lmul{i}")
            significand = Cat(packed[:mb], Const(1, 1))
            shift = (packed >> mb) - (fmt.bias + mb + lsb)
            flush = x.exponent_is_zero | y.exponent_is_zero
        shift = wire(m, shift[: (width - 1).bit_length()], f"shift{i}")
        aligned = wire(m, (significand << shift)[: width - 1], f"aligned{i}")
        live = ~(flush | x.is_nan | y.is_nan | x.is_inf | y.is_inf)
        term = Mux(live, Mux(sign, -aligned, aligned), 0)
        return wire(m, term.as_signed()[:width].as_signed(), f"term{i}"), sign

    def _scale(self, m, code, fmt, name):
        """(sign, significand, unit exponent, is_nan) of a scale code."""
        if fmt.scale.name == "e8m0":
            return Const(0), Const(1, 1), code - 127, code == 255
        e4m3 = PRESETS["e4m3"]
        s = FloatOperand(m, code, e4m3, name=name)
        return s.sign, s.significand, s.exponent - e4m3.mantissa_bits, s.is_nan

    def datapath(self, m, a, b, cut):
        spec = self.spec
        a_fmt, b_fmt = spec.in_formats
        k = spec.k
        wa, wb = a_fmt.element.width, b_fmt.element.width
        lsb, width = accumulator_layout(a_fmt.element, b_fmt.element, k, spec.products)
        a, b = Value.cast(a), Value.cast(b)
        terms, nan, pos_inf, neg_inf = [], Const(0), Const(0), Const(0)
        for i in range(k):
            x = _Element(m, a[i * wa : (i + 1) * wa], a_fmt.element, name=f"a{i}")
            y = _Element(m, b[i * wb : (i + 1) * wb], b_fmt.element, name=f"b{i}")
            term, sign = self._product(m, x, y, i, lsb, width)
            terms.append(term)
            infinite = (x.is_inf & ~y.is_zero) | (y.is_inf & ~x.is_zero)
            nan = nan | x.is_nan | y.is_nan | (x.is_inf & y.is_zero) | (y.is_inf & x.is_zero)
            pos_inf = pos_inf | (infinite & ~sign)
            neg_inf = neg_inf | (infinite & sign)
        terms = self.fault_point("mx.terms", terms)
        total = _tree_sum(m, terms, width, "sum")
        sa, ma, ea, nan_a = self._scale(m, a[k * wa :], a_fmt, "xa")
        sb, mb, eb, nan_b = self._scale(m, b[k * wb :], b_fmt, "xb")
        scale_sign = sa ^ sb
        scale_zero = (ma == 0) | (mb == 0)
        nan = wire(m, nan | nan_a | nan_b | (pos_inf & neg_inf), "nan")
        inf = wire(m, pos_inf | neg_inf, "inf")
        inf_sign = neg_inf ^ scale_sign
        exponent = wire(m, ea + eb + lsb, "scale_exponent")  # of the sum's LSB
        scale_significand = wire(m, ma * mb, "scale_significand")
        total, exponent, scale_sign, scale_significand, nan, inf, inf_sign, scale_zero = cut(
            total, exponent, scale_sign, scale_significand, nan, inf, inf_sign, scale_zero
        )
        if a_fmt.two_level or b_fmt.two_level:
            total = wire(m, total * scale_significand, "scaled_sum")
        total = Value.cast(total)
        sign = total[-1] ^ scale_sign
        magnitude = wire(m, Mux(total[-1], -total, total)[: len(total) - 1], "magnitude")
        lz = leading_zeros(m, magnitude)
        normalized = wire(m, (magnitude << lz)[: len(magnitude)], "normalized")
        msb = wire(m, exponent + (len(magnitude) - 1) - lz, "msb_exponent")
        zero = magnitude == 0
        sign, normalized, msb, zero, nan, inf, inf_sign, scale_zero = cut(
            sign, normalized, msb, zero, nan, inf, inf_sign, scale_zero
        )
        out = spec.out_format
        rounded, overflow = round_to_format(
            m, exponent=msb, significand=normalized, fmt=out, fault_point=self.fault_point
        )
        codes = SpecialCodes(out, Overflow.NONSAT)
        nan, inf = self.fault_point("result.nan_inf", (nan, inf))
        code = Mux(overflow, codes.overflow(sign), Cat(rounded, sign))
        code = Mux(zero, codes.zero(0), code)
        code = Mux(inf, codes.infinite(inf_sign), code)
        return Mux(nan | (inf & scale_zero), codes.nan(), code)
