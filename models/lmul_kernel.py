"""Compiled per-pair loop (numba) of the L-Mul model of `picojoule.models.lmul`.

Numeric contract: that of `lmul.lmul` (its module docstring), computed pair by pair with the
same integer steps as the vectorized definition `lmul._lmul_direct`; `lmul` uses this loop for
formats wider than 8 bits that its sum tables do not cover (the ``formula`` variant, and every
variant above 16 bits). Tests check it bit-exact against `_lmul_direct` on every pair of 8-bit
formats and on random 16- and 32-bit pairs with corners.
"""

import numba
import numpy as np

from picojoule.models.float_kernels import format_params

__all__ = ["lmul_codes"]

_VARIANT_IDS = {"int_add": 0, "mitchell": 0, "formula": 1}
# Indices into the parameter vector.
_W, _M, _E, _BIAS, _SPECIALS, _NAN, _INF, _MAX, _OVER, _OFFSET, _VARIANT = range(11)


def _params(fmt, *, variant, offset, saturate):
    """`float_kernels.format_params`' format fields, then the overflow code, offset, variant."""
    if saturate:
        over_code = fmt.max_finite_code
    else:
        over_code = fmt.inf_code if fmt.has_inf else fmt.nan_code
    fields = format_params(fmt)[: _MAX + 1]
    return np.concatenate([fields, [over_code, offset, _VARIANT_IDS[variant]]]).astype(np.int64)


@numba.njit(cache=True, inline="always")
def _classes(c, p):
    """(is NaN, is Inf, is zero) of code ``c``."""
    w = p[_W]
    magnitude = c & ((1 << (w - 1)) - 1)
    kind = p[_SPECIALS]
    if kind == 0:
        nan = magnitude > p[_INF]
    elif kind == 1:
        nan = magnitude == (1 << (w - 1)) - 1
    elif kind == 2:
        nan = c == 1 << (w - 1)
    else:
        nan = False
    # bitwise & and ^ on the flags: numba compiles a value-producing `and`/`not` into slow code
    inf = (kind == 0) & (magnitude == p[_INF])
    return nan, inf, (magnitude == 0) & (nan ^ True)


@numba.njit(cache=True, inline="always")
def _pick(flag, when_set, otherwise):
    """``when_set if flag else otherwise`` as arithmetic (no branch: the flags of random
    operand pairs are unpredictable, and numba's branches on them cost ~20 ns a pair)."""
    f = np.int64(flag)
    return f * when_set + (1 - f) * otherwise


@numba.njit(cache=True, inline="always")
def _lmul_one(a, b, p):
    w, m = p[_W], p[_M]
    e_ones, m_mask, sign_mask = (1 << p[_E]) - 1, (1 << m) - 1, 1 << (w - 1)
    ea, ma = (a >> m) & e_ones, a & m_mask
    eb, mb = (b >> m) & e_ones, b & m_mask
    sign = ((a >> (w - 1)) ^ (b >> (w - 1))) & 1
    if p[_VARIANT] == 0:  # int_add / mitchell: one addition of the packed magnitudes
        mag = (a & (sign_mask - 1)) + (b & (sign_mask - 1)) - (p[_BIAS] << m) + p[_OFFSET]
        exponent = mag >> m  # floor: negative sums stay <= 0
    else:  # formula: significand 2^m + Mx + My + o, halved with truncation when it reaches 2
        significand = (1 << m) + ma + mb + p[_OFFSET]
        carry = significand >> (m + 1)  # 0 or 1
        significand >>= carry
        exponent = ea + eb - p[_BIAS] + carry
        mag = (exponent << m) | (significand - (1 << m))
    underflow = exponent <= 0
    mag = _pick(underflow, 0, _pick(mag > p[_MAX], p[_OVER], mag))
    mag = _pick((ea == 0) | (eb == 0), 0, mag)  # a zero or subnormal operand: signed zero
    a_nan, a_inf, a_zero = _classes(a, p)
    b_nan, b_inf, b_zero = _classes(b, p)
    any_inf, any_zero = a_inf | b_inf, a_zero | b_zero
    mag = _pick((p[_INF] >= 0) & any_inf & (any_zero ^ True), p[_INF], mag)
    code = mag | (sign << (w - 1))
    code = _pick((p[_SPECIALS] == 2) & (mag == 0), 0, code)  # fnuz: no negative zero
    return _pick((p[_NAN] >= 0) & (a_nan | b_nan | (any_inf & any_zero)), p[_NAN], code)


@numba.njit(cache=True)
def _lmul_loop(a, b, p, out):
    for i in range(a.size):
        out[i] = _lmul_one(np.int64(a[i]), np.int64(b[i]), p)


def lmul_codes(a, b, *, fmt, variant, offset, saturate):
    """L-Mul of code arrays (broadcast) of ``fmt``; ``offset`` in mantissa ULPs, ``saturate``:
    overflow gives max finite. Returns ``fmt.code_dtype`` codes."""
    a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
    shape = a.shape
    a, b = np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1)
    out = np.empty(a.size, dtype=fmt.code_dtype)
    _lmul_loop(a, b, _params(fmt, variant=variant, offset=offset, saturate=saturate), out)
    return out.reshape(shape)
