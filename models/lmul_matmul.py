"""L-Mul matrix multiplication at BLAS speed: C[i, j] = sum_k L-Mul(x[i, k], y[k, j]).

Numeric contract
----------------
Each product is exactly the element-wise model's value (`picojoule.models.lmul`); the
result is a float64 array of shape (M, N). How the products are summed is chosen with
``accumulate``:

``"float64"`` (default)
    Sums in float64 (the BLAS matmul runs in float32 only where that is provably exact,
    see below), equal to the element-wise loop whenever float64 sums of the products are
    exact and to float64 rounding otherwise.
``"float32"``
    The BLAS matmul sums its terms in float32, in BLAS order (like the fp32 accumulators of
    the hardware and like a float32 matmul of the same matrices; not bit-reproducible across
    BLAS builds or thread counts). Every term is still exact: the matmul runs in float64
    instead when a factor or term would leave float32's range or a partial sum could
    overflow (`_float32_terms_fit`). With S = sum_k p_k the exact sum of the exact products
    and P = sum_k |p_k|, the result C satisfies |C - S| <= gamma_{nK+1} P and, against the
    ``"float64"`` result C64, |C - C64| <= gamma_{nK+2} P, where gamma_j = j u / (1 - j u),
    u = 2^-24, K < 2^28 the inner size and n = 1 for ``formula_exact`` and the one-hot
    splits (all variants for 1 <= m <= 3 except ``mitchell`` with m = 1), else 2. Why:
    the terms of one product carry its sign (U, V >= 0), so they sum to P in absolute
    value; a float32 sum of j nonzero exact terms is within gamma_{j-1} of their sum in any
    order, with or without FMA, zero terms adding nothing (the one-hot splits have one
    nonzero term per product; ``formula_exact`` sums two float32 matmuls of K terms each
    and adds them in float32: gamma_K); the edge/correction products and the element-wise
    fallback (m > 3 except ``formula_exact``) are summed in float64 and added in float64,
    which stays within the next gamma for K < 2^28.

Inputs:

``fmt=`` (a float format)
    ``x`` (M x K) and ``y`` (K x N) are codes of ``fmt`` (integer arrays) or float arrays
    whose values are exactly representable in ``fmt``; the products are ``fmt``'s L-Mul
    results (flush of zeros/subnormals, underflow to zero, overflow mode, NaN/Inf rules).
``m=`` (mantissa bits)
    ``x`` and ``y`` are float arrays whose values have at most m mantissa bits and any
    exponent; products follow `lmul.lmul_values` (no underflow or overflow). Variant
    ``formula_exact`` (the written formula without truncation) is available here.

How it is fast: for normal operands the product is s 2^(xe + ye) H[Mx, My] / 2^m with H
the variant's significand table (`lmul.significand_table`). Writing H exactly as
sum_r U[Mx, r] V[My, r] turns the whole matmul into one BLAS matmul of inner size r*K:
A = [Ex U[Mx, r]]_r (M x rK) times B = [Ey V[My, r]]_r (rK x N), Ex = sx 2^xe and Ex = 0
for zero and subnormal operands (which flush to zero). ``formula_exact`` is affine in
(Mx, My), so r = 2 for any m: x Ey + Ex (y - (1 - c) Ey), the issue's
x Ey + Ex y + (c - 1) Ex Ey regrouped into two matmuls. The truncating/int-add/Mitchell
tables are not affine; for m <= 3 they are split exactly into r = 2^m one-hot terms (one per
row of H, integer entries, exact in float). Their rank is 2^m (e.g. 8 for int_add, m = 3), and
the rank of the whole 2^w x 2^w product table equals it, so no exact bilinear split needs
fewer matmul terms. For larger m there is no cheap exact split and the element-wise model is
used.

Every term of the fast path is an exact float64 product; only the summation order differs
from an element-wise loop, so the two agree exactly whenever float64 sums of the products are
exact (for e4m3 always when K <= 2^20: products are multiples of 2^-15 below 2^18) and to
float64 rounding otherwise.

Products the split cannot represent go element-wise, through a correction path: "edge"
entries of x and y (NaN and Inf; with ``fmt=`` also normal entries outside an exponent band
chosen from the data so that no product of two band entries can underflow or overflow) are
left out of the BLAS matmul, and their products with every entry of the other operand are
computed by the element-wise model and added (N products per edge entry of x, M per edge
entry of y), summed in float64. For 8-bit codes whose edge entries share few codes, the
products of one code with the whole other operand are gathered once from its table row and
each edge entry adds one row of them (`_edge_accumulate_code_rows`: same products, about
1.5x faster on N(0, 1) e4m3 data). Zeros and subnormals flush to zero, so they contribute
nothing to the matmul.
`fast_path_fraction` reports the share of the M K N products taken by BLAS (for e4m3 codes of
N(0, 1) data about 84%; for data inside the band 100%).

With ``accumulate="float64"`` the BLAS matmul runs in float32 when a bound proves every
partial sum exact in float32's 24-bit significand (`_float32_bound_holds`; typical for fp8
data in a band), else in float64. For codes of 8-bit formats every per-element quantity
depends on the code alone, so the bands come from code histograms and the factors A, B are
gathered from per-code tables (`_codes_fast`): same products, same proof, same edge
entries, fewer passes over the data. m-bit float64 values with m <= 3 take the same route
with the top 12 + m bits of each float64 as the code (`_values_fast`), and
``formula_exact`` on values without NaN, Inf or subnormals forms its factors by masking
(`_formula_exact_lean`; in float32 with float32 sums).
"""

