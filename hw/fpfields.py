"""Float fields and special-value logic shared by the float units (one place, like HardFloat).

`float_layout` is the ``amaranth.lib.data`` view of a code (``mantissa``, ``exponent``,
``sign`` from the low bits up); `FloatOperand` classifies a code of a
`picojoule.models.formats.FloatFormat` (NaN, Inf, zero, subnormal per its ``specials``) and
gives its significand and effective exponent; `special_codes` holds the result codes the
encoding rules of `picojoule.models.formats` prescribe.
"""

from amaranth.hdl import Cat, Const, Mux, Signal, Value
from amaranth.lib import data

__all__ = [
    "float_layout",
    "FloatOperand",
    "SpecialCodes",
    "leading_zeros",
    "saturates",
    "wire",
    "check_nan_support",
    "select_result",
]


def wire(m, value, name):
    """A combinational signal carrying ``value``: shared logic, not a copied expression tree."""
    if isinstance(value, int):
        return value
    value = Value.cast(value)
    signal = Signal(value.shape(), name=name)
    m.d.comb += signal.eq(value)
    return signal


def float_layout(fmt):
    """``StructLayout`` of a code of ``fmt``: mantissa (low bits), exponent, sign (top bit)."""
    return data.StructLayout(
        {"mantissa": fmt.mantissa_bits, "exponent": fmt.exponent_bits, "sign": 1}
    )


def saturates(fmt, overflow):
    """True if finite overflow gives max finite (sat mode, or a format with no Inf and no NaN)."""
    return overflow.value == "sat" or not (fmt.has_inf or fmt.has_nan)


class FloatOperand:
    """Classification and significand of one operand code.

    Attributes
    ----------
    view : data.View of `float_layout`
    sign, is_nan, is_inf, is_zero, is_subnormal : 1-bit values
    significand : unsigned(M + 1) value, hidden bit included (0 for subnormals)
    exponent : signed value, ``max(e, 1) - bias`` (the exponent of the significand's MSB)
    """

    def __init__(self, m, code, fmt, *, name):
        self.fmt = fmt
        self.view = view = data.View(float_layout(fmt), code)
        m_bits, e_all = fmt.mantissa_bits, fmt.exponent_all_ones
        magnitude = Value.cast(code)[: fmt.width - 1]
        self.sign = view.sign
        self.magnitude = magnitude
        exp, mant = view.exponent, view.mantissa
        self.exponent_is_zero = exp == 0
        if fmt.specials == "ieee":
            self.is_nan = (exp == e_all) & (mant != 0)
            self.is_inf = (exp == e_all) & (mant == 0)
        elif fmt.specials == "fn":
            self.is_nan = magnitude == (1 << (fmt.width - 1)) - 1
            self.is_inf = Const(0)
        elif fmt.specials == "fnuz":
            self.is_nan = Value.cast(code) == fmt.sign_mask
            self.is_inf = Const(0)
        else:
            self.is_nan = self.is_inf = Const(0)
        self.is_zero = (magnitude == 0) & ~self.is_nan
        self.is_subnormal = self.exponent_is_zero & (mant != 0) if m_bits else Const(0)
        hidden = ~self.exponent_is_zero
        self.significand = Cat(mant, hidden) if m_bits else hidden
        self.exponent = Mux(self.exponent_is_zero, 1, exp) - fmt.bias  # signed
        for attr in (
            "exponent_is_zero",
            "is_nan",
            "is_inf",
            "is_zero",
            "is_subnormal",
            "significand",
            "exponent",
        ):
            setattr(self, attr, wire(m, getattr(self, attr), f"{name}_{attr}"))


class SpecialCodes:
    """Result codes of ``fmt`` under ``overflow`` (the rules of `FloatFormat.encode`).

    Each method returns a full ``fmt.width``-bit code for a result of sign ``sign``:
    `nan` the canonical NaN; `infinite` what an infinite result encodes to (signed Inf; else
    the NaN pattern with the sign if non-saturating; else max finite); `overflow` what a
    finite overflow encodes to (signed max finite when saturating); `zero` a signed zero
    (+0 only in ``fnuz``). Encoding ORs the sign into the pattern, so a ``fnuz`` overflow
    is the single NaN code whatever the sign.
    """

    def __init__(self, fmt, overflow):
        self.fmt = fmt
        if saturates(fmt, overflow):
            self._overflow = fmt.max_finite_code
        else:
            self._overflow = fmt.inf_code if fmt.has_inf else fmt.nan_code
        self._infinite = fmt.inf_code if fmt.has_inf else self._overflow

    def _signed(self, pattern, sign):
        width = self.fmt.width
        return Cat(
            Const(pattern & ((1 << (width - 1)) - 1), width - 1), sign | (pattern >> (width - 1))
        )

    def nan(self):
        return Const(self.fmt.nan_code, self.fmt.width)

    def infinite(self, sign):
        return self._signed(self._infinite, sign)

    def overflow(self, sign):
        return self._signed(self._overflow, sign)

    def zero(self, sign):
        if self.fmt.has_negative_zero:
            return Cat(Const(0, self.fmt.width - 1), sign)
        return Const(0, self.fmt.width)


def leading_zeros(m, value, *, name="lz"):
    """Count of leading zeros of an unsigned value (its width if zero), as a log-depth tree."""
    value = Value.cast(value)
    width = len(value)
    if width == 1:
        return ~value[0]
    half = 1 << ((width - 1).bit_length() - 1)  # largest power of two < width
    high, low = value[half:], value[:half]  # high has width - half <= half bits
    lz_high = leading_zeros(m, high, name=f"{name}h")
    lz_low = leading_zeros(m, low, name=f"{name}l")
    return wire(m, Mux(high == 0, (width - half) + lz_low, lz_high), name)


def check_nan_support(spec, *, op):
    """ValueError if NaN or Inf operands could produce a NaN that ``spec.out`` cannot hold."""
    a, b, out = spec.a, spec.b, spec.out
    if not out.has_nan and (a.has_nan or b.has_nan):
        raise ValueError(
            f"unsupported format combination {a.name} {op} {b.name} -> {out.name}: "
            f"{out.name} has no NaN for NaN operands; choose a result format with "
            f"NaN (e4m3, e5m2, bf16, fp16, fp32) or operands without NaN"
        )


def select_result(spec, *, sign, magnitude, overflow, nan, inf, zero, fault_point):
    """The output code: specials (in the precedence NaN > Inf > zero > overflow) or the
    rounded ``magnitude`` with ``sign`` (+0 for a ``fnuz`` result that rounded to zero).
    ``fault_point`` is the generator's fault hook (fault point ``result.nan_inf``)."""
    fmt = spec.out
    codes = SpecialCodes(fmt, spec.overflow)
    nan, inf = fault_point("result.nan_inf", (nan, inf))
    code = Cat(magnitude, sign)
    if not fmt.has_negative_zero:
        code = Mux(magnitude == 0, codes.zero(sign), code)
    code = Mux(overflow, codes.overflow(sign), code)
    code = Mux(zero, codes.zero(sign), code)
    code = Mux(inf, codes.infinite(sign), code)
    if fmt.has_nan:
        code = Mux(nan, codes.nan(), code)
    return code
