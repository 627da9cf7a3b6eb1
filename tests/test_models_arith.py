"""Floating-point and integer arithmetic models against independent oracles.

Oracles: ml_dtypes / numpy (a product of two formats is exact in float32 for fp8, fp16 and
bf16 inputs, so one cast rounds it once), and a plain Fraction-based rounding written here.
"""

import math
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from picojoule.models import arith
from picojoule.models.formats import Overflow, get_format

ML = {"e4m3": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2}
PAIRS = (
    np.repeat(np.arange(256, dtype=np.uint8), 256),
    np.tile(np.arange(256, dtype=np.uint8), 256),
)


def _ml_product(a, b, fa, fb, fo, overflow):
    """ml_dtypes reference: exact float32 product, one non-saturating cast; saturation here."""
    with np.errstate(invalid="ignore", over="ignore"):
        p = a.view(ML[fa]).astype(np.float32) * b.view(ML[fb]).astype(np.float32)
        ref = p.astype(ML[fo]).view(np.uint8)
    if overflow == "sat":
        out = get_format(fo)
        overflowed = ~np.isnan(p) & (out.is_nan(ref) | out.is_inf(ref))
        if out.has_inf:
            overflowed &= np.isfinite(p)
        sat = np.where(p < 0, out.max_finite_code | out.sign_mask, out.max_finite_code)
        ref = np.where(overflowed, sat, ref).astype(np.uint8)
    return ref


@pytest.mark.parametrize("overflow", ["nonsat", "sat"])
@pytest.mark.parametrize(
    "fa, fb, fo",
    [
        ("e4m3", "e4m3", "e4m3"),
        ("e5m2", "e5m2", "e5m2"),
        ("e4m3", "e5m2", "e4m3"),
        ("e4m3", "e5m2", "e5m2"),
    ],
)
def test_fp8_multiply_exhaustive_against_ml_dtypes(fa, fb, fo, overflow):
    a, b = PAIRS
    got = arith.fp_mul(a, b, a_fmt=fa, b_fmt=fb, out_fmt=fo, overflow=overflow)
    ref = _ml_product(a, b, fa, fb, fo, overflow)
    out = get_format(fo)
    nan = out.is_nan(got)
    np.testing.assert_array_equal(nan, out.is_nan(ref))  # NaN compared as a class
    np.testing.assert_array_equal(got[~nan], ref[~nan])
    assert got.dtype == np.uint8


def test_fp8_multiply_table_equals_direct_model():
    a, b = PAIRS
    spec = dict(
        a_fmt=get_format("e5m2"),
        b_fmt=get_format("e4m3"),
        out_fmt=get_format("e4m3"),
        overflow=Overflow.SAT,
    )
    direct = arith._fp_mul_direct(a.astype(np.int64), b.astype(np.int64), **spec)
    np.testing.assert_array_equal(arith.fp_mul(a, b, **spec), direct)


@pytest.mark.parametrize(
    "name, ref_type", [("fp16", np.float16), ("bf16", ml_dtypes.bfloat16), ("fp32", np.float32)]
)
def test_wide_multiply_against_numpy(name, ref_type):
    fmt = get_format(name)
    rng = np.random.default_rng(5)
    n = 300_000
    top = 1 << fmt.width
    a = rng.integers(0, top, n, dtype=np.uint64).astype(fmt.code_dtype)
    b = rng.integers(0, top, n, dtype=np.uint64).astype(fmt.code_dtype)
    # Steer a third of the pairs to tiny/huge exponents (subnormal and overflowing products).
    b[: n // 3] = (b[: n // 3] & (fmt.sign_mask | fmt.mantissa_mask)) | (
        rng.integers(0, 4, n // 3) << fmt.mantissa_bits
    ).astype(fmt.code_dtype)
    got = arith.fp_mul(a, b, a_fmt=fmt, b_fmt=fmt, out_fmt=fmt)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        if name == "fp32":
            ref = (a.view(np.float32) * b.view(np.float32)).view(np.uint32)
        elif name == "fp16":
            ref = (
                (a.view(np.float16).astype(np.float32) * b.view(np.float16).astype(np.float32))
                .astype(np.float16)
                .view(np.uint16)
            )
        else:
            ref = (
                (a.view(ref_type).astype(np.float32) * b.view(ref_type).astype(np.float32))
                .astype(ref_type)
                .view(np.uint16)
            )
    nan = fmt.is_nan(got)
    np.testing.assert_array_equal(nan, fmt.is_nan(ref))
    np.testing.assert_array_equal(got[~nan], ref[~nan])


# -- an independent rounding of exact rationals ------------------------------------------------


def _round_exact(q, *, negative, fmt, overflow):
    """Code of the exact rational ``q`` (>= 0, with sign ``negative``) rounded RNE into fmt."""
    sign_bit = fmt.sign_mask if negative and fmt.has_negative_zero else 0
    if q == 0:
        return sign_bit
    e = q.numerator.bit_length() - q.denominator.bit_length()
    while Fraction(2) ** e > q:
        e -= 1
    while Fraction(2) ** (e + 1) <= q:
        e += 1
    exponent = max(e, 1 - fmt.bias) - fmt.mantissa_bits  # of the quantum
    scaled = q / Fraction(2) ** exponent
    n = math.floor(scaled)
    rest = scaled - n
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1):
        n += 1
    if n == 1 << (fmt.mantissa_bits + 1):  # rounded up into the next binade
        n, exponent = n // 2, exponent + 1
    if n == 0:
        return sign_bit
    if n * Fraction(2) ** exponent > Fraction(fmt.max_finite):
        saturate = overflow == "sat" or not fmt.has_nan
        if saturate:
            code = fmt.max_finite_code
        else:
            code = fmt.inf_code if fmt.has_inf else fmt.nan_code
        return code | (fmt.sign_mask if negative else 0)
    hidden = 1 << fmt.mantissa_bits
    if n >= hidden:
        code = ((exponent + fmt.mantissa_bits + fmt.bias) << fmt.mantissa_bits) | (n - hidden)
    else:
        code = n
    return code | (fmt.sign_mask if negative else 0)