import functools
import sys

import numpy as np

from picojoule.models import lmul as lmul_model
from picojoule.models import tables
from picojoule.models.formats import FloatFormat, Overflow, get_format

__all__ = [
    "ACCUMULATE",
    "lmul_matmul",
    "lmul_matmul_elementwise",
    "fast_path_fraction",
    "significand_split",
]

#: Largest mantissa width whose non-affine significand table is split into rank-one terms.
MAX_SPLIT_BITS = 3
#: Accumulation choices of `lmul_matmul` (``accumulate=``), the default first.
ACCUMULATE = ("float64", "float32")
#: Products held in memory at once by the element-wise path.
_CHUNK = 1 << 22
#: Bytes of per-code product matrices held at once by `_edge_accumulate_code_rows`.
_ROWS_BUDGET = 1 << 26


def significand_split(m, *, variant):
    """Exact integer factors (U, V), each 2^m x r, with H = U @ V.T; None if none is cheap.

    Tries the affine form H[i, j] = a_i + b_j (r = 2), then the cheaper of one rank-one term
    per row of H (r = 2^m) and the affine part plus one term per nonzero row of the rest.
    """
    if m > MAX_SPLIT_BITS:
        return None
    h = lmul_model.significand_table(m, variant=variant)
    n = h.shape[0]
    col0 = h[:, :1] - h[0, 0]
    u_aff = np.hstack([col0, np.ones((n, 1), np.int64)])
    v_aff = np.hstack([np.ones((n, 1), np.int64), h[:1, :].T])
    rest = h - u_aff @ v_aff.T
    rows = np.flatnonzero(np.any(rest != 0, axis=1))
    if rows.size == 0:
        return u_aff, v_aff
    if 2 + rows.size < n:
        one_hot = np.eye(n, dtype=np.int64)[:, rows]
        return np.hstack([u_aff, one_hot]), np.hstack([v_aff, rest[rows].T])
    return np.eye(n, dtype=np.int64), h.T.copy()


def _check_accumulate(accumulate):
    if accumulate not in ACCUMULATE:
        raise ValueError(
            f"unknown accumulate={accumulate!r}; choose float64 (exact products, "
            f"float64 sums) or float32 (exact products, float32 BLAS sums)"
        )


def _float32_terms_per_product(m, variant):
    """n of the float32 error bound: rounded additions per product that a sum may see
    (1 for ``formula_exact`` and the one-hot splits, r for the other splits)."""
    if variant == "formula_exact":
        return 1
    u, _ = significand_split(m, variant=variant)
    return 1 if np.array_equal(u, np.eye(u.shape[0], dtype=u.dtype)) else u.shape[1]


def _prepare(x, y, fmt, m, variant, overflow):
    if (fmt is None) == (m is None):
        raise ValueError("give exactly one of fmt= (a float format) or m= (mantissa bits)")
    if fmt is not None:
        fmt = get_format(fmt)
        if not isinstance(fmt, FloatFormat):
            raise ValueError(
                f"lmul_matmul needs a float format such as e4m3, e5m2, bf16; got {fmt.name}"
            )
        lmul_model.check_variant(variant)
        m = fmt.mantissa_bits
    else:
        if not isinstance(m, (int, np.integer)) or not 0 <= m <= 23:
            raise ValueError(f"mantissa bits m={m!r} out of range; choose m in 0..23")
        lmul_model.check_variant(variant, allowed=lmul_model.VALUE_VARIANTS)
    overflow = Overflow.parse(overflow)
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[0]:
        raise ValueError(
            f"shapes {x.shape} and {y.shape} do not chain; give x as M x K and y as K x N"
        )
    if fmt is not None:
        x, y = _as_codes(x, fmt, "x"), _as_codes(y, fmt, "y")
    else:
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return x, y, fmt, m, overflow


def _as_codes(arr, fmt, role):
    if arr.dtype.kind == "f":
        codes = fmt.encode(arr)
        back = fmt.decode(codes)
        same = (back == arr) | (np.isnan(back) & np.isnan(arr))
        if not np.all(same):
            raise ValueError(
                f"{role} holds values that are not {fmt.name} values; round them first "
                f"(picojoule.lmul_matmul does: it takes any float array) or pass integer codes"
            )
        return codes
    return tables.checked_codes(arr, fmt=fmt, role=role).astype(fmt.code_dtype, copy=False)


_F64_EXPONENT = np.uint64(0x7FF << 52)
_F64_SIGN_EXPONENT = np.uint64(0xFFF << 52)
#: Index of a float64's most significant 16-bit half.
_TOP_HALF = 3 if sys.byteorder == "little" else 0


