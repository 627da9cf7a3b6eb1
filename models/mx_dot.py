"""The block dot product of block-scaled formats and DotGeneral: the golden models.

Numeric contract (OCP MX v1.0 leaves the internal precision open; ours is exact)
-------------------------------------------------------------------------------
``Dot(A, B) = X_A X_B sum_i P_i(A) P_i(B)`` for two blocks of ``k`` elements:

* every element product is exact (``products="exact"``), or the element format's L-Mul
  (``products="lmul"``: `picojoule.models.lmul`'s ``int_add`` on the packed
  exponent|mantissa fields, evaluated with an unbounded exponent, so it never overflows or
  underflows; a zero or subnormal element gives a zero product; both blocks need the same
  float element format);
* the products are summed exactly in a two's-complement fixed-point accumulator whose LSB is
  the smallest product quantum and whose width (`accumulator_layout`) holds any sum of
  ``k`` products;
* the sum times the two block scales is rounded once, to nearest with ties to even, to
  ``out`` (fp32, or bf16), with gradual underflow; overflow gives +-Inf (non-saturating);
  an exact zero is +0.

Special values: a NaN scale or a NaN element in either block gives NaN (the canonical
NaN of ``out``); an infinite element (e5m2) times a zero element is NaN, times a nonzero
element (finite or not) a signed Inf; +Inf and -Inf products in one block give NaN,
otherwise an infinite product makes the result that Inf times the scales' sign (NaN if a
scale is zero: NVFP4's e4m3 scale can be 0).

``DotGeneral`` (`dot_general`) of ``A`` (M x K) and ``B`` (N x K, blocks along K, both
quantized with the same k): ``C[m, n] = acc``, ``acc = +0`` then
``acc = fp32(acc + Dot_j)`` for the blocks ``j = 0, 1, ...`` in order (RNE per addition; a
bf16 ``Dot_j`` enters exactly). For NVFP4 the tensor scales are applied last:
``C = fp32(acc * fp32(T_A T_B))``.
"""

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from picojoule.base.errors import UserError
from picojoule.models.formats import PRESETS
from picojoule.models.lmul import offset_ulps
from picojoule.models.mx_formats import BlockTensor

__all__ = [
    "OUT_FORMATS",
    "PRODUCTS",
    "accumulator_layout",
    "product_terms",
    "block_dot",
    "dot_general",
    "round_scaled",
]

OUT_FORMATS = ("fp32", "bf16")
PRODUCTS = ("exact", "lmul")


def check_products(products, a_elem, b_elem):
    if products not in PRODUCTS:
        raise UserError(f"unknown product type {products!r}; choose from {', '.join(PRODUCTS)}")
    if products == "lmul" and (a_elem != b_elem or a_elem.is_int):
        raise UserError(
            f"L-Mul products need one float element format in both blocks, got "
            f"{a_elem.name} x {b_elem.name}; use products='exact' or equal float formats"
        )


def check_out(out):
    if out not in OUT_FORMATS:
        raise UserError(f"unknown output format {out!r}; choose from {', '.join(OUT_FORMATS)}")
    return PRESETS[out]


def product_terms(a, b, *, a_elem, b_elem, products="exact"):
    """(sign, significand, exponent) int64 arrays of the element products of codes ``a``, ``b``.

    The product is ``(-1)^sign significand 2^exponent``; specials give meaningless terms.
    """
    if products == "exact":
        sa, ma, ea = a_elem.terms(a)
        sb, mb, eb = b_elem.terms(b)
        return sa ^ sb, ma * mb, ea + eb
    f = a_elem.float_format
    a = a_elem.check_codes(a)
    b = b_elem.check_codes(b)
    m = f.mantissa_bits
    packed = (a & (f.sign_mask - 1)) + (b & (f.sign_mask - 1)) - (f.bias << m)
    packed = packed + offset_ulps(m, variant="int_add")
    exponent = packed >> m  # floor: an unbounded biased exponent
    significand = (packed & f.mantissa_mask) | (1 << m)
    flush = ((a >> m) & f.exponent_all_ones == 0) | ((b >> m) & f.exponent_all_ones == 0)
    sign = ((a ^ b) >> (f.width - 1)) & 1
    return sign, np.where(flush, 0, significand), exponent - f.bias - m


