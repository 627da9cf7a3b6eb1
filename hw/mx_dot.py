"""Block-scaled dot-product generator (`MxDot` spec): ``Dot(A, B)`` of two blocks -> fp32/bf16.

Datapath, in the contract's order (`picojoule.models.mx_dot`):

1. each element is split into sign, integer significand and an exponent offset (`_Element`);
2. each product is exact (a (Ma+1) x (Mb+1) multiplier) or an L-Mul (one adder of the packed
   exponent|mantissa fields with the offset); the narrow significand product is negated by
   its sign, then shifted left (sign-filled) onto the fixed-point grid of
   `accumulator_layout` (LSB = the smallest product quantum);
3. an adder tree sums the ``k`` terms exactly (two's complement, the layout's width);
4. the scale exponents are added (E8M0), or the two e4m3 scale significands multiplied
   into the sum and their exponents added (NVFP4);
5. the magnitude is normalized (a shift by 2^j per stage when the top 2^j bits are zero, the
   stages' decisions giving the leading-zero count) and rounded once by `round_to_format`
   (RNE, gradual underflow, overflow to Inf);
6. specials override: exact zero -> +0; an infinite product -> signed Inf; NaN scale, NaN
   element, Inf x 0, +Inf + -Inf, or Inf times a zero scale -> canonical NaN. The terms of
   NaN and infinite products are therefore not masked out of the sum.

Every quantity is computed once and named (`wire`), and flags are ORed in balanced trees: the
module Icarus simulates then evaluates few processes per block (a chain of ``k`` ORs or a
copied subexpression re-evaluates on each of its inputs' changes).

Two cut points for pipelining: after the sum and after normalizing. Ports: ``a`` and ``b``
hold ``k`` packed elements (element ``i`` at bits ``[i w, (i + 1) w)``) with the scale code
above them; ``y`` is the output code.
"""

from amaranth.hdl import Cat, Const, Mux, Value

from picojoule.hw.fpfields import FloatOperand, SpecialCodes, wire
from picojoule.hw.pipeline import UnitComponent
from picojoule.hw.rounding import round_to_format
from picojoule.models.formats import PRESETS, Overflow
from picojoule.models.lmul import offset_ulps
from picojoule.models.mx_dot import accumulator_layout

__all__ = ["MxDotUnit"]


class _Element:
    """Sign, significand, exponent offset (unit exponent - quantum exponent) and special flags
    of one element code, each computed once from one slice of the packed operand."""

    def __init__(self, m, code, elem, *, name):
        self.elem = elem
        width = elem.width
        self.sign = code[width - 1]
        self.is_nan = self.is_inf = self.exponent_is_zero = self.magnitude = None
        if elem.is_int:
            self.significand = wire(m, Mux(code[7], -code.as_signed(), code)[:8], f"{name}_sig")
            self.offset = None
            self.is_zero = code == 0
            return
        fmt = elem.float_format
        mb, eb = fmt.mantissa_bits, fmt.exponent_bits
        exponent = code[mb : mb + eb]
        normal = wire(m, exponent.any(), f"{name}_normal")
        self.significand = Cat(code[:mb], normal) if mb else normal
        self.offset = wire(m, (exponent - normal)[:eb], f"{name}_offset")  # max(e, 1) - 1
        self.exponent_is_zero = ~normal
        self.magnitude = code[: width - 1]
        if fmt.specials == "fn":
            self.is_nan = self.magnitude.all()
        elif fmt.specials == "ieee":
            top = wire(m, exponent.all(), f"{name}_top")
            fraction = wire(m, code[:mb].any(), f"{name}_fraction")
            self.is_nan = top & fraction
            self.is_inf = wire(m, top & ~fraction, f"{name}_is_inf")
        self.is_zero = ~self.magnitude.any()
        if self.is_inf is not None:
            self.is_zero = wire(m, self.is_zero, f"{name}_is_zero")


def _tree_sum(m, terms, width, name):
    """Sum of signed ``terms`` as a balanced adder tree, each node ``width`` bits (exact)."""
    level = 0
    while len(terms) > 1:
        terms = [
            wire(m, (terms[i] + terms[i + 1])[:width].as_signed(), f"{name}{level}_{i // 2}")
            if i + 1 < len(terms)
            else terms[i]
            for i in range(0, len(terms), 2)
        ]
        level += 1
    return terms[0]