def _exact_sum_code(x, y, *, fmt, overflow):
    if math.isnan(x) or math.isnan(y) or (math.isinf(x) and math.isinf(y) and x != y):
        return fmt.nan_code
    if math.isinf(x) or math.isinf(y):
        return int(fmt.encode(np.array(x + y), overflow=overflow))
    q = Fraction(x) + Fraction(y)
    if q == 0:
        both_negative = math.copysign(1, x) < 0 and math.copysign(1, y) < 0
        return fmt.sign_mask if both_negative and fmt.has_negative_zero else 0
    return _round_exact(abs(q), negative=q < 0, fmt=fmt, overflow=overflow)


def _check_add(a, b, fa, fb, fo, overflow):
    fa, fb, fo = get_format(fa), get_format(fb), get_format(fo)
    got = arith.fp_add(a, b, a_fmt=fa, b_fmt=fb, out_fmt=fo, overflow=overflow)
    xs, ys = fa.decode(a), fb.decode(b)
    ref = np.array(
        [_exact_sum_code(float(x), float(y), fmt=fo, overflow=overflow) for x, y in zip(xs, ys)],
        dtype=np.int64,
    )
    nan = fo.is_nan(got)
    np.testing.assert_array_equal(nan, fo.is_nan(ref))
    np.testing.assert_array_equal(got[~nan], ref[~nan])


def test_fp8_add_against_fractions():
    a, b = PAIRS
    _check_add(a[::5], b[::5], "e4m3", "e5m2", "e4m3", "nonsat")  # every 5th of all pairs
    _check_add(a[1::7], b[1::7], "e5m2", "e5m2", "e5m2", "sat")


@pytest.mark.parametrize(
    "fa, fb, fo, overflow",
    [
        ("fp32", "fp32", "e4m3", "nonsat"),
        ("fp32", "fp32", "e5m2", "sat"),
        ("fp32", "fp32", "fp32", "nonsat"),
        ("fp16", "bf16", "e5m2", "nonsat"),
        ("bf16", "fp32", "fp16", "sat"),
        ("e5m2", "fp16", "e4m3fnuz", "nonsat"),
    ],
)
def test_mixed_add_against_fractions(fa, fb, fo, overflow):
    fa_, fb_, fo_ = get_format(fa), get_format(fb), get_format(fo)
    rng = np.random.default_rng(7)
    n = 4000
    # Values near the output's range, so rounding, subnormals and overflow all happen.
    x = np.ldexp(
        rng.standard_normal(n), rng.integers(-fo_.bias - fo_.mantissa_bits - 1, fo_.bias + 2, n)
    )
    y = np.where(
        rng.random(n) < 0.5,
        -x * (1 + np.ldexp(rng.standard_normal(n), -rng.integers(1, 30, n))),
        np.ldexp(rng.standard_normal(n), rng.integers(-40, 5, n)) * x,
    )
    a = fa_.encode(x, overflow="sat")
    b = fb_.encode(y, overflow="sat")
    _check_add(a, b, fa, fb, fo, overflow)


