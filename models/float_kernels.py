"""Compiled per-pair loops (numba) of the correctly rounded float models of `picojoule.models.arith`.

Numeric contract: the same as `arith.fp_mul` / `arith.fp_add`, computed the same way, one pair
at a time: decode both codes exactly to float64 (`formats.FloatFormat.decode`), multiply (exact
for M <= 23) or add with TwoSum and round to odd at 53 bits, then round once into the output
format as `formats.FloatFormat.encode` does (nearest-even, gradual underflow, the overflow
mode), here with integer operations on the float64's sign, exponent and significand fields.
A NaN result in an output format without NaN gives the marker ``1 << width`` that `arith`
reports. These loops replace the numpy definition (`arith._fp_mul_direct`,
`arith._fp_add_direct`) on operand pairs too wide for a table; tests check them bit-exact
against it (every pair of 8-bit formats, a million random 16-bit pairs with corners).

A format is passed as an int64 parameter vector (`format_params`).
"""

import functools
import math

import numba
import numpy as np
from numba.core import types
from numba.extending import intrinsic

__all__ = ["format_params", "fp_mul_codes", "fp_add_codes"]

# Indices into a format's parameter vector.
_W, _M, _E, _BIAS, _SPECIALS, _NAN, _INF, _MAX, _SATURATE = range(9)
_SPECIAL_IDS = {"ieee": 0, "fn": 1, "fnuz": 2, "finite": 3}


def format_params(fmt, *, saturate=False):
    """The int64 vector a kernel reads for ``fmt`` (codes of NaN/Inf are -1 when absent).

    ``saturate``: finite overflow gives max finite (as `encode` decides it: sat mode, or a format
    with neither Inf nor NaN).
    """
    return np.array(
        [
            fmt.width,
            fmt.mantissa_bits,
            fmt.exponent_bits,
            fmt.bias,
            _SPECIAL_IDS[fmt.specials],
            -1 if fmt.nan_code is None else fmt.nan_code,
            -1 if fmt.inf_code is None else fmt.inf_code,
            fmt.max_finite_code,
            int(saturate or not (fmt.has_inf or fmt.has_nan)),
        ],
        dtype=np.int64,
    )


@intrinsic
def _bits_of(typingctx, x):
    """The IEEE bit pattern of a float64 as an int64 (a bit cast)."""
    if x != types.float64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return types.int64(types.float64), codegen


@intrinsic
def _float_of(typingctx, x):
    """The float64 whose IEEE bit pattern is the int64 ``x`` (a bit cast)."""
    if x != types.int64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return types.float64(types.int64), codegen


@numba.njit(cache=True, inline="always")
def _is_nan(c, p):
    w = p[_W]
    magnitude = c & ((1 << (w - 1)) - 1)
    kind = p[_SPECIALS]
    if kind == 0:
        return magnitude > p[_INF]
    if kind == 1:
        return magnitude == (1 << (w - 1)) - 1
    if kind == 2:
        return c == 1 << (w - 1)
    return False


@numba.njit(cache=True, inline="always")
def _decode(c, p):
    """Exact float64 value of code ``c`` (`FloatFormat.decode`)."""
    w, m = p[_W], p[_M]
    if _is_nan(c, p):
        return np.nan
    s = (c >> (w - 1)) & 1
    e = (c >> m) & ((1 << p[_E]) - 1)
    mant = c & ((1 << m) - 1)
    if (p[_SPECIALS] == 0) & ((c & ((1 << (w - 1)) - 1)) == p[_INF]):
        return -np.inf if s else np.inf
    significand = mant if e == 0 else mant + (1 << m)
    value = math.ldexp(float(significand), max(e, 1) - p[_BIAS] - m)
    return -value if s else value


