"""lmul_matmul equals element-wise L-Mul with float64 accumulation."""

import numpy as np
import pytest

from picojoule.models import accuracy, lmul, lmul_matmul
from picojoule.models.formats import get_format


def _codes(fmt, shape, rng, *, exponents, zeros=0.15, specials=False):
    """Codes with unbiased exponents drawn from ``exponents``, some zeros and subnormals."""
    mant = rng.integers(0, 1 << fmt.mantissa_bits, shape)
    e = rng.integers(exponents[0], exponents[1] + 1, shape) + fmt.bias
    codes = (rng.integers(0, 2, shape) << (fmt.width - 1)) | (e << fmt.mantissa_bits) | mant
    codes = np.where(rng.random(shape) < zeros, 0, codes)
    codes = np.where(rng.random(shape) < zeros / 3, mant, codes)  # subnormals
    if specials:
        codes[0, 0] = fmt.nan_code
        if fmt.has_inf:
            codes[-1, -1] = fmt.inf_code
    return codes.astype(fmt.code_dtype)


def _elementwise(x, y, fmt, variant):
    prods = fmt.decode(lmul.lmul(x[:, :, None], y[None, :, :], fmt=fmt, variant=variant))
    with np.errstate(invalid="ignore"):
        return prods.sum(axis=1)


@pytest.mark.parametrize("variant", lmul.VARIANTS)
@pytest.mark.parametrize("name", ["e4m3", "e5m2"])
def test_fp8_fast_path_equals_elementwise(name, variant):
    fmt = get_format(name)
    rng = np.random.default_rng(21)
    x = _codes(fmt, (37, 64), rng, exponents=(-2, 2))
    y = _codes(fmt, (64, 29), rng, exponents=(-2, 2))
    assert lmul_matmul.fast_path_fraction(x, y, fmt=fmt, variant=variant) == 1.0
    got = lmul_matmul.lmul_matmul(x, y, fmt=fmt, variant=variant)
    ref = _elementwise(x, y, fmt, variant)
    np.testing.assert_array_equal(got, ref)  # all sums are exact in float64 here


@pytest.mark.parametrize("variant", lmul.VARIANTS)
@pytest.mark.parametrize("name", ["e4m3", "e5m2", "bf16"])
def test_full_range_with_specials_equals_elementwise(name, variant):
    """Exponents spanning the whole range: underflow, overflow, NaN, Inf take the slow path."""
    fmt = get_format(name)
    rng = np.random.default_rng(22)
    lo, hi = 1 - fmt.bias, fmt.max_biased_exponent - fmt.bias
    x = _codes(fmt, (23, 41), rng, exponents=(lo, hi), specials=True)
    y = _codes(fmt, (41, 19), rng, exponents=(lo, hi), specials=True)
    # Some rows and columns kept in a safe band so both paths are exercised.
    x[5:15] = _codes(fmt, (10, 41), rng, exponents=(-1, 1))
    y[:, 3:12] = _codes(fmt, (41, 9), rng, exponents=(-1, 1))
    fraction = lmul_matmul.fast_path_fraction(x, y, fmt=fmt, variant=variant)
    if fmt.mantissa_bits <= lmul_matmul.MAX_SPLIT_BITS:
        assert 0 < fraction < 1
    else:
        assert fraction == 0  # no exact split: element-wise
    got = lmul_matmul.lmul_matmul(x, y, fmt=fmt, variant=variant)
    ref = _elementwise(x, y, fmt, variant)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    finite = np.isfinite(ref)
    np.testing.assert_array_equal(got[~finite & ~np.isnan(ref)], ref[~finite & ~np.isnan(ref)])
    scale = np.abs(
        fmt.decode(lmul.lmul(x[:, :, None], y[None, :, :], fmt=fmt, variant=variant))
    ).sum(axis=1)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_less(np.abs(got - ref)[finite], 1e-15 * scale[finite] + 1e-300)