def test_add_breaks_midpoint_ties_with_the_residual():
    """fp32 + fp32 -> e4m3 where the float64 sum lands on an e4m3 midpoint but the exact
    sum does not: a plain float64 sum rounded twice gets these wrong."""
    fp32, e4m3 = get_format("fp32"), get_format("e4m3")
    big = np.array([1.0625, 1.0625, 1.1875, -1.0625])  # e4m3 midpoints (1 + k/16)
    tiny = np.array([2.0**-60, -(2.0**-60), 2.0**-70, 2.0**-60])
    got = arith.fp_add(fp32.encode(big), fp32.encode(tiny), a_fmt=fp32, b_fmt=fp32, out_fmt=e4m3)
    assert e4m3.decode(got).tolist() == [1.125, 1.0, 1.25, -1.0]


def test_signed_zeros_and_special_sums():
    fp16 = get_format("fp16")
    vals = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0])
    codes = fp16.encode(vals)
    a, b = np.meshgrid(codes, codes, indexing="ij")
    out = fp16.decode(arith.fp_add(a, b, a_fmt=fp16, b_fmt=fp16, out_fmt=fp16))
    with np.errstate(invalid="ignore"):
        ref = vals[:, None] + vals[None, :]
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_array_equal(out[ok], ref[ok])
    np.testing.assert_array_equal(np.signbit(out[ok]), np.signbit(ref[ok]))
    prod = fp16.decode(arith.fp_mul(a, b, a_fmt=fp16, b_fmt=fp16, out_fmt=fp16))
    with np.errstate(invalid="ignore"):
        ref = vals[:, None] * vals[None, :]
    ok = ~np.isnan(ref)
    np.testing.assert_array_equal(np.isnan(prod), np.isnan(ref))
    np.testing.assert_array_equal(np.signbit(prod[ok]), np.signbit(ref[ok]))


# -- integers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fa, fb", [("int8", "int8"), ("uint8", "uint8"), ("int8", "uint8"), ("int4", "uint4")]
)
def test_int_mul_add_exhaustive(fa, fb):
    a_fmt, b_fmt = get_format(fa), get_format(fb)
    a, b = np.meshgrid(a_fmt.all_codes(), b_fmt.all_codes(), indexing="ij")
    av, bv = a_fmt.decode(a), b_fmt.decode(b)
    prod = arith.int_mul(a, b, a_fmt=fa, b_fmt=fb)
    width = a_fmt.width + b_fmt.width
    np.testing.assert_array_equal(prod, (av * bv) % (1 << width))
    total = arith.int_add(a, b, a_fmt=fa, b_fmt=fb, out_fmt="int8")
    np.testing.assert_array_equal(total, (av + bv) % 256)