@functools.cache
def accumulator_layout(a_elem, b_elem, k, products="exact"):
    """(lsb_exponent, width): the fixed-point accumulator that holds any block sum exactly.

    ``lsb_exponent`` is the smallest exponent of a nonzero product's unit; ``width`` counts
    the magnitude bits of the largest product, ``ceil(log2 k)`` carry bits and a sign bit.
    Found by enumerating every pair of finite element codes.
    """
    a = np.arange(1 << a_elem.width)
    b = np.arange(1 << b_elem.width)
    a = a[~(a_elem.is_nan(a) | a_elem.is_inf(a))]
    b = b[~(b_elem.is_nan(b) | b_elem.is_inf(b))]
    aa, bb = np.repeat(a, b.size), np.tile(b, a.size)
    _, sig, exp = product_terms(aa, bb, a_elem=a_elem, b_elem=b_elem, products=products)
    nonzero = sig > 0
    lsb = int(exp[nonzero].min())
    top = int((np.floor(np.log2(sig[nonzero])).astype(np.int64) + 1 + exp[nonzero] - lsb).max())
    return lsb, top + max(k - 1, 0).bit_length() + 1


def _round_int(n, e, fmt):
    """Code of ``fmt`` nearest (ties to even) to the integer ``n`` times ``2^e`` (Python ints)."""
    n, e = int(n), int(e)
    if n == 0:
        return 0
    sign = int(n < 0) << (fmt.width - 1)
    mag = abs(n)
    msb = mag.bit_length() - 1 + e
    m = fmt.mantissa_bits
    q = max(msb, 1 - fmt.bias) - m
    shift = q - e
    if shift <= 0:
        quanta = mag << -shift
    else:
        quanta, rem = mag >> shift, mag & ((1 << shift) - 1)
        half = 1 << (shift - 1)
        if rem > half or (rem == half and quanta & 1):
            quanta += 1
    if quanta >> (m + 1):  # rounded up into the next binade
        quanta >>= 1
        q += 1
    code = ((q + m + fmt.bias) << m) | (quanta - (1 << m)) if quanta >> m else quanta
    if code > fmt.max_finite_code:
        code = fmt.inf_code
    return code | sign


def round_scaled(n, e, *, fmt):
    """Codes of ``fmt`` nearest (RNE, overflow to Inf) to ``n * 2^e`` (int or object arrays).

    Values whose integer fits in 53 bits go through an exact float64 and
    `FloatFormat.encode`; larger ones through exact Python integers.
    """
    n = np.asarray(n)
    e = np.broadcast_to(np.asarray(e, dtype=np.int64), n.shape)
    if n.dtype == object:
        small = np.array([abs(int(v)) < (1 << 53) for v in n.ravel()], bool).reshape(n.shape)
    else:
        small = np.abs(n) < (1 << 53)
    out = np.zeros(n.shape, dtype=np.int64)
    if small.any():
        values = np.ldexp(n[small].astype(np.float64), e[small].astype(np.int32))
        out[small] = fmt.encode(values)
    for idx in zip(*np.nonzero(~small)):
        out[idx] = _round_int(n[idx], e[idx], fmt)
    return out


