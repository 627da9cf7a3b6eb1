"""L-Mul, the linear-complexity approximate multiplier of Luo & Sun (2024, arXiv 2410.00907).

Numeric contract
----------------
For normal operands x = (-1)^sx 2^xe (1 + Mx/2^m) and y likewise (m mantissa bits, codes
of one float format ``fmt``), with offset ``o = 2^(m - l(m))`` mantissa ULPs
(`offset_ulps`; l(m) = m for m <= 3, 3 for m = 4, 4 for m > 4):

``int_add`` (default; what the paper's own simulation code computes)
    One integer addition of the packed exponent|mantissa fields,
    ``F = Fx + Fy - (bias << m) + o``; a mantissa carry spills into the exponent, nothing is
    normalized or rounded. When Mx + My + o >= 2^m this gives 2^(e+1) (xm + ym + c), not the
    written formula's value.
``formula``
    The written formula (1 + xm + ym + 2^-l(m)) 2^(xe + ye): the significand
    ``2^m + Mx + My + o`` is shifted right by one with truncation (and the exponent raised by
    one) when it reaches 2.
``mitchell``
    ``int_add`` with o = 0 (Mitchell's 1962 logarithmic multiplier).

The sign is sx xor sy. Special values, in increasing precedence (a later rule wins):

1. a result whose biased exponent is <= 0 -> signed zero;
   a result above the largest finite value (for OCP e4m3 that includes landing on the NaN
   pattern S.1111.111) -> ``Overflow.NONSAT``: signed Inf, or the NaN pattern with the sign
   in a format without Inf (a format with neither always saturates); ``Overflow.SAT``:
   signed max finite;
2. a zero or subnormal operand -> signed zero (+0 in ``fnuz``);
3. an Inf operand -> NaN if the other operand is zero (an exact zero code), else signed Inf
   (Inf times a subnormal is Inf: a subnormal is nonzero);
4. a NaN operand -> the canonical NaN.

`lmul` works on arrays of codes; 8-bit formats go through a 65,536-entry table built from
this model (`picojoule.models.tables`). For ``int_add`` and ``mitchell`` on IEEE-style formats of
9 to 16 bits (bf16, fp16) the result depends only on the sum of the two magnitudes, each
operand's class (normal, subnormal, zero, Inf, NaN) and the sign xor; `lmul` then adds two
per-code table entries and reads the result from a table indexed by that sum, both tables
filled by evaluating this model (`_sum_tables`). Other formats wider than 8 bits (the
``formula`` variant, 32-bit formats) run the same steps compiled pair by pair
(`picojoule.models.lmul_kernel`, tested bit-exact against `_lmul_direct`). `lmul_values` is
the same arithmetic on float64 values with an m-bit mantissa and an unbounded exponent (no
underflow or overflow), used by the accuracy study and `picojoule.models.lmul_matmul`.
"""

import functools

import numpy as np

from picojoule.models import tables
from picojoule.models.formats import FloatFormat, Overflow, get_format

__all__ = [
    "VARIANTS",
    "lmul",
    "lmul_l",
    "offset_ulps",
    "offset_value",
    "significand_table",
    "lmul_values",
    "check_variant",
]

VARIANTS = ("int_add", "formula", "mitchell")
#: Variants of `lmul_values` / `lmul_matmul`: ``formula_exact`` is the written formula
#: without the truncating normalization (its value may need m + 1 mantissa bits).
VALUE_VARIANTS = VARIANTS + ("formula_exact",)


def check_variant(variant, *, allowed=VARIANTS):
    if variant not in allowed:
        raise ValueError(f"unknown L-Mul variant {variant!r}; choose from {', '.join(allowed)}")
    return variant


def lmul_l(m):
    """The paper's l(m): m for m <= 3, 3 for m = 4, 4 for m > 4."""
    if m < 0:
        raise ValueError(f"mantissa bits m={m} must be >= 0")
    return m if m <= 3 else 3 if m == 4 else 4


def offset_ulps(m, *, variant="int_add"):
    """The L-Mul offset 2^-l(m) in units of the m-bit mantissa ULP: 2^(m - l(m)); 0 for mitchell."""
    check_variant(variant, allowed=VALUE_VARIANTS)
    return 0 if variant == "mitchell" else 1 << (m - lmul_l(m))


def offset_value(m, *, variant="int_add"):
    """The offset as a real number, 2^-l(m) (0 for mitchell)."""
    return offset_ulps(m, variant=variant) / (1 << m)


def significand_table(m, *, variant="int_add"):
    """H[Mx, My]: the result for normal operands is s 2^(xe + ye) H / 2^m (int64, 2^m x 2^m).

    Exponent carries are folded into H (H lies in [2^m, 2^(m+2))); range limits are not applied.
    """
    check_variant(variant, allowed=VALUE_VARIANTS)
    one = 1 << m
    mx = np.arange(one, dtype=np.int64)[:, None]
    my = np.arange(one, dtype=np.int64)[None, :]
    o = offset_ulps(m, variant=variant)
    if variant in ("int_add", "mitchell"):
        s = mx + my + o
        return (one + (s & (one - 1))) << (s >> m)
    s = one + mx + my + o
    if variant == "formula":
        return np.where(s >= 2 * one, (s >> 1) << 1, s)
    return s


