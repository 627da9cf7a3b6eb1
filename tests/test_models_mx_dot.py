"""The block dot contract against exact rational sums (fractions) and ml_dtypes decoding."""

import math
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from picojoule.base.errors import UserError
from picojoule.models.lmul import lmul_values
from picojoule.models.mx_dot import accumulator_layout, block_dot, dot_general
from picojoule.models.mx_formats import BlockFormat, BlockTensor, ElementFormat, quantize
from picojoule.models.mx_unit import MxDot, mx_suite

ML = {
    "e4m3": ml_dtypes.float8_e4m3fn,
    "e5m2": ml_dtypes.float8_e5m2,
    "e3m2": ml_dtypes.float6_e3m2fn,
    "e2m3": ml_dtypes.float6_e2m3fn,
    "e2m1": ml_dtypes.float4_e2m1fn,
}
OUT = {"fp32": (23, 127, np.float32, np.uint32), "bf16": (7, 127, ml_dtypes.bfloat16, np.uint16)}


def element_value(name, code):
    """An element's value by ml_dtypes (int8: i/64), as a float (exact)."""
    if name == "int8":
        return (code - 256 if code >= 128 else code) / 64
    return float(np.array([code], np.uint8).view(ML[name]).astype(np.float32)[0])


def scale_value(name, code):
    dtype = ml_dtypes.float8_e8m0fnu if name == "e8m0" else ml_dtypes.float8_e4m3fn
    return float(np.array([code], np.uint8).view(dtype).astype(np.float32)[0])


def round_fraction(x, out):
    """x rounded to nearest, ties to even, onto ``out`` (fp32 or bf16), overflow to Inf."""
    mant, bias, dtype, _ = OUT[out]
    if x == 0:
        return 0.0
    e = math.floor(math.log2(abs(x)))  # may be off by one near powers of two: fix below
    while Fraction(2) ** e > abs(x):
        e -= 1
    while Fraction(2) ** (e + 1) <= abs(x):
        e += 1
    q = max(e, 1 - bias) - mant
    r = round(x / Fraction(2) ** q) * Fraction(2) ** q  # Fraction.__round__: ties to even
    limit = (2 - Fraction(1, 2**mant)) * Fraction(2) ** bias
    if abs(r) > limit:
        return math.copysign(math.inf, x)
    return float(dtype(float(r)))


def oracle(spec, a_el, a_sc, b_el, b_sc):
    """Dot of one block pair by exact rational arithmetic, IEEE rules for the specials."""
    fa, fb = spec.in_formats
    xa, xb = scale_value(fa.scale.name, a_sc), scale_value(fb.scale.name, b_sc)
    av = [element_value(spec.a, c) for c in a_el]
    bv = [element_value(spec.b, c) for c in b_el]
    if spec.products == "lmul":
        m = ElementFormat(spec.a).float_format.mantissa_bits
        sub = ElementFormat(spec.a).float_format.min_normal
        flush = [0.0 if abs(v) < sub else v for v in av], [0.0 if abs(v) < sub else v for v in bv]
        with np.errstate(invalid="ignore"):
            products = list(lmul_values(np.array(flush[0]), np.array(flush[1]), m=m))
    else:
        products = [x * y if math.isinf(x) or math.isinf(y) else None for x, y in zip(av, bv)]
    if math.isnan(xa) or math.isnan(xb) or any(math.isnan(v) for v in av + bv):
        return math.nan
    infinite = [p for p in products if p is not None and (math.isinf(p) or math.isnan(p))]
    if infinite:
        total = sum(infinite)  # float: +Inf + -Inf and Inf x 0 give NaN
        return total * (xa * xb) if (xa * xb) != 0 else math.nan
    if spec.products == "lmul":
        exact = sum(Fraction(p) for p in products)
    else:
        exact = sum(Fraction(x) * Fraction(y) for x, y in zip(av, bv))
    return round_fraction(exact * Fraction(xa) * Fraction(xb), spec.out)


def bits(value, out):
    _, _, dtype, view = OUT[out]
    if math.isnan(value):
        return "nan"
    return int(np.array([value], dtype).view(view)[0])


