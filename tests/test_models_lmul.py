"""L-Mul model against a second, scalar reference written plainly from the paper's definition."""

import functools
import math
from fractions import Fraction

import numpy as np
import pytest

from picojoule.models import lmul
from picojoule.models.formats import get_format


def reference_lmul(a, b, *, fmt, variant, overflow):
    """One pair of codes, pure Python ints, following the definition line by line."""
    E, M, bias, w = fmt.exponent_bits, fmt.mantissa_bits, fmt.bias, fmt.width
    ones_e, ones_m = (1 << E) - 1, (1 << M) - 1

    def fields(c):
        return c >> (w - 1), (c >> M) & ones_e, c & ones_m

    def is_nan(c):
        s, e, m = fields(c)
        return {
            "ieee": e == ones_e and m != 0,
            "fn": e == ones_e and m == ones_m,
            "fnuz": c == 1 << (w - 1),
            "finite": False,
        }[fmt.specials]

    def is_inf(c):
        s, e, m = fields(c)
        return fmt.specials == "ieee" and e == ones_e and m == 0

    def is_zero(c):
        s, e, m = fields(c)
        return e == 0 and m == 0 and not is_nan(c)

    sa, ea, ma = fields(a)
    sb, eb, mb = fields(b)
    sign = (sa ^ sb) << (w - 1)
    if is_nan(a) or is_nan(b):
        return fmt.nan_code
    if is_inf(a) or is_inf(b):
        return fmt.nan_code if is_zero(a) or is_zero(b) else (ones_e << M) | sign
    signed_zero = 0 if fmt.specials == "fnuz" else sign
    if ea == 0 or eb == 0:  # zero or subnormal operand
        return signed_zero
    l = M if M <= 3 else 3 if M == 4 else 4  # noqa: E741 (the paper's l(m))
    if variant == "formula":
        mantissa, carry = _formula_significand(ma, mb, M, l)
        biased = (ea - bias) + (eb - bias) + carry + bias
        magnitude = (biased << M) | mantissa if biased > 0 else 0
    else:
        offset = 0 if variant == "mitchell" else 1 << (M - l)
        magnitude = (a & ((1 << (w - 1)) - 1)) + (b & ((1 << (w - 1)) - 1)) - (bias << M) + offset
        biased = magnitude >> M  # floor, also for negative sums
    if biased <= 0:
        return signed_zero
    largest = {"ieee": ((ones_e - 1) << M) | ones_m, "fn": (1 << (w - 1)) - 2}.get(
        fmt.specials, (1 << (w - 1)) - 1
    )
    if magnitude > largest:
        if overflow == "sat" or fmt.specials == "finite":
            return largest | sign
        if fmt.specials == "ieee":
            return (ones_e << M) | sign
        if fmt.specials == "fn":
            return ((1 << (w - 1)) - 1) | sign  # S.1111.111
        return 1 << (w - 1)  # fnuz: the single NaN
    return magnitude | sign


@functools.lru_cache(maxsize=None)
def _formula_significand(ma, mb, M, l):  # noqa: E741 (the paper's l(m))
    """(1 + xm + ym + 2^-l), halved with truncation when it reaches 2: (mantissa, carry)."""
    value = 1 + Fraction(ma, 1 << M) + Fraction(mb, 1 << M) + Fraction(1, 1 << l)
    carry = int(value >= 2)
    value /= 1 + carry
    return math.floor((value - 1) * (1 << M)), carry


def _check(fmt, a, b, variant, overflow):
    got = lmul.lmul(a, b, fmt=fmt, variant=variant, overflow=overflow)
    ref = [
        reference_lmul(int(x), int(y), fmt=fmt, variant=variant, overflow=overflow)
        for x, y in zip(a, b)
    ]
    mismatch = np.flatnonzero(got != np.array(ref))
    assert mismatch.size == 0, [
        (hex(a[i]), hex(b[i]), hex(got[i]), hex(ref[i])) for i in mismatch[:5]
    ]
    assert got.dtype == fmt.code_dtype


EXHAUSTIVE = (
    [("e4m3", v, "nonsat") for v in lmul.VARIANTS]
    + [("e5m2", v, "nonsat") for v in lmul.VARIANTS]
    + [
        ("e4m3", "int_add", "sat"),
        ("e5m2", "formula", "sat"),
        ("e4m3fnuz", "int_add", "nonsat"),
        ("e5m2fnuz", "formula", "sat"),
        ("e2m1", "int_add", "nonsat"),
        ("e3m2", "formula", "nonsat"),
        ("e2m3", "mitchell", "sat"),
        ("e3m4", "int_add", "nonsat"),
        ("e2m5", "formula", "nonsat"),
        ("e1m6fn", "int_add", "nonsat"),
        ("e1m6fn", "int_add", "sat"),
    ]
)


@pytest.mark.parametrize("name, variant, overflow", EXHAUSTIVE)
def test_small_formats_exhaustive(name, variant, overflow):
    fmt = get_format(name)
    codes = fmt.all_codes()
    a = np.repeat(codes, codes.size)
    b = np.tile(codes, codes.size)
    _check(fmt, a, b, variant, overflow)