class _Fields:
    """Per-element operand fields: mantissa index, Ex = sign 2^e (0 unless normal), flags."""

    def __init__(self, mant, scale, exponent, normal, special):
        self.mant, self.scale, self.exponent = mant, scale, exponent
        self.normal, self.special = normal, special


def _operand_fields(v, fmt, m, need_mant=True):
    if fmt is None:
        v = np.ascontiguousarray(v)
        bits = v.view(np.uint64)
        # The exponent field from the top 16 bits of each float64 (a quarter of the traffic).
        top = v.reshape(-1).view(np.uint16)[_TOP_HALF::4].reshape(v.shape)
        exp_field = ((top >> np.uint16(4)) & np.uint16(0x7FF)).view(np.int16)
        special = exp_field == 0x7FF
        zero_exp = exp_field == 0
        if np.any(zero_exp):
            special |= zero_exp & (v != 0)  # float64 subnormals
        normal = ~(special | zero_exp)
        low = bits & np.uint64((1 << (52 - m)) - 1)
        if np.any(low) and np.any(low[normal]):
            raise ValueError(
                f"values have more than m={m} mantissa bits; truncate or round them to m bits first"
            )
        mant = None
        if need_mant:
            mant = ((bits >> np.uint64(52 - m)) & np.uint64((1 << m) - 1)).astype(np.intp)
        scale = (bits & _F64_SIGN_EXPONENT).view(np.float64)  # +-0 for zeros, subnormals
        if np.any(special):
            scale = np.where(special, 0.0, scale)
        return _Fields(mant, scale, exp_field - np.int16(1023), normal, special)
    c = v.astype(np.int64)
    sign = c >> (fmt.width - 1)
    biased = (c >> m) & fmt.exponent_all_ones
    special = fmt.is_nan(c) | fmt.is_inf(c)
    normal = (biased > 0) & ~special
    scale_bits = (sign << 63) | ((biased - fmt.bias + 1023) << 52)
    scale = np.where(normal, scale_bits.view(np.float64), 0.0)
    return _Fields(
        (c & fmt.mantissa_mask).astype(np.intp), scale, biased - fmt.bias, normal, special
    )


def _carry_max(m, variant):
    """Largest exponent carry of the variant's significand (H < 2^(m + 1 + carry))."""
    if variant == "formula_exact":
        top = 3 * (1 << m) - 2 + lmul_model.offset_ulps(m, variant=variant)
    else:
        top = int(lmul_model.significand_table(m, variant=variant).max())
    return top.bit_length() - 1 - m


def _bands(fx, fy, fmt, m, variant):
    """Edge masks (x, y): entries whose products may leave the fast path's exact domain.

    Specials are always edge entries. With a format, the remaining normal entries are split
    by exponent into a band [lo, hi] per operand, chosen so that no product of two band
    entries can underflow (xe + ye + bias >= 1) or overflow (xe + ye + bias + carry <
    max biased exponent), and so that the element-wise work, N per edge entry of x and M
    per edge entry of y, is smallest.
    """
    edge_x, edge_y = fx.special.copy(), fy.special.copy()
    if fmt is None:
        return edge_x, edge_y
    e_min = 1 - fmt.bias
    size = fmt.max_biased_exponent - fmt.bias - e_min + 1
    count_x = np.bincount((fx.exponent[fx.normal] - e_min).ravel(), minlength=size)
    count_y = np.bincount((fy.exponent[fy.normal] - e_min).ravel(), minlength=size)
    lo_x, hi_x, lo_y, hi_y = _band_limits(
        count_x, count_y, fx.normal.shape[0], fy.normal.shape[1], fmt, m, variant
    )
    edge_x |= fx.normal & ((fx.exponent < lo_x) | (fx.exponent > hi_x))
    edge_y |= fy.normal & ((fy.exponent < lo_y) | (fy.exponent > hi_y))
    return edge_x, edge_y


def _band_limits(count_x, count_y, rows, cols, fmt, m, variant):
    """Exponent bands (lo_x, hi_x, lo_y, hi_y) from per-exponent counts of normal entries
    (index 0 is exponent 1 - bias); see `_bands`."""
    e_min, e_max = 1 - fmt.bias, fmt.max_biased_exponent - fmt.bias
    size = e_max - e_min + 1
    below_x = np.concatenate([[0], np.cumsum(count_x)])  # below_x[t]: entries with e < e_min + t
    below_y = np.concatenate([[0], np.cumsum(count_y)])

    def cost_below(t_x, t_y):  # edge entries below lo_x = e_min + t_x, lo_y likewise
        return cols * below_x[np.clip(t_x, 0, size)] + rows * below_y[np.clip(t_y, 0, size)]

    # lo_x + lo_y = 1 - bias  <=>  t_x + t_y = 1 - bias - 2 e_min
    t = np.arange(-size, 2 * size + 1)
    lo_sum = 1 - fmt.bias - 2 * e_min
    t_lo = int(t[np.argmin(cost_below(t, lo_sum - t))])
    lo_x, lo_y = e_min + t_lo, e_min + lo_sum - t_lo
    # hi_x + hi_y = max biased - 1 - bias - carry; edge above hi: total - below(hi + 1)
    hi_sum = fmt.max_biased_exponent - 1 - fmt.bias - _carry_max(m, variant)
    total_x, total_y = below_x[-1], below_y[-1]

    def cost_above(h_x, h_y):
        return cols * (total_x - below_x[np.clip(h_x - e_min + 1, 0, size)]) + rows * (
            total_y - below_y[np.clip(h_y - e_min + 1, 0, size)]
        )

    h = np.arange(e_min - size, e_max + size + 1)
    hi_x = int(h[np.argmin(cost_above(h, hi_sum - h))])
    hi_y = hi_sum - hi_x
    return lo_x, hi_x, lo_y, hi_y