def golden_values(spec, a_el, a_sc, b_el, b_sc):
    codes = spec.golden_blocks(a_el, a_sc, b_el, b_sc)
    fmt = spec.out_format
    return ["nan" if fmt.is_nan(np.array([c]))[0] else int(c) for c in np.asarray(codes).ravel()]


def _random_blocks(spec, rng, n):
    fa, fb = spec.in_formats
    k = spec.k
    a_el = rng.integers(0, 1 << fa.element.width, (n, k))
    b_el = rng.integers(0, 1 << fb.element.width, (n, k))
    lo, hi = (100, 155) if spec.scale == "e8m0" else (0, 127)
    a_sc = rng.integers(lo, hi, n)
    b_sc = rng.integers(lo, hi, n)
    if spec.scale == "e8m0":  # a few extreme and NaN scales
        a_sc[::17] = rng.choice([0, 1, 254, 255], a_sc[::17].size)
    return a_el, a_sc, b_el, b_sc


SPECS = [*{s.pipelined(0) for s in mx_suite()}, MxDot(a="e2m3", k=5), MxDot(a="e4m3", out="bf16")]


@pytest.mark.parametrize("spec", sorted(SPECS, key=lambda s: s.name), ids=lambda s: s.name)
def test_block_dot_matches_fraction_oracle(spec):
    rng = np.random.default_rng(11)
    a_el, a_sc, b_el, b_sc = _random_blocks(spec, rng, 150)
    got = golden_values(spec, a_el, a_sc, b_el, b_sc)
    want = [bits(oracle(spec, a_el[i], a_sc[i], b_el[i], b_sc[i]), spec.out) for i in range(150)]
    assert got == want


def _one(spec, a_el, a_sc, b_el, b_sc):
    return golden_values(spec, np.array([a_el]), np.array([a_sc]), np.array([b_el]), [b_sc])[0]


def test_directed_special_blocks():
    spec = MxDot(a="e5m2", k=4)
    one, inf, zero, nan = 0x3C, 0x7C, 0x00, 0x7E
    neg_inf = inf | 0x80
    fp32_inf = 0x7F800000
    assert _one(spec, [one] * 4, 255, [one] * 4, 127) == "nan"  # NaN scale
    assert _one(spec, [nan, 0, 0, 0], 127, [one] * 4, 127) == "nan"
    assert _one(spec, [inf, 0, 0, 0], 127, [zero, 0, 0, 0], 127) == "nan"  # Inf x 0
    assert _one(spec, [inf, neg_inf, 0, 0], 127, [one, one, 0, 0], 127) == "nan"
    assert _one(spec, [inf, one, 0, 0], 127, [one, one, 0, 0], 127) == fp32_inf
    assert _one(spec, [inf, one, 0, 0], 127, [one | 0x80, one, 0, 0], 127) == fp32_inf | 1 << 31
    big = 0x7B  # e5m2 max finite 57344
    assert _one(spec, [big] * 4, 254, [big] * 4, 254) == fp32_inf  # overflow
    assert _one(spec, [one, one | 0x80, 0, 0], 127, [one, one, 0, 0], 127) == 0  # cancels to +0
    e4 = MxDot(a="e4m3", k=2)
    # 2^-127 * 2^-127 * 1 * 1 underflows; min subnormal e4m3 squared even more -> +0
    assert _one(e4, [0x38, 0], 0, [0x38, 0], 0) == 0
    # 2^-(127-127+...) into fp32 subnormals: 2^-140 = scale 2^-70 * 2^-70
    assert _one(e4, [0x38, 0], 57, [0x38, 0], 57) == 1 << (149 - 140)


def test_tie_at_final_rounding_is_even():
    """2^16 + 2^-8 is a tie (fp32 ULP at 2^16 is 2^-7): stays 2^16 (even mantissa);
    2^16 + 2^-7 + 2^-8 lies between an odd and an even neighbour: rounds up."""
    spec = MxDot(a="e4m3", k=3)
    p16, m4, m3 = 0x78, 0x18, 0x20  # e4m3 2^8, 2^-4, 2^-3
    assert _one(spec, [p16, m4, 0], 127, [p16, m4, 0], 127) == 0x47800000
    assert _one(spec, [p16, m4, m4], 127, [p16, m4, m3], 127) == 0x47800002