def _lmul_direct(a, b, *, fmt, variant, overflow):
    """Vectorized L-Mul on int64 code arrays (no table); the definition of the model."""
    m, w = fmt.mantissa_bits, fmt.width
    sa, ea, ma = (a >> (w - 1)) & 1, (a >> m) & fmt.exponent_all_ones, a & fmt.mantissa_mask
    sb, eb, mb = (b >> (w - 1)) & 1, (b >> m) & fmt.exponent_all_ones, b & fmt.mantissa_mask
    sign = sa ^ sb
    o = offset_ulps(m, variant=variant)
    if variant in ("int_add", "mitchell"):
        mag = (a & (fmt.sign_mask - 1)) + (b & (fmt.sign_mask - 1)) - (fmt.bias << m) + o
        exponent = mag >> m  # floor: negative sums stay <= 0
    else:
        significand = (1 << m) + ma + mb + o
        exponent = ea + eb - fmt.bias
        carry = significand >= (2 << m)
        significand = np.where(carry, significand >> 1, significand)  # truncate
        exponent = exponent + carry
        mag = (exponent << m) | (significand - (1 << m))
    underflow = exponent <= 0
    over = ~underflow & (mag > fmt.max_finite_code)
    saturate = overflow is Overflow.SAT or not (fmt.has_inf or fmt.has_nan)
    if saturate:
        over_code = fmt.max_finite_code
    else:
        over_code = fmt.inf_code if fmt.has_inf else fmt.nan_code
    mag = np.where(over, over_code, np.where(underflow, 0, mag))
    # A zero or subnormal operand (biased exponent 0) flushes to signed zero.
    mag = np.where((ea == 0) | (eb == 0), 0, mag)
    a_nan, b_nan = fmt.is_nan(a), fmt.is_nan(b)
    a_inf, b_inf = fmt.is_inf(a), fmt.is_inf(b)
    a_zero, b_zero = fmt.is_zero(a), fmt.is_zero(b)
    inf_result = (a_inf | b_inf) & ~a_zero & ~b_zero
    if fmt.has_inf:
        mag = np.where(inf_result, fmt.inf_code, mag)
    code = mag | (sign << (w - 1))
    if fmt.specials == "fnuz":
        code = np.where(mag == 0, 0, code)  # no negative zero; 0x80 is NaN
    if fmt.has_nan:
        nan = a_nan | b_nan | ((a_inf | b_inf) & (a_zero | b_zero))
        code = np.where(nan, fmt.nan_code, code)
    return code


def _broadcast(a, b, fmt):
    a = tables.checked_codes(a, fmt=fmt, role="a")
    b = tables.checked_codes(b, fmt=fmt, role="b")
    tables.check_shapes(a, b)
    return a, b


def lmul(a, b, *, fmt, variant="int_add", overflow=Overflow.NONSAT):
    """L-Mul of two code arrays of the float format ``fmt``; returns codes of ``fmt``.

    Parameters
    ----------
    a, b : array_like of int
        Codes of ``fmt`` (shapes must broadcast).
    fmt : FloatFormat or str
    variant : {"int_add", "formula", "mitchell"}
    overflow : Overflow or {"nonsat", "sat"}

    Returns
    -------
    ndarray of ``fmt.code_dtype``; see the module docstring for the contract.
    """
    fmt = get_format(fmt)
    if not isinstance(fmt, FloatFormat):
        raise ValueError(f"L-Mul needs a float format such as e4m3, e5m2, bf16; got {fmt.name}")
    check_variant(variant)
    overflow = Overflow.parse(overflow)
    a, b = _broadcast(a, b, fmt)
    if fmt.width <= 8:
        table = tables.pair_table(
            _lmul_direct,
            a_fmt=fmt,
            b_fmt=fmt,
            out_dtype=fmt.code_dtype,
            options=(("fmt", fmt), ("variant", variant), ("overflow", overflow)),
        )
        return tables.lookup(table, a, b, b_width=fmt.width)
    if variant in ("int_add", "mitchell") and fmt.specials == "ieee" and fmt.width <= 16:
        per_code, result = _sum_tables(fmt, variant, overflow)
        return result.take(per_code.take(a) + per_code.take(b))
    # numba (heavy): the compiled loop loads only for formats wider than a table
    from picojoule.models import lmul_kernel

    return lmul_kernel.lmul_codes(
        a,
        b,
        fmt=fmt,
        variant=variant,
        offset=offset_ulps(fmt.mantissa_bits, variant=variant),
        saturate=overflow is Overflow.SAT or not (fmt.has_inf or fmt.has_nan),
    )