def _core(f, edge):
    """The fields with edge entries removed (they contribute 0 to the fast path)."""
    scale = np.where(edge, 0.0, f.scale) if np.any(edge) else f.scale
    return _Fields(f.mant, scale, f.exponent, f.normal & ~edge, np.zeros_like(edge))


def _edge_accumulate(out, a, b, edge_a, skip_b, fmt, m, variant, overflow):
    """out[i, :] += sum over edge entries a[i, k] of product(a[i, k], b[k, :]), except where
    ``skip_b[k, :]`` (pairs already counted). L-Mul is symmetric in its operands, so the
    column pass runs as this row pass on the transposed matrices (contiguous rows)."""
    ei, ek = np.nonzero(edge_a)  # sorted by i
    if fmt is not None and fmt.width <= 8:
        codes = a[ei, ek]
        used, slot = np.unique(codes, return_inverse=True)
        if 8 * b.size <= _ROWS_BUDGET and used.size * b.shape[0] <= ei.size:
            _edge_accumulate_code_rows(
                out,
                b,
                ei,
                ek,
                used,
                slot.reshape(-1),
                skip_b,
                _value_table(fmt, variant, overflow).reshape(1 << fmt.width, 1 << fmt.width),
            )
            return
    step = max(1, _CHUNK // max(1, b.shape[1]))
    for start in range(0, ei.size, step):
        i, k = ei[start : start + step], ek[start : start + step]
        prods = _products(a[i, k][:, None], b[k, :], fmt, m, variant, overflow)
        if skip_b is not None:
            prods[skip_b[k, :]] = 0.0
        bounds = np.flatnonzero(np.r_[True, i[1:] != i[:-1], True])
        with np.errstate(invalid="ignore"):
            for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
                out[i[lo]] += prods[lo:hi].sum(axis=0)  # (numpy's reduceat is slower)


def _edge_accumulate_code_rows(out, b, ei, ek, used, slot, skip_b, table):
    """`_edge_accumulate` for codes of an 8-bit format when edge entries share few codes.

    The products of one code c with all of b form the matrix table[c][b] (one gather from a
    256-entry row, with ``skip_b`` pairs set to 0), so each edge entry a[i, k] = c adds row
    k of that matrix to out[i, :]; the rows of one output row are gathered and summed in
    float64. Same products as the element-wise path; codes are processed in batches that
    fit `_ROWS_BUDGET` bytes.
    """
    rows, cols = b.shape
    index = b.astype(np.intp)
    per_batch = max(1, _ROWS_BUDGET // (8 * b.size))
    buffer = np.empty((min(per_batch, used.size) * rows, cols))
    with np.errstate(invalid="ignore"):  # Inf + -Inf -> NaN
        for first in range(0, used.size, per_batch):
            batch = used[first : first + per_batch]
            for s, c in enumerate(batch.tolist()):
                block = buffer[s * rows : (s + 1) * rows]
                np.take(table[c], index, out=block, mode="clip")  # codes index the row
                if skip_b is not None:
                    np.putmask(block, skip_b, 0.0)
            pick = (slot >= first) & (slot < first + batch.size)
            i = ei[pick]
            r = (slot[pick] - first) * rows + ek[pick]
            bounds = np.flatnonzero(np.r_[True, i[1:] != i[:-1], True]).tolist()
            for lo, hi in zip(bounds[:-1], bounds[1:]):
                out[i[lo]] += buffer[r[lo:hi]].sum(axis=0)


@functools.lru_cache(maxsize=16)
def _value_table(fmt, variant, overflow):
    codes = fmt.all_codes()
    a = np.repeat(codes, codes.size)
    b = np.tile(codes, codes.size)
    return fmt.decode(lmul_model.lmul(a, b, fmt=fmt, variant=variant, overflow=overflow))


def _products(xs, ys, fmt, m, variant, overflow):
    """Element-wise product values of broadcast operands (float64)."""
    if fmt is None:
        return lmul_model.lmul_values(xs, ys, m=m, variant=variant)
    if fmt.width <= 8:
        return tables.lookup(_value_table(fmt, variant, overflow), xs, ys, b_width=fmt.width)
    return fmt.decode(lmul_model.lmul(xs, ys, fmt=fmt, variant=variant, overflow=overflow))


def _elementwise_rows(x, y, rows, cols, fmt, m, variant, overflow):
    """sum_k product(x[i, k], y[k, j]) for i in rows, j in cols (float64, chunked)."""
    k = x.shape[1]
    out = np.empty((rows.size, cols.size))
    if rows.size == 0 or cols.size == 0:
        return out
    yc = y[:, cols]
    step = max(1, _CHUNK // max(1, k * cols.size))
    for start in range(0, rows.size, step):
        block = x[rows[start : start + step]]  # (b, K)
        prods = _products(block[:, :, None], yc[None, :, :], fmt, m, variant, overflow)
        with np.errstate(invalid="ignore"):  # Inf + -Inf -> NaN
            out[start : start + step] = prods.sum(axis=1)
    return out


def lmul_matmul_elementwise(x, y, *, fmt=None, m=None, variant="int_add", overflow=Overflow.NONSAT):
    """The reference: element-wise L-Mul products, summed over k in float64 (slow)."""
    x, y, fmt, m, overflow = _prepare(x, y, fmt, m, variant, overflow)
    return _elementwise_rows(
        x, y, np.arange(x.shape[0]), np.arange(y.shape[1]), fmt, m, variant, overflow
    )


def _float32_gemm(fx, fy, m, u_sum, v_max, *, grain, accumulate):
    """True if the BLAS matmul of the factors runs in float32.

    ``accumulate="float64"``: only if every partial sum is provably exact in float32
    (`_float32_bound_holds`), so the float32 result equals the float64 one.
    ``accumulate="float32"``: if every factor and term is exact in float32 and no partial sum
    can overflow (`_float32_terms_fit`); the sums then round in float32.
    """
    if not (np.any(fx.normal) and np.any(fy.normal)):
        return False
    big = 1 << 14  # beyond any exponent, fits int16
    lo_x = int(np.min(fx.exponent, where=fx.normal, initial=big))
    lo_y = int(np.min(fy.exponent, where=fy.normal, initial=big))
    hi_x = int(np.max(fx.exponent, where=fx.normal, initial=-big))
    hi_y = int(np.max(fy.exponent, where=fy.normal, initial=-big))
    test = _float32_terms_fit if accumulate == "float32" else _float32_bound_holds
    return test(
        lo_x,
        hi_x,
        lo_y,
        hi_y,
        float(np.abs(fx.scale).sum(axis=1).max()),
        float(np.abs(fy.scale).max()),
        m,
        u_sum,
        v_max,
        grain=grain,
    )


def _float32_bound_holds(lo_x, hi_x, lo_y, hi_y, row_sum_x, max_y, m, u_sum, v_max, *, grain):
    """Exactness test from exponent ranges of the normal entries, max_i sum_k |Ex_ik| and
    max |Ey|.

    All terms are integer multiples of 2^q with q = min xe + min ye - grain (A's entries are
    multiples of 2^(xe - m), B's of 2^(ye - grain + m)); every partial sum of output (i, j)
    is at most (sum_k |Ex_ik| u_sum / 2^m) (max |Ey| v_max). If that bound is below
    2^(24 + q), every partial sum, in any order and with or without FMA, is exact in
    float32's 24-bit significand, so the float32 result equals the float64 one.
    """
    q = lo_x + lo_y - grain
    if q < -120 or hi_x + m + 3 > 120 or hi_y + m + 3 > 120:
        return False  # stay clear of float32's range
    return row_sum_x * u_sum / 2.0**m * max_y * v_max < 2.0 ** (24 + q)


def _float32_terms_fit(lo_x, hi_x, lo_y, hi_y, row_sum_x, max_y, m, u_sum, v_max, *, grain):
    """True if every factor and every term of the float32 matmul is exact and no partial
    sum can overflow (same ingredients as `_float32_bound_holds`).

    Factors and terms have at most 24 significant bits (the splits' factors m + 3 <= 6 and
    terms 2 m + 4 <= 10; ``formula_exact``'s x, y - (1 - c) Ey and terms m + 1 <= 24), so
    each is exact in float32 when its lowest bit is at least 2^-149 (A: 2^(xe - m),
    B: 2^(ye - grain + m), terms: 2^(xe + ye - grain)) and it stays below 2^127 (A below
    2^(xe + 3), B below 2^(ye + m + 3)). Every partial sum is at most
    (1 + gamma) times sum_k sum_t |a_ikt b_ktj| <= row_sum_x u_sum / 2^m max_y v_max,
    kept below 2^126.
    """
    if min(lo_x - m, lo_y - grain + m, lo_x + lo_y - grain) < -149:
        return False
    if hi_x + 3 > 127 or hi_y + m + 3 > 127:
        return False
    return row_sum_x * u_sum / 2.0**m * max_y * v_max < 2.0**126


@functools.lru_cache(maxsize=16)
def _code_fields(fmt):
    """`_Fields` of every code of an 8-bit format, indexed by code."""
    return _operand_fields(fmt.all_codes(), fmt, fmt.mantissa_bits)


def _codes_fast(x, y, fmt, variant, accumulate="float64"):
    """Fast path for codes of an 8-bit format through per-code tables.

    Every per-element quantity (exponent, band membership, the factor rows Ex U[Mx] / 2^m
    and Ey V[My]) depends on the code alone, so it is computed once per code and gathered;
    the band limits come from code histograms. Same products, same exactness proof (the
    float32 test gets the same ingredients), same edge entries as the general path.
    Returns (fast-path matrix, edge mask of x, edge mask of y).
    """
    m = fmt.mantissa_bits
    cf = _code_fields(fmt)
    n = cf.scale.size
    e_min = 1 - fmt.bias
    size = fmt.max_biased_exponent - fmt.bias - e_min + 1
    hist_x = np.bincount(x.ravel(), minlength=n)
    hist_y = np.bincount(y.ravel(), minlength=n)
    exp_idx = cf.exponent[cf.normal] - e_min
    count_x = np.bincount(exp_idx, weights=hist_x[cf.normal], minlength=size).astype(np.int64)
    count_y = np.bincount(exp_idx, weights=hist_y[cf.normal], minlength=size).astype(np.int64)
    lo_x, hi_x, lo_y, hi_y = _band_limits(count_x, count_y, x.shape[0], y.shape[1], fmt, m, variant)
    core_x = cf.normal & (cf.exponent >= lo_x) & (cf.exponent <= hi_x)
    core_y = cf.normal & (cf.exponent >= lo_y) & (cf.exponent <= hi_y)
    edge_code_x = cf.special | (cf.normal & ~core_x)
    edge_code_y = cf.special | (cf.normal & ~core_y)
    out = _table_matmul(cf, core_x, core_y, hist_x, hist_y, x, y, m, variant, accumulate)
    return out, edge_code_x[x], edge_code_y[y]


@functools.lru_cache(maxsize=8)
def _value_code_fields(m):
    """`_Fields` of every "value code" for m <= 4: the top 12 + m bits (sign, exponent, m
    mantissa bits) of a float64 with at most m mantissa bits, indexed by that code."""
    codes = np.arange(1 << (12 + m), dtype=np.uint64) << np.uint64(52 - m)
    return _operand_fields(codes.view(np.float64), None, m)


def _values_fast(x, y, m, variant, accumulate):
    """Fast path for m-bit float64 values (m <= 3) through per-code tables, or None.

    The top 16 bits of a float64 hold its sign, exponent and first 4 mantissa bits, so for
    m <= 4 a value with at most m mantissa bits is identified by a 12 + m bit "value code"
    and `_codes_fast`'s gather applies with every float64 exponent as a table row. Edge
    entries are the specials (NaN, Inf). None (the caller takes the general path, which
    also rejects values with more than m mantissa bits) when any value has mantissa bits
    beyond the first m, as float64 subnormals and NaN payloads may.
    Returns (fast-path matrix, edge mask of x, edge mask of y).
    """
    codes = []
    for v in (x, y):
        flat = np.ascontiguousarray(v).reshape(-1)
        if np.any(flat.view(np.uint64) & np.uint64((1 << (52 - m)) - 1)):
            return None
        top = flat.view(np.uint16)[_TOP_HALF::4]
        codes.append((top >> np.uint16(4 - m)).reshape(v.shape))
    cx, cy = codes
    cf = _value_code_fields(m)
    n = cf.scale.size
    hist_x, hist_y = np.bincount(cx.ravel(), minlength=n), np.bincount(cy.ravel(), minlength=n)
    out = _table_matmul(cf, cf.normal, cf.normal, hist_x, hist_y, cx, cy, m, variant, accumulate)
    return out, cf.special[cx], cf.special[cy]


def _table_matmul(cf, core_x, core_y, hist_x, hist_y, x, y, m, variant, accumulate):
    """sum over k of the split's terms for codes x (M x K), y (K x N) with per-code fields
    ``cf`` (`_Fields` indexed by code); codes outside ``core_x`` / ``core_y`` contribute 0.
    ``hist_*`` are code histograms. The float32 decision gets the ingredients of
    `_float32_gemm`: exponent ranges of the codes used, max_i sum_k |Ex_ik|, max |Ey|."""
    u, v = significand_split(m, variant=variant)
    u_sum, v_max = int(np.abs(u).sum(axis=1).max()), int(np.abs(v).max())
    used_x, used_y = core_x & (hist_x > 0), core_y & (hist_y > 0)
    use32 = False
    scale_x = np.where(used_x, cf.scale, 0.0)  # codes not used: rows of 0
    scale_y = np.where(used_y, cf.scale, 0.0)
    if np.any(used_x) and np.any(used_y):
        row_sum_x = float(np.abs(scale_x)[x].sum(axis=1).max())
        test = _float32_terms_fit if accumulate == "float32" else _float32_bound_holds
        use32 = test(
            int(cf.exponent[used_x].min()),
            int(cf.exponent[used_x].max()),
            int(cf.exponent[used_y].min()),
            int(cf.exponent[used_y].max()),
            row_sum_x,
            float(np.abs(scale_y[used_y]).max()),
            m,
            u_sum,
            v_max,
            grain=m,
        )
    dtype = np.float32 if use32 else np.float64
    # A[i, k r + t] = Ex_ik U[Mx_ik, t] / 2^m; B.T[j, k r + t] = Ey_kj V[My_kj, t].
    table_a = ((scale_x / 2.0**m)[:, None] * u[cf.mant]).astype(dtype)
    table_b = (scale_y[:, None] * v[cf.mant]).astype(dtype)
    (rows, k), cols, r = x.shape, y.shape[1], u.shape[1]
    a = np.take(table_a, x, axis=0).reshape(rows, k * r)
    b_t = np.take(table_b, y.T, axis=0).reshape(cols, k * r)
    return (a @ b_t.T).astype(np.float64, copy=False)


def _fast_product(x, y, fx, fy, m, variant, accumulate="float64"):
    """The fast-path matrix (float64), or None where no exact split exists."""
    if variant == "formula_exact":
        # product = Ex Ey (1 + xm + ym + c) = x Ey + Ex (y - (1 - c) Ey), Ey (ym + c) exact
        u_sum, v_max = 1 << (m + 2), 2  # |x| + |Ex| < 3 |Ex|; |Ey (ym + c)| < 2 |Ey|
        c = lmul_model.offset_value(m, variant=variant)
        use32 = _float32_gemm(
            fx,
            fy,
            m,
            u_sum,
            v_max,
            grain=2 * m,  # y - Ey: 2^(ye-m)
            accumulate=accumulate,
        )
        dtype = np.float32 if use32 else np.float64
        # Zeros give 0 in every factor; edge entries were zeroed by the caller.
        a1 = x.astype(dtype, copy=False)
        b2 = (y - (1.0 - c) * fy.scale).astype(dtype, copy=False)
        out = np.matmul(a1, fy.scale.astype(dtype, copy=False))
        out += np.matmul(fx.scale.astype(dtype, copy=False), b2)
        return out.astype(np.float64, copy=False)
    else:
        split = significand_split(m, variant=variant)
        if split is None:
            return None
        u, v = split
        u_sum, v_max = int(np.abs(u).sum(axis=1).max()), int(np.abs(v).max())
        use32 = _float32_gemm(
            fx,
            fy,
            m,
            u_sum,
            v_max,
            grain=m,  # V is integer
            accumulate=accumulate,
        )
        dtype = np.float32 if use32 else np.float64
        r = u.shape[1]
        (rows, k), cols = fx.scale.shape, fy.scale.shape[1]
        # A[i, k r + t] = Ex_ik U[Mx_ik, t] / 2^m and B[k r + t, j] = Ey_kj V[My_kj, t].
        x_scale = (fx.scale / 2.0**m).astype(dtype)
        if np.array_equal(u, np.eye(u.shape[0], dtype=u.dtype)):  # one-hot: a scatter
            a = np.zeros((rows, k, r), dtype)
            np.put_along_axis(a, fx.mant[:, :, None], x_scale[:, :, None], axis=2)
        else:
            a = x_scale[:, :, None] * u.astype(dtype)[fx.mant]
        a = a.reshape(rows, k * r)
        b = np.empty((k, r, cols), dtype)
        y_scale = fy.scale.astype(dtype)
        for t in range(r):
            np.multiply(y_scale, v[:, t].astype(dtype)[fy.mant], out=b[:, t, :])
        b = b.reshape(k * r, cols)
    return (a @ b).astype(np.float64, copy=False)


def _formula_exact_lean(x, y, m, accumulate):
    """``formula_exact`` on m-bit values without per-element fields, or None to take the
    general path.

    The same two matmuls as `_fast_product`, x Ey + Ex (y - (1 - c) Ey), with the checks
    read from the top 16 bits of each value and Ex, Ey formed by masking the mantissa.
    ``accumulate="float64"``: the same float32/float64 decision as `_float32_gemm` (same
    ingredients), the same factors. ``"float32"``: every factor formed in float32
    (y - (1 - c) Ey = Ey (ym + c) is exact there). None when an operand holds NaN, Inf,
    float64 subnormals or values with more than m mantissa bits (the general path handles
    or rejects them) or is all zero, and with float32 sums when an exponent is below
    float32's normal range or `_float32_terms_fit` fails (the general path then decides).
    """
    x, y = np.ascontiguousarray(x), np.ascontiguousarray(y)
    spans = []
    for v in (x, y):
        flat = v.reshape(-1)
        exp_field = flat.view(np.uint16)[_TOP_HALF::4] & np.uint16(0x7FF0)
        hi = int(exp_field.max()) >> 4
        if hi in (0, 0x7FF):
            return None  # all zero, or NaN/Inf
        lo = int(np.min(exp_field, where=exp_field > 0, initial=0x7FF0)) >> 4
        zero = exp_field == 0
        if np.any(zero) and np.any(flat[zero] != 0):
            return None  # float64 subnormals
        if np.any(flat.view(np.uint64) & np.uint64((1 << (52 - m)) - 1)):
            return None
        spans.append((lo - 1023, hi - 1023))
    (lo_x, hi_x), (lo_y, hi_y) = spans
    c = lmul_model.offset_value(m, variant="formula_exact")
    u_sum, v_max = 1 << (m + 2), 2  # as in `_fast_product`
    if accumulate == "float32":
        if min(lo_x, lo_y) < -126 or not _float32_terms_fit(
            lo_x, hi_x, lo_y, hi_y, x.shape[1] * 2.0**hi_x, 2.0**hi_y, m, u_sum, v_max, grain=2 * m
        ):
            return None
        x32, y32 = x.astype(np.float32), y.astype(np.float32)
        sign_exponent = np.uint32(0xFF800000)
        ex = (x32.view(np.uint32) & sign_exponent).view(np.float32)
        ey = (y32.view(np.uint32) & sign_exponent).view(np.float32)
        out = np.matmul(x32, ey)
        out += np.matmul(ex, y32 - np.float32(1.0 - c) * ey)
        return out.astype(np.float64)
    ex = (x.view(np.uint64) & _F64_SIGN_EXPONENT).view(np.float64)
    ey = (y.view(np.uint64) & _F64_SIGN_EXPONENT).view(np.float64)
    b2 = y - (1.0 - c) * ey
    if _float32_bound_holds(
        lo_x,
        hi_x,
        lo_y,
        hi_y,
        float(np.abs(ex).sum(axis=1).max()),
        2.0**hi_y,
        m,
        u_sum,
        v_max,
        grain=2 * m,
    ):
        x, ex, ey, b2 = (v.astype(np.float32) for v in (x, ex, ey, b2))
    out = np.matmul(x, ey)
    out += np.matmul(ex, b2)
    return out.astype(np.float64, copy=False)


def lmul_matmul(
    x, y, *, fmt=None, m=None, variant="int_add", overflow=Overflow.NONSAT, accumulate="float64"
):
    """sum_k L-Mul(x[i, k], y[k, j]) through BLAS: exact products, sums in float64 or float32.

    Parameters
    ----------
    x, y : array_like, shapes (M, K) and (K, N)
        Codes or values of ``fmt``, or m-bit float values (see the module docstring).
    fmt : FloatFormat or str, optional
    m : int, optional
        Exactly one of ``fmt`` and ``m``.
    variant : {"int_add", "formula", "mitchell"} (also "formula_exact" with ``m``)
    overflow : Overflow or {"nonsat", "sat"}
        Only with ``fmt``.
    accumulate : {"float64", "float32"}
        How the BLAS matmul sums the (exact) products: ``"float64"`` (float32 only where
        that is provably exact) or ``"float32"`` (rounded float32 sums in BLAS order, within
        the bound stated in the module docstring). The edge/correction path and the
        element-wise fallback sum in float64 either way.

    Returns
    -------
    ndarray, float64, shape (M, N)
    """
    _check_accumulate(accumulate)
    x, y, fmt, m, overflow = _prepare(x, y, fmt, m, variant, overflow)
    if variant != "formula_exact" and significand_split(m, variant=variant) is None:
        return _elementwise_rows(
            x, y, np.arange(x.shape[0]), np.arange(y.shape[1]), fmt, m, variant, overflow
        )
    if fmt is None and variant == "formula_exact":
        out = _formula_exact_lean(x, y, m, accumulate)
        if out is not None:
            return out
    fast = None
    if fmt is not None and fmt.width <= 8:
        fast = _codes_fast(x, y, fmt, variant, accumulate)
    elif fmt is None and variant != "formula_exact":
        fast = _values_fast(x, y, m, variant, accumulate)
    if fast is not None:
        out, edge_x, edge_y = fast
    else:
        need_mant = variant != "formula_exact"
        fx, fy = _operand_fields(x, fmt, m, need_mant), _operand_fields(y, fmt, m, need_mant)
        edge_x, edge_y = _bands(fx, fy, fmt, m, variant)
        core_x, core_y = x, y
        if fmt is None:  # formula_exact reads the values themselves
            core_x = np.where(edge_x, 0.0, x) if np.any(edge_x) else x
            core_y = np.where(edge_y, 0.0, y) if np.any(edge_y) else y
        out = _fast_product(
            core_x, core_y, _core(fx, edge_x), _core(fy, edge_y), m, variant, accumulate
        )
    if np.any(edge_x):
        _edge_accumulate(out, x, y, edge_x, None, fmt, m, variant, overflow)
    if np.any(edge_y):
        out_t = np.ascontiguousarray(out.T)
        _edge_accumulate(
            out_t,
            np.ascontiguousarray(y.T),
            np.ascontiguousarray(x.T),
            edge_y.T,
            np.ascontiguousarray(edge_x.T),
            fmt,
            m,
            variant,
            overflow,
        )
        out = np.ascontiguousarray(out_t.T)
    return out


def fast_path_fraction(x, y, *, fmt=None, m=None, variant="int_add"):
    """Share of the M K N products that `lmul_matmul` takes from BLAS (the rest element-wise)."""
    x, y, fmt, m, _ = _prepare(x, y, fmt, m, variant, Overflow.NONSAT)
    if variant != "formula_exact" and significand_split(m, variant=variant) is None:
        return 0.0
    fx, fy = _operand_fields(x, fmt, m), _operand_fields(y, fmt, m)
    edge_x, edge_y = _bands(fx, fy, fmt, m, variant)
    rows, k = x.shape
    cols = y.shape[1]
    slow = edge_x.sum() * cols + (edge_y * (rows - edge_x.sum(axis=0))[:, None]).sum()
    return 1.0 - float(slow) / max(1, rows * k * cols)