@numba.njit(cache=True, inline="always")
def _encode(x, p):
    """Code of float64 ``x`` rounded into the format (`FloatFormat.encode`); a NaN in a format
    without NaN gives ``1 << width``."""
    w, m = p[_W], p[_M]
    if math.isnan(x):
        return p[_NAN] if p[_NAN] >= 0 else np.int64(1) << w
    saturate = p[_SATURATE] != 0
    word = _bits_of(x)
    sign = (word >> 63) & 1
    magnitude = abs(x)
    if math.isinf(magnitude):
        if p[_INF] >= 0:
            code = p[_INF]
        elif not saturate:
            code = p[_NAN]
        else:
            code = p[_MAX]
    elif magnitude == 0.0:
        code = np.int64(0)
    else:
        # magnitude = significand 2^(exp2 - 53), significand an integer in [2^52, 2^53)
        # (frexp's exponent exp2)
        biased64 = (word >> 52) & 0x7FF
        if biased64 > 0:
            significand = (word & 0xFFFFFFFFFFFFF) | 0x10000000000000
            exp2 = biased64 - 1022
        else:  # a float64 subnormal
            frac, exp2 = math.frexp(magnitude)
            significand = np.int64(frac * 9007199254740992.0)  # 2^53
        q = max(exp2 - 1, 1 - p[_BIAS]) - m  # exponent of the quantum at this binade
        shift = 53 - (exp2 - q)  # magnitude / 2^q = significand / 2^shift; shift >= 52 - m
        if shift > 62:  # below half the quantum
            n = np.int64(0)
        else:
            n = significand >> shift
            rest = significand & ((np.int64(1) << shift) - 1)
            half = np.int64(1) << (shift - 1)
            n += np.int64((rest > half) | ((rest == half) & ((n & 1) == 1)))  # nearest, even
        hidden = np.int64(1) << m
        biased = q + m + p[_BIAS] if n >= hidden else 0
        if n >= 2 * hidden:  # rounded up into the next binade
            biased += 1
            n >>= 1
        code = (biased << m) | (n - hidden) if biased > 0 else n
        largest = p[_MAX]
        top = largest >> m
        if (biased > top) | ((biased == top) & (code > largest)):
            if saturate:
                code = largest
            else:
                code = p[_INF] if p[_INF] >= 0 else p[_NAN]
    if (p[_SPECIALS] == 2) & (code == 0):  # fnuz: no negative zero
        sign = 0
    return code | (sign << (w - 1))


@numba.njit(cache=True, inline="always")
def _result(x, y, add):
    """x * y (exact), or x + y rounded to odd at 53 bits (exact TwoSum error)."""
    if not add:
        return x * y
    total = x + y
    if math.isfinite(total):
        # TwoSum (Knuth): x + y == total + error exactly
        y_virtual = total - x
        error = (x - (total - y_virtual)) + (y - y_virtual)
        word = _bits_of(total)
        if (error != 0.0) & ((word & 1) == 0):
            # round to odd: one float64 ULP towards the error (total is nonzero here)
            total = _float_of(word + 1 if (error > 0.0) == (total > 0.0) else word - 1)
    return total


@numba.njit(cache=True)
def _table_loop(a, b, ta, tb, po, add, out):
    """Operands decoded through their formats' value tables (<= 16 bits)."""
    for i in range(a.size):
        out[i] = _encode(_result(ta[np.int64(a[i])], tb[np.int64(b[i])], add), po)


@numba.njit(cache=True)
def _decode_loop(a, b, pa, pb, po, add, out):
    """Operands decoded from their fields (formats above 16 bits)."""
    for i in range(a.size):
        r = _result(_decode(np.int64(a[i]), pa), _decode(np.int64(b[i]), pb), add)
        out[i] = _encode(r, po)


@functools.lru_cache(maxsize=32)
def _decode_table(fmt):
    """Every code's value (`FloatFormat.decode`), for formats up to 16 bits."""
    return fmt.decode(np.arange(1 << fmt.width, dtype=np.int64)).astype(np.float64)


def _run(a, b, *, add, a_fmt, b_fmt, out_fmt, saturate, out_dtype):
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    shape = a.shape
    a, b = np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1)
    out = np.empty(a.size, dtype=out_dtype)
    po = format_params(out_fmt, saturate=saturate)
    if a_fmt.width <= 16 and b_fmt.width <= 16:
        _table_loop(a, b, _decode_table(a_fmt), _decode_table(b_fmt), po, add, out)
    else:
        _decode_loop(a, b, format_params(a_fmt), format_params(b_fmt), po, add, out)
    return out.reshape(shape)


def fp_mul_codes(a, b, *, a_fmt, b_fmt, out_fmt, saturate, out_dtype):
    """Correctly rounded products of code arrays (broadcast), as ``out_dtype`` codes."""
    return _run(
        a,
        b,
        add=False,
        a_fmt=a_fmt,
        b_fmt=b_fmt,
        out_fmt=out_fmt,
        saturate=saturate,
        out_dtype=out_dtype,
    )


def fp_add_codes(a, b, *, a_fmt, b_fmt, out_fmt, saturate, out_dtype):
    """Correctly rounded sums of code arrays (broadcast), as ``out_dtype`` codes."""
    return _run(
        a,
        b,
        add=True,
        a_fmt=a_fmt,
        b_fmt=b_fmt,
        out_fmt=out_fmt,
        saturate=saturate,
        out_dtype=out_dtype,
    )