def _any(m, flags, name):
    """OR of the 1-bit ``flags`` as a balanced tree of two-input ORs (0 if none)."""
    level = 0
    while len(flags) > 1:
        flags = [
            wire(m, flags[i] | flags[i + 1], f"{name}{level}_{i // 2}")
            if i + 1 < len(flags)
            else flags[i]
            for i in range(0, len(flags), 2)
        ]
        level += 1
    return flags[0] if flags else Const(0)


def _normalize(m, value):
    """``(value << lz, lz)`` with ``lz`` the leading zeros of the nonzero unsigned ``value``
    (meaningless for zero), found stage by stage: shift by 2^j when the top 2^j bits are zero."""
    width = len(value)
    steps = []
    for j in reversed(range(max(width - 1, 1).bit_length())):
        step = 1 << j
        zero = wire(m, value[width - step :] == 0, f"norm_zero{j}")
        value = wire(m, Mux(zero, value << step, value)[:width], f"norm{j}")
        steps.append(zero)
    return value, Cat(*reversed(steps))


class MxDotUnit(UnitComponent):
    """Block dot product ``a . b -> y`` (see the module docstring)."""

    KIND = "mx_dot"
    CUT_POINTS = 2

    def _product(self, m, x, y, i, lsb, width):
        """The i-th product as a signed ``width``-bit term on the accumulator's grid, and its
        sign. The sign is applied to the narrow significand product, which is then shifted
        (sign-filled) into place.

        The term of a NaN or infinite product is left as it comes: the result is then NaN or
        Inf whatever the sum.
        """
        spec = self.spec
        sign = wire(m, x.sign ^ y.sign, f"sign{i}")
        if spec.products == "exact":
            significand = wire(m, x.significand * y.significand, f"significand{i}")
            shift = x.elem.quantum_exponent + y.elem.quantum_exponent - lsb
            for offset in (x.offset, y.offset):
                if offset is not None:
                    shift = offset if isinstance(shift, int) and not shift else offset + shift
        else:
            fmt = x.elem.float_format
            mb = fmt.mantissa_bits
            constant = offset_ulps(mb, variant="int_add") - (fmt.bias << mb)
            packed = wire(m, (x.magnitude + y.magnitude + constant).as_signed(), f"lmul{i}")
            flush = x.exponent_is_zero | y.exponent_is_zero
            significand = Mux(flush, 0, Cat(packed[:mb], Const(1, 1)))
            shift = (packed >> mb) - (fmt.bias + mb + lsb)
        signed = wire(m, Mux(sign, -significand, significand), f"product{i}")
        if not isinstance(shift, int):
            # finite products shift by less than width - 1; the shifter's output is then at
            # least ``width`` bits, cut to ``width`` below
            bits = (width - 1).bit_length()
            shift = Value.cast(shift)
            shift = wire(m, shift[:bits] if len(shift) >= bits else shift, f"shift{i}")
            shift = Cat(shift, Const(0, bits - len(shift)))
        return wire(m, (signed << shift)[:width].as_signed(), f"term{i}"), sign

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
        terms, nans, pos_infs, neg_infs = [], [], [], []
        for i in range(k):
            x = _Element(m, a[i * wa : (i + 1) * wa], a_fmt.element, name=f"a{i}")
            y = _Element(m, b[i * wb : (i + 1) * wb], b_fmt.element, name=f"b{i}")
            term, sign = self._product(m, x, y, i, lsb, width)
            terms.append(term)
            nans += [flag for flag in (x.is_nan, y.is_nan) if flag is not None]
            infinite = []
            for p, q in ((x, y), (y, x)):
                if p.is_inf is not None:
                    nans.append(p.is_inf & q.is_zero)
                    infinite.append(p.is_inf & ~q.is_zero)
            if infinite:
                infinite = wire(m, Cat(*infinite).any(), f"infinite{i}")
                pos_infs.append(infinite & ~sign)
                neg_infs.append(infinite & sign)
        nan, pos_inf, neg_inf = (
            _any(m, flags, name)
            for flags, name in ((nans, "element_nan"), (pos_infs, "pos_inf"), (neg_infs, "neg_inf"))
        )
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
        normalized, lz = _normalize(m, magnitude)
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