def block_dot(
    a_elements, a_scales, b_elements, b_scales, *, a_fmt, b_fmt, out="fp32", products="exact"
):
    """Dot of block pairs: codes (..., k) and scale codes (...,) in; ``out`` codes (...) out.

    ``a_fmt``, ``b_fmt`` are `BlockFormat`s with the same ``k``; see the module docstring.
    """
    out_fmt = check_out(out)
    ae, be = a_fmt.element, b_fmt.element
    check_products(products, ae, be)
    if a_fmt.k != b_fmt.k:
        raise UserError(f"block sizes differ (k={a_fmt.k} and k={b_fmt.k}); use one k")
    a = ae.check_codes(a_elements)
    b = be.check_codes(b_elements)
    xa = a_fmt.scale.check_codes(a_scales)
    xb = b_fmt.scale.check_codes(b_scales)
    if a.shape[-1:] != (a_fmt.k,) or b.shape[-1:] != (a_fmt.k,):
        raise UserError(f"blocks must hold k={a_fmt.k} elements along the last axis")
    try:
        shape = np.broadcast_shapes(a.shape[:-1], b.shape[:-1], xa.shape, xb.shape)
    except ValueError:
        raise UserError(
            "block and scale shapes do not broadcast: elements (..., k), scales (...)"
        ) from None
    a = np.broadcast_to(a, (*shape, a_fmt.k))
    b = np.broadcast_to(b, (*shape, a_fmt.k))
    xa, xb = np.broadcast_to(xa, shape), np.broadcast_to(xb, shape)
    sign, sig, exp = product_terms(a, b, a_elem=ae, b_elem=be, products=products)
    a_inf, b_inf = ae.is_inf(a), be.is_inf(b)
    a_zero, b_zero = ae.decode(a) == 0, be.decode(b) == 0
    inf_prod = (a_inf | b_inf) & ~a_zero & ~b_zero
    nan = ae.is_nan(a).any(-1) | be.is_nan(b).any(-1)
    nan |= ((a_inf & b_zero) | (b_inf & a_zero)).any(-1)
    pos_inf = (inf_prod & (sign == 0)).any(-1)
    neg_inf = (inf_prod & (sign == 1)).any(-1)
    nan |= (pos_inf & neg_inf) | a_fmt.scale.is_nan(xa) | b_fmt.scale.is_nan(xb)
    lsb, width = accumulator_layout(ae, be, a_fmt.k, products)
    finite = ~(inf_prod | ae.is_nan(a) | be.is_nan(b) | a_inf | b_inf)
    shift = np.where(finite & (sig > 0), exp - lsb, 0)
    sig = np.where(finite, sig, 0)
    signed = np.where(sign == 1, -sig, sig)
    scale_bits = 4 * (a_fmt.two_level + b_fmt.two_level)
    if width + scale_bits <= 62:
        total = (signed << shift).sum(axis=-1)
    else:
        terms = signed.astype(object) * (2 ** shift.astype(object))
        total = terms.sum(axis=-1)
    s_a, m_a, e_a = a_fmt.scale.terms(np.where(a_fmt.scale.is_nan(xa), 0, xa))
    s_b, m_b, e_b = b_fmt.scale.terms(np.where(b_fmt.scale.is_nan(xb), 0, xb))
    scale_sig = np.where((s_a ^ s_b) == 1, -(m_a * m_b), m_a * m_b)
    n = np.asarray(total * scale_sig)
    codes = round_scaled(n, lsb + e_a + e_b, fmt=out_fmt)
    inf = pos_inf | neg_inf
    scale_zero = (m_a * m_b) == 0
    inf_sign = np.where(neg_inf, 1, 0) ^ s_a ^ s_b
    codes = np.where(inf, out_fmt.inf_code | (inf_sign << (out_fmt.width - 1)), codes)
    codes = np.where(nan | (inf & scale_zero), out_fmt.nan_code, codes)
    return codes.astype(out_fmt.code_dtype)


def dot_general(a, b, *, out="fp32", products="exact", fast=True):
    """DotGeneral of `BlockTensor`s ``a`` (M, n, k) and ``b`` (N, n, k): fp32 array (M, N).

    The contract is the module docstring's. ``fast`` uses float64 BLAS for the block sums
    where they are provably exact (exact products whose accumulator needs at most 53 bits
    together with the scale significands); otherwise the exact integer model is used.
    """
    if not isinstance(a, BlockTensor) or not isinstance(b, BlockTensor):
        raise UserError("dot_general takes two BlockTensors; quantize the data first")
    out_fmt = check_out(out)
    af, bf = a.fmt, b.fmt
    check_products(products, af.element, bf.element)
    ea, eb = np.asarray(a.elements), np.asarray(b.elements)
    if ea.ndim != 3 or eb.ndim != 3 or ea.shape[1:] != eb.shape[1:] or af.k != bf.k:
        raise UserError(
            f"dot_general needs A (M, n, k) and B (N, n, k) with one k; got {ea.shape} and "
            f"{eb.shape}"
        )
    dtype = _blas_dtype(a, b, products) if fast else None
    if dtype is not None:
        acc = _dot_general_blas(a, b, out_fmt, dtype=dtype)
    else:
        acc = _dot_general_exact(a, b, out=out, products=products)
    if af.two_level or bf.two_level:
        t = np.float32(np.float32(a.tensor_scale) * np.float32(b.tensor_scale))
        acc = (acc * t).astype(np.float32)
    return acc


