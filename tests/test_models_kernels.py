"""The compiled per-pair loops equal the numpy definitions of the golden models, bit for bit.

`float_kernels` (fp_mul, fp_add) against `arith._fp_mul_direct` / `arith._fp_add_direct`, and
`lmul_kernel` against `lmul._lmul_direct`: every pair of 8-bit formats, and on 16- and 32-bit
formats every code against the corner codes plus a million random pairs. The public models
use these loops on wide pairs; an oracle (numpy's float16) checks the fp16 sum through them.
"""

import numpy as np
import pytest

from picojoule.models import arith, float_kernels, lmul, lmul_kernel
from picojoule.models.formats import Overflow, get_format


def _every_pair(fa, fb):
    a = np.repeat(np.arange(1 << fa.width, dtype=np.int64), 1 << fb.width)
    b = np.tile(np.arange(1 << fb.width, dtype=np.int64), 1 << fa.width)
    return a, b


def _corners(fmt):
    m, s = fmt.mantissa_bits, fmt.sign_mask
    mags = [0, 1, 2, fmt.mantissa_mask, 1 << m, (1 << m) + 1, fmt.bias << m, (fmt.bias << m) - 1]
    mags += [(fmt.bias << m) | fmt.mantissa_mask, fmt.max_finite_code, fmt.max_finite_code - 1]
    mags += [c & (s - 1) for c in (fmt.inf_code, fmt.nan_code) if c is not None]
    mags += [s - 1]
    return np.array(
        sorted({c | sign for c in mags if 0 <= c < s for sign in (0, s)}), dtype=np.int64
    )


def _wide_pairs(fa, fb, *, n=1 << 20, seed=11):
    """Every code of b against a's corners, every code of a against b's corners (<= 24 bits),
    and ``n`` random pairs."""
    rng = np.random.default_rng(seed)
    parts_a = [rng.integers(0, 1 << fa.width, n, dtype=np.int64)]
    parts_b = [rng.integers(0, 1 << fb.width, n, dtype=np.int64)]
    if fb.width <= 16:
        every = np.arange(1 << fb.width, dtype=np.int64)
        corners = _corners(fa)
        parts_a.append(np.repeat(corners, every.size))
        parts_b.append(np.tile(every, corners.size))
    if fa.width <= 16:
        every = np.arange(1 << fa.width, dtype=np.int64)
        corners = _corners(fb)
        parts_a.append(np.tile(every, corners.size))
        parts_b.append(np.repeat(corners, every.size))
    return np.concatenate(parts_a), np.concatenate(parts_b)


KERNELS = {
    "mul": (float_kernels.fp_mul_codes, arith._fp_mul_direct),
    "add": (float_kernels.fp_add_codes, arith._fp_add_direct),
}


def _check_float(op, fa, fb, fo, overflow, a, b):
    fa, fb, fo = get_format(fa), get_format(fb), get_format(fo)
    overflow = Overflow.parse(overflow)
    compiled, direct = KERNELS[op]
    dtype = arith._result_dtype(fo)
    want = direct(a, b, a_fmt=fa, b_fmt=fb, out_fmt=fo, overflow=overflow)
    got = compiled(
        a.astype(fa.code_dtype),
        b.astype(fb.code_dtype),
        a_fmt=fa,
        b_fmt=fb,
        out_fmt=fo,
        saturate=overflow is Overflow.SAT,
        out_dtype=dtype,
    )
    assert got.dtype == dtype
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, [(hex(a[i]), hex(b[i]), hex(got[i]), hex(want[i])) for i in bad[:5]]


EIGHT_BIT = [
    ("e4m3", "e4m3", "e4m3", "nonsat"),
    ("e4m3", "e4m3", "e4m3", "sat"),
    ("e5m2", "e5m2", "e5m2", "nonsat"),
    ("e5m2", "e4m3", "bf16", "nonsat"),
    ("e4m3fnuz", "e5m2fnuz", "e4m3fnuz", "sat"),
    ("e5m2", "e5m2", "e2m1", "nonsat"),  # NaN results in a format without NaN: the marker
    ("e2m1", "e2m3", "e3m2", "nonsat"),
    ("e1m6fn", "e2m5", "e1m6", "nonsat"),
    ("e4m3", "e5m2", "fp16", "sat"),
]