@pytest.mark.parametrize("variant", ["int_add", "mitchell", "formula", "formula_exact"])
@pytest.mark.parametrize("m", [2, 3, 7])
def test_m_bit_values_equal_elementwise(m, variant):
    rng = np.random.default_rng(23)

    def values(shape):
        v = rng.standard_normal(shape)
        mant, e = np.frexp(v)
        v = np.ldexp(np.trunc(np.ldexp(mant, m + 1)), e - m - 1)  # truncate to m bits
        v[rng.random(shape) < 0.1] = 0.0
        return v

    x, y = values((31, 57)), values((57, 26))
    got = lmul_matmul.lmul_matmul(x, y, m=m, variant=variant)
    prods = lmul.lmul_values(x[:, :, None], y[None, :, :], m=m, variant=variant)
    ref = prods.sum(axis=1)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14 * np.abs(prods).sum(axis=1).max())
    if m <= 3 or variant == "formula_exact":
        assert lmul_matmul.fast_path_fraction(x, y, m=m, variant=variant) == 1.0


def test_formula_exact_is_the_three_term_identity():
    """x Ey + Ex y + (c - 1) Ex Ey on one pair, as the issue writes it."""
    x, y = np.array([[1.5]]), np.array([[-3.5]])  # m = 2: xm = .5, ym = .75, c = .25
    got = lmul_matmul.lmul_matmul(x, y, m=2, variant="formula_exact")
    ex, ey = 1.0, -2.0
    assert got[0, 0] == x[0, 0] * ey + ex * y[0, 0] + (0.25 - 1) * ex * ey


def test_values_input_for_a_format():
    fmt = get_format("e4m3")
    rng = np.random.default_rng(24)
    x = _codes(fmt, (8, 16), rng, exponents=(-1, 1))
    y = _codes(fmt, (16, 4), rng, exponents=(-1, 1))
    np.testing.assert_array_equal(
        lmul_matmul.lmul_matmul(fmt.decode(x), fmt.decode(y), fmt=fmt),
        lmul_matmul.lmul_matmul(x, y, fmt=fmt),
    )


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (
            dict(x=np.zeros((2, 3), np.uint8), y=np.zeros((4, 2), np.uint8), fmt="e4m3"),
            ["(2, 3) and (4, 2)", "M x K"],
        ),
        (dict(x=np.zeros((2, 3)), y=np.zeros((3, 2)), fmt="e4m3", m=3), ["exactly one"]),
        (dict(x=np.full((1, 1), 0.1), y=np.ones((1, 1)), fmt="e4m3"), ["not e4m3 values"]),
        (dict(x=np.ones((1, 1)), y=np.ones((1, 1)), m=30), ["0..23"]),
        (
            dict(x=np.ones((1, 1)), y=np.ones((1, 1)), fmt="e4m3", variant="formula_exact"),
            ["int_add, formula, mitchell"],
        ),
    ],
)
def test_bad_input(kwargs, words):
    x, y = kwargs.pop("x"), kwargs.pop("y")
    with pytest.raises(ValueError) as info:
        lmul_matmul.lmul_matmul(x, y, **kwargs)
    for word in words:
        assert word in str(info.value)


def test_float32_gemm_path_equals_float64(monkeypatch):
    fmt = get_format("e4m3")
    rng = np.random.default_rng(25)
    x = _codes(fmt, (40, 300), rng, exponents=(-2, 2))
    y = _codes(fmt, (300, 30), rng, exponents=(-2, 2))
    fx, fy = lmul_matmul._operand_fields(x, fmt, 3), lmul_matmul._operand_fields(y, fmt, 3)
    u, v = lmul_matmul.significand_split(3, variant="int_add")
    assert lmul_matmul._float32_gemm(fx, fy, 3, 1, int(v.max()), grain=3, accumulate="float64")
    fast = lmul_matmul.lmul_matmul(x, y, fmt=fmt)
    monkeypatch.setattr(lmul_matmul, "_float32_bound_holds", lambda *a, **k: False)
    np.testing.assert_array_equal(lmul_matmul.lmul_matmul(x, y, fmt=fmt), fast)
    np.testing.assert_array_equal(fast, _elementwise(x, y, fmt, "int_add"))


