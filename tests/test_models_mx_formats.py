"""Block-scaled formats against ml_dtypes (elements, E8M0 scales) and a reference quantizer."""

import math

import ml_dtypes
import numpy as np
import pytest

from picojoule.base.errors import UserError
from picojoule.models.mx_formats import (
    MX_PRESETS,
    OPEN_CHOICES,
    BlockFormat,
    BlockTensor,
    ElementFormat,
    ScaleFormat,
    quantize,
)

ML = {
    "e4m3": ml_dtypes.float8_e4m3fn,
    "e5m2": ml_dtypes.float8_e5m2,
    "e3m2": ml_dtypes.float6_e3m2fn,
    "e2m3": ml_dtypes.float6_e2m3fn,
    "e2m1": ml_dtypes.float4_e2m1fn,
}


def _same(x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return np.array_equal(np.isnan(x), np.isnan(y)) and np.array_equal(
        np.nan_to_num(x), np.nan_to_num(y)
    )


@pytest.mark.parametrize("name", sorted(ML))
def test_element_decode_matches_ml_dtypes(name):
    elem = ElementFormat(name)
    codes = np.arange(1 << elem.width, dtype=np.uint8)
    want = codes.view(ML[name]).astype(np.float32)  # every value is exact in float32
    assert _same(elem.decode(codes), want)
    numbers = ~np.isnan(want)
    assert np.array_equal(np.signbit(elem.decode(codes))[numbers], np.signbit(want)[numbers])


@pytest.mark.parametrize("name", sorted(ML))
def test_element_encode_matches_ml_dtypes(name):
    """RNE with saturation; ml_dtypes' float32 casts are RNE (saturating for FP4/FP6, not for
    FP8), so values are clipped to +-max normal first, which changes no rounding."""
    elem = ElementFormat(name)
    rng = np.random.default_rng(7)
    grid = elem.decode(np.arange(1 << elem.width))
    grid = np.unique(grid[np.isfinite(grid)])
    mids = (grid[1:] + grid[:-1]) / 2  # exact ties, exact in float32
    spread = np.ldexp(rng.standard_normal(20000), rng.integers(-12, 10, 20000))
    x = np.concatenate([grid, mids, spread, [0.0, -0.0, 1e30, -1e30]]).astype(np.float32)
    clipped = np.clip(x, -elem.max_normal, elem.max_normal)
    want = clipped.astype(ML[name]).view(np.uint8) & ((1 << elem.width) - 1)
    got = elem.encode(x.astype(np.float64))
    assert np.array_equal(got, want)


def test_e8m0_scale_decode_matches_ml_dtypes():
    scale = ScaleFormat("e8m0")
    codes = np.arange(256, dtype=np.uint8)
    want = codes.view(ml_dtypes.float8_e8m0fnu).astype(np.float32)
    assert _same(scale.decode(codes), want)
    assert scale.is_nan(codes).tolist() == [c == 255 for c in range(256)]


def test_e8m0_scale_encode_matches_ml_dtypes():
    """Quantization writes E8M0 code e + 127 for X = 2^e; ml_dtypes encodes 2^e to the same."""
    e = np.arange(-127, 128)
    want = np.ldexp(1.0, e).astype(np.float32).astype(ml_dtypes.float8_e8m0fnu).view(np.uint8)
    for exponent, code in zip(e, want):
        x = np.zeros(32)
        # a block whose largest value is 2^(e + emax) has shared exponent e (e4m3: emax 8)
        if -127 <= exponent <= 127:
            x[3] = math.ldexp(1.0, int(exponent) + 8)
            assert quantize(x, fmt="mxfp8_e4m3").scales[0] == code


def test_int8_elements():
    elem = ElementFormat("int8")
    codes = np.arange(256)
    assert elem.decode(codes).tolist() == [(c - 256 if c >= 128 else c) / 64 for c in codes]
    assert elem.decode([128])[0] == -2.0
    # RNE on the 1/64 grid: -1.5/64 -> -2/64, -0.5/64 -> 0, saturation at +-127/64
    got = elem.encode([-1.999, 1.999, 0.5, -1.5 / 64, -0.5 / 64, 2.5 / 64])
    assert got.tolist() == [0x81, 127, 32, 0xFE, 0, 2]


def _reference_quantize(x, *, element, k):
    """OCP MX v1.0 conversion written with math.frexp and ml_dtypes, block by block."""
    elem = ElementFormat(element)
    scales, elements = [], []
    for block in x.reshape(-1, k):
        amax = float(np.max(np.abs(block)))
        if amax == 0:
            shared = -127
        else:
            shared = max(-127, min(127, math.frexp(amax)[1] - 1 - elem.emax))
        scales.append(shared + 127)
        q = (block.astype(np.float64) / 2.0**shared).astype(np.float32)  # exact: power of 2
        if element == "int8":
            i = np.clip(np.rint(q.astype(np.float64) * 64), -127, 127).astype(np.int64)
            elements.append(i & 0xFF)
        else:
            q = np.clip(q, -elem.max_normal, elem.max_normal)
            elements.append(q.astype(ML[element]).view(np.uint8) & ((1 << elem.width) - 1))
    return np.array(scales), np.array(elements)


@pytest.mark.parametrize("element", ["e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "int8"])
def test_quantize_matches_reference(element):
    rng = np.random.default_rng(3)
    for k in (32, 7):
        x = (rng.standard_normal(k * 300) * np.ldexp(1.0, rng.integers(-20, 20))).astype(np.float32)
        x[:k] *= 1e-30  # a block with a tiny shared exponent (clamped at -127)
        got = quantize(x, fmt=BlockFormat(element=element, k=k))
        scales, elements = _reference_quantize(x, element=element, k=k)
        assert np.array_equal(got.scales, scales)
        assert np.array_equal(got.elements, elements)


def test_quantize_open_choices():
    fmt = MX_PRESETS["mxfp8_e4m3"]
    zero = quantize(np.zeros(32), fmt=fmt)
    assert zero.scales.tolist() == [0] and not zero.elements.any()
    for bad in (np.nan, np.inf, -np.inf):
        x = np.ones(64)
        x[40] = bad
        t = quantize(x, fmt=fmt)
        assert t.scales.tolist() == [127 - 8, 255] and not t.elements[1].any()
    t = quantize(np.array([-(2 - 2**-10)] + [0.0] * 31), fmt="mxint8")
    assert t.elements[0, 0] == 0x81  # saturates to -127, never -128
    assert len(OPEN_CHOICES) >= 5
    assert all(choice in BlockFormat.__doc__ for choice in OPEN_CHOICES)


def test_quantize_padding_and_decode_roundtrip():
    x = np.linspace(-3, 3, 40)
    with pytest.raises(UserError, match="multiple of k=32"):
        quantize(x, fmt="mxfp8_e4m3")
    t = quantize(x, fmt="mxfp8_e4m3", pad=True)
    assert t.elements.shape == (2, 32)
    back = t.decode()
    assert back.shape == (64,) and not back[40:].any()
    assert np.max(np.abs(back[:40] - x)) <= 2.0**-4 * 2  # e4m3: 3 mantissa bits near 2


def test_nvfp4_two_level():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((8, 64)) * 1000
    t = quantize(x, fmt="nvfp4")
    amax = np.abs(x).max()
    assert t.tensor_scale == float(np.float32(amax / (6 * 448)))
    scales = ElementFormat("e4m3").decode(t.scales)
    assert scales.max() <= 448 and scales.min() >= 0
    back = t.decode()
    block_amax = np.abs(x).reshape(8, 4, 16).max(-1)
    # each value is within half an e2m1 step (<= 1 at magnitude 4..6) of its scaled grid,
    # plus the e4m3 rounding of the block scale (2^-4 relative)
    step = (block_amax / 6 * (1 + 2**-4))[..., None] * 1.0
    assert np.all(np.abs(back - x).reshape(8, 4, 16) <= step + 1e-9)
    with pytest.raises(UserError, match="finite"):
        quantize(np.array([np.nan] * 16), fmt="nvfp4")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: BlockFormat(element="e4m4"), "choose from e4m3, e5m2, e3m2, e2m3, e2m1, int8"),
        (lambda: BlockFormat(scale="e5m2"), "choose from e8m0, e4m3"),
        (lambda: BlockFormat(k=0), r"choose k in 1\.\.64"),
        (lambda: BlockFormat(k=65), r"choose k in 1\.\.64"),
        (lambda: quantize([1.0], fmt="mxfp9"), "choose from mxfp8_e4m3"),
        (lambda: ScaleFormat("e8m0").decode([256]), r"choose codes in 0\.\.255"),
        (lambda: ElementFormat("e2m1").decode([16]), r"choose codes in 0\.\.15"),
    ],
)
def test_bad_input_is_one_line_user_error(make, match):
    with pytest.raises(UserError, match=match) as info:
        make()
    assert "\n" not in str(info.value)


def test_pack_unpack_layout():
    fmt = BlockFormat(element="e2m1", k=3)
    (word,) = fmt.pack([[1, 2, 15]], [200])
    assert word == 1 | 2 << 4 | 15 << 8 | 200 << 12
    elements, scales = fmt.unpack([word])
    assert elements.tolist() == [[1, 2, 15]] and scales.tolist() == [200]
    t = BlockTensor(fmt=fmt, elements=elements, scales=scales)
    assert t.decode().tolist() == [0.5 * 2**73, 1.0 * 2**73, -6.0 * 2**73]