def test_accumulator_layout_holds_every_sum():
    e4 = ElementFormat("e4m3")
    lsb, width = accumulator_layout(e4, e4, 32)
    assert lsb == -18  # (2^-9)^2: smallest subnormal squared
    assert width == 36 + 5 + 1  # 448^2 < 2^18 -> 36 magnitude bits, 5 carry bits, sign
    e5 = ElementFormat("e5m2")
    assert accumulator_layout(e5, e5, 32) == (-32, 32 + 32 + 5 + 1)


def _seq_oracle(spec, qa, qb):
    """DotGeneral by the fraction oracle: fp32 accumulation in block order."""
    M, n, _ = qa.elements.shape
    N = qb.elements.shape[0]
    out = np.zeros((M, N), np.float32)
    for m in range(M):
        for c in range(N):
            acc = np.float32(0)
            for j in range(n):
                d = oracle(
                    spec, qa.elements[m, j], qa.scales[m, j], qb.elements[c, j], qb.scales[c, j]
                )
                with np.errstate(invalid="ignore"):
                    acc = np.float32(acc + np.float32(d))
            out[m, c] = acc
    return out


@pytest.mark.parametrize(
    "spec",
    [MxDot(a="e4m3"), MxDot(a="e2m1"), MxDot(a="e5m2", k=8), MxDot(a="e2m1", k=16, scale="e4m3")],
    ids=lambda s: s.name,
)
def test_dot_general_fast_exact_and_oracle_agree(spec):
    rng = np.random.default_rng(2)
    fa, fb = spec.in_formats
    x = rng.standard_normal((3, 3 * spec.k)) * 4
    w = rng.standard_normal((2, 3 * spec.k))
    qa, qb = quantize(x, fmt=fa), quantize(w, fmt=fb)
    fast = dot_general(qa, qb)
    exact = dot_general(qa, qb, fast=False)
    assert np.array_equal(fast.view(np.uint32), exact.view(np.uint32))
    want = _seq_oracle(spec, qa, qb)
    if fa.two_level:
        want = want * np.float32(np.float32(qa.tensor_scale) * np.float32(qb.tensor_scale))
    assert np.array_equal(exact.view(np.uint32), want.astype(np.float32).view(np.uint32))
    assert np.allclose(fast, x @ w.T, rtol=0.3, atol=0.3 * np.abs(x @ w.T).max())


def test_dot_general_extreme_scales_fall_back_exactly():
    """Scales that would leave float32's range make the fast path pick float64 or ints."""
    f = BlockFormat(element="e2m1", k=4)
    rng = np.random.default_rng(4)
    el_a, el_b = rng.integers(0, 16, (3, 2, 4)), rng.integers(0, 16, (2, 2, 4))
    for scales in ((0, 254), (1, 2), (200, 250)):
        a = BlockTensor(f, el_a, np.full((3, 2), scales[0]))
        b = BlockTensor(f, el_b, np.full((2, 2), scales[1]))
        fast, exact = dot_general(a, b), dot_general(a, b, fast=False)
        assert np.array_equal(fast.view(np.uint32), exact.view(np.uint32))


def test_bad_input():
    with pytest.raises(UserError, match="choose from exact, lmul"):
        MxDot(products="approx")
    with pytest.raises(UserError, match="equal float formats"):
        MxDot(a="e4m3", b="e2m1", products="lmul")
    with pytest.raises(UserError, match="choose from fp32, bf16"):
        MxDot(out="fp16")
    with pytest.raises(UserError, match=r"choose k in 1\.\.64"):
        MxDot(k=100)
    f = BlockFormat(element="e4m3", k=2)
    with pytest.raises(UserError, match=r"choose codes in 0\.\.255"):
        block_dot([[1, 2]], [300], [[1, 2]], [1], a_fmt=f, b_fmt=f)
    with pytest.raises(UserError, match="k=2 elements"):
        block_dot([[1, 2, 3]], [1], [[1, 2, 3]], [1], a_fmt=f, b_fmt=f)


def test_unit_spec_round_trips_through_params():
    for spec in mx_suite():
        assert MxDot.from_params(spec.params()) == spec
        a_fmt, b_fmt = spec.in_formats
        assert a_fmt.width == spec.k * a_fmt.element.width + 8
    assert len({s.name for s in mx_suite()}) == len(mx_suite())