def test_gaussian_fp8_codes_use_the_correction_path():
    fmt = get_format("e4m3")
    rng = np.random.default_rng(26)
    x = fmt.encode(rng.standard_normal((30, 200)))
    y = fmt.encode(rng.standard_normal((200, 20)) * 8)
    share = lmul_matmul.fast_path_fraction(x, y, fmt=fmt)
    assert 0.5 < share < 1.0
    np.testing.assert_array_equal(
        lmul_matmul.lmul_matmul(x, y, fmt=fmt), _elementwise(x, y, fmt, "int_add")
    )


@pytest.mark.parametrize("variant", lmul.VARIANTS)
@pytest.mark.parametrize("name", ["e4m3", "e5m2"])
def test_code_table_path_matches_general_path(name, variant):
    """The per-code-table fast path of 8-bit formats picks the same edge entries as `_bands`
    and gives the same fast-path matrix as the per-element path, in float32 and float64."""
    fmt = get_format(name)
    rng = np.random.default_rng(24)
    lo, hi = 1 - fmt.bias, fmt.max_biased_exponent - fmt.bias
    for k, exponents in ((48, (-2, 2)), (300, (lo, hi))):
        x = _codes(fmt, (31, k), rng, exponents=exponents, specials=True)
        y = _codes(fmt, (k, 27), rng, exponents=exponents, specials=True)
        out, edge_x, edge_y = lmul_matmul._codes_fast(x, y, fmt, variant)
        m = fmt.mantissa_bits
        fx, fy = lmul_matmul._operand_fields(x, fmt, m), lmul_matmul._operand_fields(y, fmt, m)
        ref_x, ref_y = lmul_matmul._bands(fx, fy, fmt, m, variant)
        np.testing.assert_array_equal(edge_x, ref_x)
        np.testing.assert_array_equal(edge_y, ref_y)
        ref = lmul_matmul._fast_product(
            x, y, lmul_matmul._core(fx, ref_x), lmul_matmul._core(fy, ref_y), m, variant
        )
        np.testing.assert_array_equal(out, ref)


def test_code_table_path_large_k_float32_proof_equals_elementwise():
    """K large enough that the float32 proof is decided by the data: both outcomes exact."""
    fmt = get_format("e4m3")
    rng = np.random.default_rng(25)
    for exponents in ((-2, 2), (-6, 6)):
        x = _codes(fmt, (9, 2048), rng, exponents=exponents)
        y = _codes(fmt, (2048, 7), rng, exponents=exponents)
        got = lmul_matmul.lmul_matmul(x, y, fmt=fmt, variant="int_add")
        np.testing.assert_array_equal(got, _elementwise(x, y, fmt, "int_add"))


def _gamma(n):
    """Higham's gamma_n for float32: n u / (1 - n u), u = 2^-24."""
    return n * 2.0**-24 / (1 - n * 2.0**-24)


def _m_bit_values(rng, shape, m, *, scale=1.0, zeros=0.1):
    v = rng.standard_normal(shape) * scale
    mant, e = np.frexp(v)
    v = np.ldexp(np.trunc(np.ldexp(mant, m + 1)), e - m - 1)
    v[rng.random(shape) < zeros] = 0.0
    return v


def _assert_within_float32_bound(got, ref64, prods, n_k):
    """|C32 - C64| <= gamma_{n K + 2} sum_k |p_k| on finite entries; same NaN/Inf elsewhere."""
    finite = np.isfinite(ref64)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref64))
    np.testing.assert_array_equal(
        got[~finite & ~np.isnan(ref64)], ref64[~finite & ~np.isnan(ref64)]
    )
    with np.errstate(invalid="ignore"):
        bound = _gamma(n_k + 2) * np.abs(prods).sum(axis=1)
        assert np.all(np.abs(got - ref64)[finite] <= bound[finite])