@pytest.mark.parametrize("fa, fb", [("int32", "int32"), ("uint32", "uint32"), ("int32", "uint32")])
def test_int32_against_python_ints(fa, fb):
    a_fmt, b_fmt = get_format(fa), get_format(fb)
    rng = np.random.default_rng(11)
    a = rng.integers(0, 1 << 32, 2000, dtype=np.uint64).astype(np.uint32)
    b = rng.integers(0, 1 << 32, 2000, dtype=np.uint64).astype(np.uint32)
    a[:4] = [0x80000000, 0xFFFFFFFF, 0x7FFFFFFF, 0]
    b[:4] = [0x80000000, 0xFFFFFFFF, 0x80000000, 5]
    prod = arith.int_mul(a, b, a_fmt=fa, b_fmt=fb)
    total = arith.int_add(a, b, a_fmt=fa, b_fmt=fb)
    assert prod.dtype == np.uint64
    for x, y, p, s in zip(a_fmt.decode(a), b_fmt.decode(b), prod, total):
        assert int(p) == (int(x) * int(y)) % (1 << 64)
        assert int(s) == (int(x) + int(y)) % (1 << 33)


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: arith.fp_mul(
                np.zeros(3, np.uint8),
                np.zeros(4, np.uint8),
                a_fmt="e4m3",
                b_fmt="e4m3",
                out_fmt="e4m3",
            ),
            ["shapes (3,) and (4,)", "same shape"],
        ),
        (
            lambda: arith.fp_mul(
                np.array([300]), np.array([1]), a_fmt="e4m3", b_fmt="e4m3", out_fmt="e4m3"
            ),
            ["outside e4m3", "[0, 255]"],
        ),
        (
            lambda: arith.fp_add(
                np.array([1]), np.array([1]), a_fmt="fp9", b_fmt="e4m3", out_fmt="e4m3"
            ),
            ["unknown format", "e4m3"],
        ),
        (
            lambda: arith.fp_mul(
                np.array([1]), np.array([1]), a_fmt="e4m3", b_fmt="e4m3", out_fmt="int8"
            ),
            ["integer format", "e4m3"],
        ),
        (
            lambda: arith.fp_mul(
                np.array([1]),
                np.array([1]),
                a_fmt="e4m3",
                b_fmt="e4m3",
                out_fmt="e4m3",
                overflow="clip",
            ),
            ["nonsat, sat"],
        ),
        (
            lambda: arith.int_mul(np.array([1]), np.array([1]), a_fmt="int33", b_fmt="int8"),
            ["unknown format"],
        ),
        (
            lambda: arith.int_mul(
                np.array([1]),
                np.array([1]),
                a_fmt=get_format("int32").__class__("int40", 40),
                b_fmt="int8",
            ),
            ["above 32", "1..32"],
        ),
        (
            lambda: arith.int_add(np.array([1]), np.array([1]), a_fmt="e4m3", b_fmt="int8"),
            ["float format", "int8"],
        ),
        (
            lambda: arith.int_add(np.array([-1]), np.array([1]), a_fmt="int8", b_fmt="int8"),
            ["outside int8", "[0, 255]"],
        ),
    ],
)
def test_bad_input(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    "fa, fb, fo, overflow",
    [
        ("fp32", "fp32", "bf16", "nonsat"),
        ("bf16", "fp16", "e4m3", "sat"),
        ("fp32", "e5m2", "e2m3", "sat"),
        ("fp16", "fp16", "e5m2fnuz", "nonsat"),
    ],
)
def test_mixed_multiply_against_fractions(fa, fb, fo, overflow):
    fa, fb, fo = get_format(fa), get_format(fb), get_format(fo)
    rng = np.random.default_rng(9)
    n = 3000
    x = np.ldexp(rng.standard_normal(n), rng.integers(-fo.bias - 4, fo.bias // 2 + 3, n))
    y = np.ldexp(rng.standard_normal(n), rng.integers(-fo.bias // 2 - 6, fo.bias // 2 + 2, n))
    a, b = fa.encode(x, overflow="sat"), fb.encode(y, overflow="sat")
    got = arith.fp_mul(a, b, a_fmt=fa, b_fmt=fb, out_fmt=fo, overflow=overflow)
    ref = []
    for xv, yv in zip(fa.decode(a), fb.decode(b)):
        q = Fraction(float(xv)) * Fraction(float(yv))
        negative = math.copysign(1, xv) * math.copysign(1, yv) < 0
        ref.append(_round_exact(abs(q), negative=negative, fmt=fo, overflow=overflow))
    np.testing.assert_array_equal(got, np.array(ref))


@pytest.mark.parametrize(
    "fa, fb, fo",
    [
        ("e1m1finite", "e3m3fnb2", "e5m0fn"),
        ("e4m1", "e2m3", "e3m2"),
        ("e3m2", "e5m0fn", "e4m3fnuz"),
        ("e2m1", "e2m1", "e4m1"),
    ],
)
def test_odd_formats_exhaustive_against_fractions(fa, fb, fo):
    """Tiny and unusual formats (M = 0, E = 1, explicit bias, every special convention)."""
    fa, fb, fo = get_format(fa), get_format(fb), get_format(fo)
    a = np.repeat(fa.all_codes(), 1 << fb.width)
    b = np.tile(fb.all_codes(), 1 << fa.width)
    xs, ys = fa.decode(a), fb.decode(b)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if not fo.has_nan and not ok.all():
        with pytest.raises(ValueError, match=f"{fo.name} has no NaN"):
            arith.fp_mul(a, b, a_fmt=fa, b_fmt=fb, out_fmt=fo)
    for overflow in ("nonsat", "sat"):
        got = arith.fp_mul(a[ok], b[ok], a_fmt=fa, b_fmt=fb, out_fmt=fo, overflow=overflow)
        ref = [
            _round_exact(
                abs(Fraction(float(x)) * Fraction(float(y))),
                fmt=fo,
                negative=math.copysign(1, x) * math.copysign(1, y) < 0,
                overflow=overflow,
            )
            for x, y in zip(xs[ok], ys[ok])
        ]
        np.testing.assert_array_equal(got, np.array(ref))
        assert got.dtype == fo.code_dtype
        _check_add(a[ok], b[ok], fa, fb, fo, overflow)