def _dot_general_exact(a, b, *, out, products):
    out_fmt = PRESETS[out]
    M, n, _ = a.elements.shape
    N = b.elements.shape[0]
    acc = np.zeros((M, N), dtype=np.float32)
    for j in range(n):
        codes = block_dot(
            a.elements[:, None, j, :],
            a.scales[:, None, j],
            b.elements[None, :, j, :],
            b.scales[None, :, j],
            a_fmt=a.fmt,
            b_fmt=b.fmt,
            out=out,
            products=products,
        )
        with np.errstate(invalid="ignore"):  # Inf + -Inf = NaN is the contract
            acc = (acc + out_fmt.decode(codes).astype(np.float32)).astype(np.float32)
    return acc


def _scale_exponents(t):
    """(smallest, largest) unit exponent of the nonzero, non-NaN scales of a `BlockTensor`."""
    codes = np.asarray(t.scales).ravel()
    codes = codes[~t.fmt.scale.is_nan(codes)]
    _, sig, exp = t.fmt.scale.terms(codes)
    exp = exp[sig > 0]
    return (int(exp.min()), int(exp.max())) if exp.size else (0, 0)


def _blas_dtype(a, b, products):
    """float32 or float64 where BLAS sums every block exactly in that type, else None.

    With the scales folded into the elements, a block sum is an integer multiple of
    2^(lsb + scale exponents) below 2^(width - 1 + scale bits) of that unit; a floating type
    holds every partial sum exactly (in any order) when that many bits fit its significand
    and the unit and the bound lie inside its normal range.
    """
    if products != "exact":
        return None
    lsb, width = accumulator_layout(a.fmt.element, b.fmt.element, a.fmt.k, products)
    bits = width - 1 + 4 * (a.fmt.two_level + b.fmt.two_level)
    (lo_a, hi_a), (lo_b, hi_b) = _scale_exponents(a), _scale_exponents(b)
    lo, hi = lsb + lo_a + lo_b, lsb + bits + hi_a + hi_b
    # each scaled element must be exact too: its unit and its top inside the type's range
    elements = [
        (t.fmt.element, t.fmt.two_level, lo_t, hi_t)
        for t, lo_t, hi_t in ((a, lo_a, hi_a), (b, lo_b, hi_b))
    ]
    for dtype in (np.float32, np.float64):
        info = np.finfo(dtype)
        fits = bits <= info.nmant + 1 and lo >= info.minexp and hi <= info.maxexp
        for elem, two_level, lo_t, hi_t in elements:
            top = hi_t + elem.top_exponent + elem.significand_bits + 4 * two_level
            fits &= lo_t + elem.quantum_exponent >= info.minexp - info.nmant
            fits &= top <= info.maxexp
        if fits:
            return dtype
    return None


def _scaled_values(t):
    """Float64 element values times their block scale (exact: a power of two or 4-bit scale)."""
    x = t.fmt.element.decode(t.elements) * t.fmt.scale.decode(t.scales)[..., None]
    return np.transpose(x, (1, 0, 2))  # (n, rows, k)


def _dot_general_blas(a, b, out_fmt, *, dtype, rows=128):
    """Block sums through BLAS in ``dtype`` (exact there, see `_blas_dtype`), each rounded
    once to ``out`` and added to the fp32 accumulator in block order.

    Row chunks run on a thread per CPU (numpy releases the GIL); each k-wide GEMM is too small
    for BLAS's own threads, which are limited to one.
    """
    xa = np.ascontiguousarray(_scaled_values(a), dtype=dtype)  # (n, M, k)
    xb = _scaled_values(b).astype(dtype)
    n, M, _ = xa.shape
    N = xb.shape[1]
    xb_t = np.ascontiguousarray(np.transpose(xb, (0, 2, 1)))  # (n, k, N)
    acc = np.zeros((M, N), dtype=np.float32)

    def chunk(r):
        part = acc[r : r + rows]
        sums = np.empty(part.shape, dtype=dtype)
        with np.errstate(invalid="ignore", over="ignore"):
            for j in range(n):
                np.matmul(xa[j, r : r + rows], xb_t[j], out=sums)  # exact
                if out_fmt.name == "fp32":
                    np.add(part, sums, out=part, dtype=np.float32, casting="unsafe")
                else:
                    rounded = out_fmt.decode(out_fmt.encode(sums)).astype(np.float32)
                    np.add(part, rounded, out=part)

    workers = min(os.cpu_count() or 1, -(-M // rows))
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        list(pool.map(chunk, range(0, M, rows)))
    return acc