@pytest.mark.parametrize(
    "m, variant",
    [
        (0, "int_add"),
        (1, "mitchell"),
        (2, "formula"),
        (3, "int_add"),
        (3, "formula_exact"),
        (7, "formula_exact"),
    ],
)
def test_float32_accumulation_m_bit_values_within_bound(m, variant):
    rng = np.random.default_rng(31)
    k = 700
    x, y = _m_bit_values(rng, (19, k), m), _m_bit_values(rng, (k, 23), m, scale=30.0)
    x[2, 5], x[4, 9], y[7, 3] = np.nan, np.inf, -np.inf
    x[6, 11], y[12, 4] = 2.0**-1060, -(2.0**-1070)  # float64 subnormals
    got = lmul_matmul.lmul_matmul(x, y, m=m, variant=variant, accumulate="float32")
    ref64 = lmul_matmul.lmul_matmul(x, y, m=m, variant=variant)
    with np.errstate(invalid="ignore"):
        prods = lmul.lmul_values(x[:, :, None], y[None, :, :], m=m, variant=variant)
    n = lmul_matmul._float32_terms_per_product(m, variant)
    _assert_within_float32_bound(got, ref64, prods, n * k)
    assert not np.array_equal(got[np.isfinite(got)], ref64[np.isfinite(got)])  # rounded


@pytest.mark.parametrize("variant", ["int_add", "formula"])
@pytest.mark.parametrize("name", ["e4m3", "e5m2"])
def test_float32_accumulation_fp8_codes_within_bound(name, variant):
    """Codes over the whole exponent range with zeros, subnormals, NaN, Inf: edge entries
    still go element-wise (float64), the BLAS part sums in float32."""
    fmt = get_format(name)
    rng = np.random.default_rng(32)
    lo, hi = 1 - fmt.bias, fmt.max_biased_exponent - fmt.bias
    k = 900
    x = _codes(fmt, (17, k), rng, exponents=(lo, hi), specials=True)
    y = _codes(fmt, (k, 13), rng, exponents=(lo, hi), specials=True)
    # Mostly BLAS, and sums of same-sign terms too wide for float32's 24 bits.
    x[2:15] = _codes(fmt, (13, k), rng, exponents=(-5, -1))
    y[:, 1:12] = _codes(fmt, (k, 11), rng, exponents=(0, 5)) & (fmt.sign_mask - 1)
    kwargs = dict(fmt=fmt, variant=variant, overflow="sat")  # overflow: no NaN rows
    got = lmul_matmul.lmul_matmul(x, y, accumulate="float32", **kwargs)
    ref64 = lmul_matmul.lmul_matmul(x, y, **kwargs)
    prods = fmt.decode(lmul.lmul(x[:, :, None], y[None, :, :], **kwargs))
    _assert_within_float32_bound(got, ref64, prods, k)
    if name == "e5m2":  # e4m3's narrow range keeps these float32 sums exact
        finite = np.isfinite(got)
        assert not np.array_equal(got[finite], ref64[finite])  # rounded


@pytest.mark.parametrize("variant", ["int_add", "formula_exact"])
def test_float32_accumulation_exact_where_float32_sums_are(variant):
    """Small exponent span and K: every partial sum is exact in float32, so both
    accumulations give the same (exact) result, for m-bit values and for fp8 codes."""
    rng = np.random.default_rng(33)
    x = accuracy.truncate_mantissa(rng.uniform(-4, 4, (21, 64)), m=3)
    y = accuracy.truncate_mantissa(rng.uniform(-4, 4, (64, 17)), m=3)
    x[rng.random(x.shape) < 0.2] = 0.0
    x[rng.random(x.shape) < 0.1] = 0.25
    got = lmul_matmul.lmul_matmul(x, y, m=3, variant=variant, accumulate="float32")
    np.testing.assert_array_equal(got, lmul_matmul.lmul_matmul(x, y, m=3, variant=variant))
    np.testing.assert_array_equal(
        got, lmul.lmul_values(x[:, :, None], y[None, :, :], m=3, variant=variant).sum(axis=1)
    )
    if variant == "int_add":
        fmt = get_format("e4m3")
        xc = _codes(fmt, (21, 64), rng, exponents=(-2, 2))
        yc = _codes(fmt, (64, 17), rng, exponents=(-2, 2))
        np.testing.assert_array_equal(
            lmul_matmul.lmul_matmul(xc, yc, fmt=fmt, accumulate="float32"),
            _elementwise(xc, yc, fmt, "int_add"),
        )