@pytest.mark.parametrize("variant", lmul.VARIANTS)
@pytest.mark.parametrize("name", ["bf16", "fp16", "fp32"])
def test_wide_formats_sampled(name, variant):
    fmt = get_format(name)
    rng = np.random.default_rng(13)
    n = 6000
    a = rng.integers(0, 1 << fmt.width, n, dtype=np.uint64)
    b = rng.integers(0, 1 << fmt.width, n, dtype=np.uint64)
    # Half the pairs get exponents whose sum sits at the underflow or overflow threshold.
    ea = rng.integers(1, fmt.exponent_all_ones + 1, n)
    near = (
        fmt.bias
        + rng.integers(-2, 3, n)
        + np.where(rng.random(n) < 0.5, 0, fmt.max_biased_exponent)
    )
    eb = np.clip(near - ea, 0, fmt.exponent_all_ones)
    half = n // 2
    a[:half] = (a[:half] & ~np.uint64(fmt.exponent_all_ones << fmt.mantissa_bits)) | (
        ea[:half].astype(np.uint64) << np.uint64(fmt.mantissa_bits)
    )
    b[:half] = (b[:half] & ~np.uint64(fmt.exponent_all_ones << fmt.mantissa_bits)) | (
        eb[:half].astype(np.uint64) << np.uint64(fmt.mantissa_bits)
    )
    a, b = a.astype(fmt.code_dtype), b.astype(fmt.code_dtype)
    for overflow in ("nonsat", "sat"):
        _check(fmt, a, b, variant, overflow)


def test_offset_and_constants():
    assert [lmul.lmul_l(m) for m in range(8)] == [0, 1, 2, 3, 3, 4, 4, 4]
    assert [lmul.offset_ulps(m) for m in (2, 3, 4, 7, 23)] == [1, 1, 2, 8, 1 << 19]
    assert lmul.offset_ulps(7, variant="mitchell") == 0
    bf16, fp32 = get_format("bf16"), get_format("fp32")
    # The paper's code subtracts 0x3F78 (bf16) and 0x3F780000 (fp32) from Fx + Fy.
    assert (bf16.bias << 7) - lmul.offset_ulps(7) == 0x3F78
    assert (fp32.bias << 23) - lmul.offset_ulps(23) == 0x3F780000


def test_int_add_differs_from_formula_when_the_mantissas_carry():
    e4m3 = get_format("e4m3")
    x, y = e4m3.encode(np.array([1.875])), e4m3.encode(np.array([1.5]))
    values = {v: float(e4m3.decode(lmul.lmul(x, y, fmt=e4m3, variant=v))[0]) for v in lmul.VARIANTS}
    # xm + ym + 1/8 = 1.5 >= 1: int_add gives 2 * 1.5, the formula 2 * (2.5 / 2).
    assert values == {"int_add": 3.0, "formula": 2.5, "mitchell": 2.75}
    small = e4m3.encode(np.array([1.25]))
    assert e4m3.decode(lmul.lmul(small, small, fmt=e4m3))[0] == 1.625  # 1 + .25 + .25 + .125


def test_special_values_e4m3_e5m2():
    e4m3, e5m2 = get_format("e4m3"), get_format("e5m2")
    one, sub = 0x38, 0x01

    def e4(a, b, **kw):
        return lmul.lmul(np.array(a), np.array(b), fmt=e4m3, **kw).tolist()

    assert e4([sub, 0x80 | sub], [one, one]) == [0, 0x80]  # subnormal -> signed zero
    assert e4([0x7F, 0x7E], [0, 0x7E]) == [0x7F, 0x7F]  # NaN; overflow -> NaN
    assert e4([0x7E], [0xFE], overflow="sat") == [0xFE]
    assert e4([0x7E], [0xFE]) == [0xFF]
    assert e4([0x7E], [0x38]) == [0x7F]  # 448 x 1 + offset lands on S.1111.111: NaN
    inf, ninf = 0x7C, 0xFC
    got = lmul.lmul(
        np.array([inf, inf, ninf, inf, 0x7D]), np.array([0x3C, 0x00, 0x01, inf, 0x3C]), fmt=e5m2
    )
    assert got[0] == inf and e5m2.is_nan(got[1]) and got[2] == ninf and got[3] == inf
    assert e5m2.is_nan(got[4])


@pytest.mark.parametrize("variant", lmul.VARIANTS)
def test_values_model_matches_codes_model(variant):
    bf16 = get_format("bf16")
    rng = np.random.default_rng(17)
    x = bf16.decode(bf16.encode(rng.standard_normal(20000) * 4))
    y = bf16.decode(bf16.encode(rng.standard_normal(20000) * 4))
    x[:3] = [0.0, -0.0, 1.0]
    codes = bf16.decode(lmul.lmul(bf16.encode(x), bf16.encode(y), fmt=bf16, variant=variant))
    values = lmul.lmul_values(x, y, m=7, variant=variant)
    np.testing.assert_array_equal(values, codes)
    np.testing.assert_array_equal(np.signbit(values), np.signbit(codes))


def test_formula_exact_values():
    x = np.array([1.875, -1.25, 0.0])
    y = np.array([1.5, 3.0, 2.0])
    got = lmul.lmul_values(x, y, m=3, variant="formula_exact")
    assert got.tolist() == [1 + 0.875 + 0.5 + 0.125, -2 * (1 + 0.25 + 0.5 + 0.125), 0.0]


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: lmul.lmul(np.array([1]), np.array([1]), fmt="e4m3", variant="exact"),
            ["int_add, formula, mitchell"],
        ),
        (lambda: lmul.lmul(np.array([1]), np.array([1]), fmt="int8"), ["float format"]),
        (lambda: lmul.lmul(np.array([256]), np.array([1]), fmt="e4m3"), ["outside e4m3"]),
        (
            lambda: lmul.lmul(np.zeros((2, 3), np.uint8), np.zeros(2, np.uint8), fmt="e4m3"),
            ["shapes"],
        ),
        (lambda: lmul.lmul_values(np.array([1.1]), np.array([1.0]), m=3), ["m=3"]),
    ],
)
def test_bad_input(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)