#: Class digits of the sum encoding (normal, subnormal, zero, Inf, NaN): every sum of two
#: digits is distinct, so the sum of two operands' digits names both classes.
_CLASS_DIGITS = (0, 1, 3, 7, 12)
_DIGIT_SUMS = 25  # 0 .. 24


@functools.lru_cache(maxsize=16)
def _sum_tables(fmt, variant, overflow):
    """(per_code, result) with ``lmul(a, b) == result[per_code[a] + per_code[b]]``.

    ``per_code[c] = |c| + 2^w digit(class of c) + 2^w * 25 sign(c)`` (int32; |c| is the code
    without its sign bit), so the sum of two entries holds the magnitude sum s (< 2^w), the two
    classes (distinct digit sums) and the number of negative operands (0..2, whose parity is
    the sign). For IEEE-style formats the `int_add`/`mitchell` result is a function of exactly
    these: two normal operands give the result of their magnitude sum; otherwise the classes
    and the sign decide it. Each entry of ``result`` is this model's value on one
    representative pair (indices no pair reaches stay 0).
    """
    w, magnitude = fmt.width, fmt.sign_mask - 1
    codes = np.arange(1 << w, dtype=np.int64)
    _, e, mant = fmt.fields(codes)
    cls = np.select(
        [fmt.is_nan(codes), fmt.is_inf(codes), (codes & magnitude) == 0, e == 0],
        [4, 3, 2, 1],
        0,
    )
    digit = np.array(_CLASS_DIGITS, dtype=np.int64)
    per_code = (codes & magnitude) + (digit[cls] << w) + ((codes >> (w - 1)) * _DIGIT_SUMS << w)
    result = np.zeros(3 * _DIGIT_SUMS << w, dtype=fmt.code_dtype)
    lo, hi = 1 << fmt.mantissa_bits, fmt.inf_code - 1  # the normal magnitudes
    s = np.arange(2 * lo, 2 * hi + 1, dtype=np.int64)
    x = np.maximum(lo, s - hi)
    representatives = {cls_: int(np.flatnonzero(cls == cls_)[0]) for cls_ in range(5)}
    for negatives in range(3):
        sa, sb = min(negatives, 1) * fmt.sign_mask, (negatives // 2) * fmt.sign_mask
        base = negatives * _DIGIT_SUMS << w
        result[base + s] = _lmul_direct(
            x | sa, (s - x) | sb, fmt=fmt, variant=variant, overflow=overflow
        )
        for ca in range(5):
            for cb in range(ca, 5):
                if ca == cb == 0:
                    continue
                got = _lmul_direct(
                    np.array([representatives[ca] | sa]),
                    np.array([representatives[cb] | sb]),
                    fmt=fmt,
                    variant=variant,
                    overflow=overflow,
                )[0]
                row = base + ((_CLASS_DIGITS[ca] + _CLASS_DIGITS[cb]) << w)
                result[row : row + (1 << w)] = got
    return per_code.astype(np.int32), result


def lmul_values(x, y, *, m, variant="int_add"):
    """L-Mul on float64 values with at most ``m`` mantissa bits and an unbounded exponent.

    Zero operands give signed zero; NaN, Inf follow float64 (NaN -> NaN, Inf x 0 -> NaN,
    Inf x nonzero -> Inf); there is no underflow or overflow other than float64's own.
    ``variant`` may also be ``formula_exact`` (no truncation). ValueError if a value has
    more than m mantissa bits.
    """
    check_variant(variant, allowed=VALUE_VARIANTS)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    tables.check_shapes(x, y)
    mx, ex, ok_x = mantissa_fields(x, m=m)
    my, ey, ok_y = mantissa_fields(y, m=m)
    h = significand_table(m, variant=variant)[mx, my].astype(np.float64)
    value = np.ldexp(h, (ex + ey - m).astype(np.int32))
    value = np.where(np.signbit(x) ^ np.signbit(y), -value, value)
    special = ~(ok_x & ok_y)
    if np.any(special):
        with np.errstate(invalid="ignore"):
            value = np.where(special, x * y, value)  # zeros, NaN, Inf: float64's rules
    return value


def mantissa_fields(x, *, m):
    """(M, e, normal) of float64 values: |x| = 2^e (1 + M/2^m); ValueError if not m-bit.

    ``normal`` is False for zeros, NaN and Inf (whose M, e are 0).
    """
    x = np.asarray(x, dtype=np.float64)
    normal = np.isfinite(x) & (x != 0)
    frac, exp = np.frexp(np.where(normal, np.abs(x), 1.0))
    scaled = np.ldexp(frac, m + 1) - (1 << m)  # (2 frac - 1) 2^m
    mant = scaled.astype(np.int64)
    if np.any(mant != scaled):
        raise ValueError(
            f"values have more than m={m} mantissa bits; truncate or round them to m bits first"
        )
    return mant, (exp - 1).astype(np.int64), normal