@pytest.mark.parametrize("variant", ["int_add", "formula_exact"])
def test_float32_accumulation_outside_float32_range_stays_float64(variant):
    """Products whose terms would leave float32's range are never rounded into it: the
    matmul falls back to float64 and equals the float64 result."""
    rng = np.random.default_rng(34)
    x = _m_bit_values(rng, (9, 40), 3, scale=1e30)
    y = _m_bit_values(rng, (40, 8), 3, scale=1e30)
    got = lmul_matmul.lmul_matmul(x, y, m=3, variant=variant, accumulate="float32")
    np.testing.assert_array_equal(got, lmul_matmul.lmul_matmul(x, y, m=3, variant=variant))
    tiny = _m_bit_values(rng, (9, 40), 3, scale=1e-25)
    got = lmul_matmul.lmul_matmul(tiny, tiny.T, m=3, variant=variant, accumulate="float32")
    np.testing.assert_array_equal(got, lmul_matmul.lmul_matmul(tiny, tiny.T, m=3, variant=variant))


@pytest.mark.parametrize("accumulate", ["float64", "float32"])
@pytest.mark.parametrize("narrow", [False, True])
def test_formula_exact_lean_path_equals_general_path(accumulate, narrow, monkeypatch):
    """The formula_exact path that masks its factors out of the values gives the general
    path's matrix (float64 sums: both the float32-exact and the float64 matmul case);
    operands it declines take that path."""
    rng = np.random.default_rng(35)
    if narrow:  # exponents 0..1, K = 8: float32 sums provably exact
        x = accuracy.truncate_mantissa(rng.uniform(1, 4, (33, 8)), m=4)
        y = accuracy.truncate_mantissa(rng.uniform(-4, -1, (8, 27)), m=4)
    else:
        x, y = _m_bit_values(rng, (33, 300), 4), _m_bit_values(rng, (300, 27), 4, scale=1e3)
    decisions = []
    real = lmul_matmul._float32_bound_holds
    monkeypatch.setattr(
        lmul_matmul,
        "_float32_bound_holds",
        lambda *a, **k: decisions.append(real(*a, **k)) or decisions[-1],
    )
    fx, fy = lmul_matmul._operand_fields(x, None, 4), lmul_matmul._operand_fields(y, None, 4)
    general = lmul_matmul._fast_product(x, y, fx, fy, 4, "formula_exact", accumulate)
    np.testing.assert_array_equal(lmul_matmul._formula_exact_lean(x, y, 4, accumulate), general)
    if accumulate == "float64":
        assert decisions == [narrow, narrow]  # general path, lean path
    x[0, 0] = np.nan
    assert lmul_matmul._formula_exact_lean(x, y, 4, accumulate) is None
    x[0, 0] = 5e-324  # a float64 subnormal
    assert lmul_matmul._formula_exact_lean(x, y, 4, accumulate) is None


@pytest.mark.parametrize("accumulate", ["float64", "float32"])
@pytest.mark.parametrize("m, variant", [(1, "int_add"), (2, "mitchell"), (3, "formula")])
def test_value_code_path_matches_general_path(m, variant, accumulate):
    """m-bit values through per-code tables (top 12 + m bits of each float64) give the
    general path's matrix and edge entries; float64 subnormals send them to that path."""
    rng = np.random.default_rng(36)
    x, y = _m_bit_values(rng, (29, 200), m), _m_bit_values(rng, (200, 31), m, scale=1e-3)
    x[1, 2], y[3, 4], y[5, 6] = np.inf, np.nan, -np.inf
    out, edge_x, edge_y = lmul_matmul._values_fast(x, y, m, variant, accumulate)
    fx, fy = lmul_matmul._operand_fields(x, None, m), lmul_matmul._operand_fields(y, None, m)
    ref_x, ref_y = lmul_matmul._bands(fx, fy, None, m, variant)
    np.testing.assert_array_equal(edge_x, ref_x)
    np.testing.assert_array_equal(edge_y, ref_y)
    ref = lmul_matmul._fast_product(
        x, y, lmul_matmul._core(fx, ref_x), lmul_matmul._core(fy, ref_y), m, variant, accumulate
    )
    np.testing.assert_array_equal(out, ref)
    x[0, 0] = 2.0**-1060
    assert lmul_matmul._values_fast(x, y, m, variant, accumulate) is None
    got = lmul_matmul.lmul_matmul(x, y, m=m, variant=variant, accumulate=accumulate)
    assert got[0, 0] == got[0, 0]  # the subnormal row went the general way (finite)