@pytest.mark.parametrize("op", ["mul", "add"])
@pytest.mark.parametrize("fa, fb, fo, overflow", EIGHT_BIT)
def test_float_kernels_every_8bit_pair(op, fa, fb, fo, overflow):
    a, b = _every_pair(get_format(fa), get_format(fb))
    _check_float(op, fa, fb, fo, overflow, a, b)


WIDE = [
    ("bf16", "bf16", "bf16", "nonsat"),
    ("fp16", "fp16", "fp16", "nonsat"),
    ("fp16", "fp16", "fp16", "sat"),
    ("fp16", "bf16", "e4m3", "nonsat"),
    ("fp32", "fp32", "fp32", "nonsat"),
    ("bf16", "fp32", "fp16", "sat"),
]


@pytest.mark.parametrize("op", ["mul", "add"])
@pytest.mark.parametrize("fa, fb, fo, overflow", WIDE)
def test_float_kernels_wide_pairs(op, fa, fb, fo, overflow):
    a, b = _wide_pairs(get_format(fa), get_format(fb))
    _check_float(op, fa, fb, fo, overflow, a, b)


def _check_lmul(name, variant, overflow, a, b):
    fmt = get_format(name)
    overflow = Overflow.parse(overflow)
    want = lmul._lmul_direct(a, b, fmt=fmt, variant=variant, overflow=overflow)
    got = lmul_kernel.lmul_codes(
        a.astype(fmt.code_dtype),
        b.astype(fmt.code_dtype),
        fmt=fmt,
        variant=variant,
        offset=lmul.offset_ulps(fmt.mantissa_bits, variant=variant),
        saturate=overflow is Overflow.SAT or not (fmt.has_inf or fmt.has_nan),
    )
    assert got.dtype == fmt.code_dtype
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, [(hex(a[i]), hex(b[i]), hex(got[i]), hex(want[i])) for i in bad[:5]]


@pytest.mark.parametrize("overflow", ["nonsat", "sat"])
@pytest.mark.parametrize("variant", lmul.VARIANTS)
@pytest.mark.parametrize(
    "name", ["e4m3", "e5m2", "e4m3fnuz", "e2m1", "e3m2", "e1m6fn", "e1m6", "e2m5fnuz"]
)
def test_lmul_kernel_every_8bit_pair(name, variant, overflow):
    fmt = get_format(name)
    _check_lmul(name, variant, overflow, *_every_pair(fmt, fmt))


@pytest.mark.parametrize("overflow", ["nonsat", "sat"])
@pytest.mark.parametrize("variant", lmul.VARIANTS)
@pytest.mark.parametrize("name", ["bf16", "fp16", "fp32"])
def test_lmul_kernel_wide_pairs(name, variant, overflow):
    fmt = get_format(name)
    _check_lmul(name, variant, overflow, *_wide_pairs(fmt, fmt, n=1 << 18))


def test_public_models_take_the_compiled_path_on_wide_pairs():
    """fp_add of fp16 (through the compiled loop) against numpy's own float16 rounding: the
    float64 sum of two fp16 values is exact and numpy rounds it to float16 once (RNE)."""
    fmt = get_format("fp16")
    a, b = _wide_pairs(fmt, fmt, n=1 << 18, seed=3)
    a, b = a.astype(np.uint16), b.astype(np.uint16)
    got = arith.fp_add(a, b, a_fmt=fmt, b_fmt=fmt, out_fmt=fmt)
    with np.errstate(invalid="ignore", over="ignore"):
        ref = a.view(np.float16).astype(np.float64) + b.view(np.float16).astype(np.float64)
        ref = ref.astype(np.float16).view(np.uint16)
    nan = fmt.is_nan(got)
    np.testing.assert_array_equal(nan, fmt.is_nan(ref))
    # numpy: an exact zero sum of opposite signs is +0, as the contract says
    np.testing.assert_array_equal(got[~nan], ref[~nan])
    # the formula variant of 16-bit L-Mul also runs compiled: equal to the definition
    want = lmul._lmul_direct(
        a.astype(np.int64), b.astype(np.int64), fmt=fmt, variant="formula", overflow=Overflow.NONSAT
    )
    np.testing.assert_array_equal(lmul.lmul(a, b, fmt=fmt, variant="formula"), want)
