"""Format specs: round trips of every code, agreement with ml_dtypes, bad input."""

import ml_dtypes
import numpy as np
import pytest

from picojoule.models.formats import (
    PRESETS,
    FloatFormat,
    IntFormat,
    Overflow,
    get_format,
    minifloat,
)

ML_DTYPES = {
    "e4m3": ml_dtypes.float8_e4m3fn,
    "e5m2": ml_dtypes.float8_e5m2,
    "e4m3fnuz": ml_dtypes.float8_e4m3fnuz,
    "e5m2fnuz": ml_dtypes.float8_e5m2fnuz,
    "bf16": ml_dtypes.bfloat16,
    "fp16": np.float16,
    "fp32": np.float32,
    "e2m1": ml_dtypes.float4_e2m1fn,
    "e3m2": ml_dtypes.float6_e3m2fn,
    "e2m3": ml_dtypes.float6_e2m3fn,
}
SMALL_FLOATS = [name for name, f in PRESETS.items() if isinstance(f, FloatFormat) and f.width <= 16]


def _storage(fmt):
    return np.uint8 if fmt.width <= 8 else np.uint16 if fmt.width <= 16 else np.uint32


@pytest.mark.parametrize("name", SMALL_FLOATS + ["e3m4", "e5m0fn", "e1m2finite", "e4m3fnuz"])
def test_round_trip_every_code(name):
    fmt = get_format(name)
    codes = fmt.all_codes()
    nan = fmt.is_nan(codes)
    back = fmt.encode(fmt.decode(codes))
    np.testing.assert_array_equal(back[~nan], codes[~nan])
    if nan.any():
        assert np.all(back[nan] == fmt.nan_code)
        assert fmt.is_nan(fmt.nan_code)


def test_round_trip_sampled_fp32():
    fmt = get_format("fp32")
    rng = np.random.default_rng(1)
    codes = rng.integers(0, 1 << 32, 200_000, dtype=np.uint64).astype(np.uint32)
    codes[:8] = [0, 1, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000, 0x80000001, 0xFF800000]
    nan = fmt.is_nan(codes)
    np.testing.assert_array_equal(fmt.encode(fmt.decode(codes))[~nan], codes[~nan])
    np.testing.assert_array_equal(fmt.decode(codes)[~nan], codes[~nan].view(np.float32))


@pytest.mark.parametrize("name", list(ML_DTYPES))
def test_decode_agrees_with_ml_dtypes(name):
    fmt = get_format(name)
    codes = (
        fmt.all_codes()
        if fmt.width <= 16
        else np.random.default_rng(2)
        .integers(0, 1 << 32, 100_000, dtype=np.uint64)
        .astype(np.uint32)
    )
    with np.errstate(invalid="ignore"):  # NaN payloads
        ref = codes.astype(_storage(fmt)).view(ML_DTYPES[name]).astype(np.float64)
    ours = fmt.decode(codes)
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    finite = ~np.isnan(ref)
    np.testing.assert_array_equal(ours[finite], ref[finite])
    np.testing.assert_array_equal(np.signbit(ours[finite]), np.signbit(ref[finite]))


@pytest.mark.parametrize("name", list(ML_DTYPES))
def test_encode_agrees_with_ml_dtypes(name):
    """Random float32 values plus every midpoint between neighbouring codes (ties to even).

    The values are float32, so ml_dtypes' cast rounds once (no float64 -> float32 step).
    """
    fmt = get_format(name)
    rng = np.random.default_rng(3)
    spread = np.ldexp(
        rng.standard_normal(100_000),
        rng.integers(-fmt.bias - fmt.mantissa_bits - 2, fmt.bias + 3, 100_000),
    )
    with np.errstate(over="ignore"):
        values = [spread.astype(np.float32)]
    if fmt.width <= 16:
        grid = np.unique(fmt.decode(fmt.all_codes()))
        grid = grid[np.isfinite(grid)]
        values.append(((grid[:-1] + grid[1:]) / 2).astype(np.float32))  # exact midpoints
        values.append(grid.astype(np.float32))
    if fmt.has_nan:
        values.append(np.array([np.inf, -np.inf, np.nan, 1e30, -1e30], dtype=np.float32))
    x = np.concatenate(values)
    ours = fmt.encode(x.astype(np.float64), overflow=Overflow.NONSAT)
    with np.errstate(over="ignore"):
        ref = (
            x.astype(ML_DTYPES[name]).view(_storage(fmt)) & ((1 << fmt.width) - 1)
            if fmt.width < 32
            else x.view(np.uint32)
        )
    nan = fmt.is_nan(ours)
    assert np.array_equal(nan, fmt.is_nan(ref.astype(fmt.code_dtype)))
    np.testing.assert_array_equal(ours[~nan], ref[~nan])


def test_overflow_modes_e4m3_e5m2():
    e4m3, e5m2 = get_format("e4m3"), get_format("e5m2")
    x = np.array([448.0, 464.0, 465.0, 1e9, -1e9, np.inf, -np.inf])
    assert e4m3.encode(x).tolist() == [0x7E, 0x7E, 0x7F, 0x7F, 0xFF, 0x7F, 0xFF]
    assert e4m3.encode(x, overflow="sat").tolist() == [0x7E, 0x7E, 0x7E, 0x7E, 0xFE, 0x7E, 0xFE]
    assert e5m2.encode(np.array([57344.0, 61440.0, 1e9]), overflow="sat").tolist() == [0x7B] * 3
    assert e5m2.encode(np.array([57344.0, 61440.0, -1e9])).tolist() == [0x7B, 0x7C, 0xFC]
    assert e5m2.encode(np.array([np.inf]), overflow="sat").tolist() == [0x7C]  # Inf stays Inf


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: get_format("e9m3"), ["E=9", "1..8"]),
        (lambda: get_format("fp8"), ["unknown format", "e4m3", "eXmY"]),
        (lambda: minifloat(exponent_bits=0, mantissa_bits=3), ["E=0", "1..8"]),
        (lambda: minifloat(exponent_bits=4, mantissa_bits=24), ["M=24", "0..23"]),
        (lambda: minifloat(exponent_bits=8, mantissa_bits=23, specials="fn", bias=300), ["bias"]),
        (lambda: minifloat(exponent_bits=8, mantissa_bits=23, specials="odd"), ["ieee, fn, fnuz"]),
        (lambda: IntFormat("int65", 65), ["1..64"]),
        (lambda: get_format("e4m3").decode(np.array([256])), ["outside e4m3", "[0, 255]"]),
        (lambda: get_format("e2m1").decode(np.array([16])), ["outside e2m1", "[0, 15]"]),
        (lambda: get_format("e4m3").decode(np.array([1.5])), ["must be integers"]),
        (lambda: get_format("e2m1").encode(np.array([np.nan])), ["no NaN"]),
        (lambda: get_format("e4m3").encode(np.array([1.0]), overflow="wrap"), ["nonsat, sat"]),
    ],
)
def test_bad_input_names_the_choices(call, words):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message