def test_bad_accumulate():
    with pytest.raises(ValueError) as info:
        lmul_matmul.lmul_matmul(np.ones((1, 1)), np.ones((1, 1)), m=3, accumulate="float16")
    assert "float64" in str(info.value) and "float32" in str(info.value)


def test_float32_accumulation_wide_format_codes():
    """A 12-bit e8m3 takes the per-element fields path: in a band its float32 sums are
    within the bound; over its whole range the terms leave float32's, so it stays float64."""
    fmt = get_format("e8m3")
    rng = np.random.default_rng(37)
    k = 600
    x = _codes(fmt, (11, k), rng, exponents=(-20, 20), specials=True)
    y = _codes(fmt, (k, 9), rng, exponents=(-20, 20), specials=True)
    got = lmul_matmul.lmul_matmul(x, y, fmt=fmt, accumulate="float32")
    ref64 = lmul_matmul.lmul_matmul(x, y, fmt=fmt)
    _assert_within_float32_bound(
        got, ref64, fmt.decode(lmul.lmul(x[:, :, None], y[None, :, :], fmt=fmt)), k
    )
    finite = np.isfinite(got)
    assert not np.array_equal(got[finite], ref64[finite])  # rounded
    lo, hi = 1 - fmt.bias, fmt.max_biased_exponent - fmt.bias
    x = _codes(fmt, (11, k), rng, exponents=(lo, hi))
    y = _codes(fmt, (k, 9), rng, exponents=(lo, hi))
    np.testing.assert_array_equal(
        lmul_matmul.lmul_matmul(x, y, fmt=fmt, accumulate="float32"),
        lmul_matmul.lmul_matmul(x, y, fmt=fmt),
    )


@pytest.mark.parametrize("budget_codes", [2, 64])
def test_edge_code_rows_path_equals_elementwise(monkeypatch, budget_codes):
    """Many edge entries sharing few codes take the per-code product-row path (batched
    when the budget holds fewer codes than used): the same sums as the per-product path
    (with skipped pairs and NaN), and lmul_matmul still equals the element-wise value."""
    fmt = get_format("e4m3")
    rng = np.random.default_rng(38)
    k = 96
    low = np.array([0x0A, 0x8B, 0x15, 0x9C, 0x1E], fmt.code_dtype)  # exponents -6..-4
    a = _codes(fmt, (40, k), rng, exponents=(0, 2), specials=True)
    a = np.where(rng.random(a.shape) < 0.4, rng.choice(low, a.shape), a)
    a[3, 4] = fmt.nan_code
    b = _codes(fmt, (k, 36), rng, exponents=(-6, 3), specials=True)
    edge_a = np.isin(a, low) | (a == fmt.nan_code)
    skip_b = rng.random(b.shape) < 0.3
    calls = []
    real = lmul_matmul._edge_accumulate_code_rows
    monkeypatch.setattr(
        lmul_matmul,
        "_edge_accumulate_code_rows",
        lambda *args: calls.append(args[4].size) or real(*args),
    )
    monkeypatch.setattr(lmul_matmul, "_ROWS_BUDGET", budget_codes * 8 * b.size)
    rows = np.zeros((40, 36))
    lmul_matmul._edge_accumulate(rows, a, b, edge_a, skip_b, fmt, 3, "int_add", "nonsat")
    assert calls == [low.size + 1]
    monkeypatch.setattr(lmul_matmul, "_ROWS_BUDGET", 0)  # per-product path
    ref = np.zeros((40, 36))
    lmul_matmul._edge_accumulate(ref, a, b, edge_a, skip_b, fmt, 3, "int_add", "nonsat")
    assert len(calls) == 1
    np.testing.assert_array_equal(rows, ref)  # sums exact here
    assert np.isnan(rows).any() and np.isfinite(rows).any()
    monkeypatch.setattr(lmul_matmul, "_ROWS_BUDGET", budget_codes * 8 * b.size)
    np.testing.assert_array_equal(
        lmul_matmul.lmul_matmul(a, b, fmt=fmt), _elementwise(a, b, fmt, "int_add")
    )
    assert len(calls) >= 2
