"""Correctly rounded floating-point and exact integer arithmetic on arrays of codes.

Numeric contract
----------------
`fp_mul` and `fp_add` return the exact result rounded once into ``out_fmt`` (round to
nearest, ties to even; subnormal inputs and outputs; signed zeros), with the special-value
and overflow rules of `picojoule.models.formats` (``encode``): NaN in -> canonical NaN out;
Inf x 0 and Inf + -Inf -> NaN; Inf otherwise -> Inf (where ``out_fmt`` has no Inf: NaN when
non-saturating, max finite when saturating); a finite result above the largest finite value
follows ``overflow``. An exact zero sum is +0 except (-0) + (-0) = -0 (``fnuz``: +0).
A NaN result in an output format without NaN (OCP MX "finite" formats) raises ValueError.

How it stays exact: a product of two formats with M <= 23 has at most 48 significant bits and
an exponent inside float64's range, so the float64 product is exact and one ``encode`` rounds
it correctly. A float64 sum is not always exact, and rounding it again into a narrow format
can go wrong at midpoints (double rounding), so `fp_add` computes the rounding error with
TwoSum and turns the float64 sum into round-to-odd (nudging an even result one float64 ULP
towards the error); round-to-odd at 53 bits followed by one round-to-nearest-even to at most
25 bits is the correctly rounded result.

8-bit x 8-bit operations (a_width + b_width <= 16) are looked up in a table built from the
same definition (`picojoule.models.tables`); wider pairs run through the same steps compiled
pair by pair (`picojoule.models.float_kernels`, tested bit-exact against the numpy definition).

`int_mul` and `int_add` are exact and wrap modulo 2^out.width (two's complement); results may
be up to 64 bits wide (int32 x int32 -> int64, as uint64 codes).
"""

import numpy as np

from picojoule.models import tables
from picojoule.models.formats import FloatFormat, IntFormat, Overflow, get_format

__all__ = ["fp_mul", "fp_add", "int_mul", "int_add"]


def _float_operands(a, b, a_fmt, b_fmt, out_fmt):
    fmts = []
    for role, fmt in (("a", a_fmt), ("b", b_fmt), ("out", out_fmt)):
        fmt = get_format(fmt)
        if not isinstance(fmt, FloatFormat):
            raise ValueError(
                f"{role} format {fmt.name} is an integer format; choose a float "
                f"format such as e4m3, e5m2, bf16, fp16 or fp32"
            )
        fmts.append(fmt)
    a_fmt, b_fmt, out_fmt = fmts
    a = tables.checked_codes(a, fmt=a_fmt, role="a")
    b = tables.checked_codes(b, fmt=b_fmt, role="b")
    tables.check_shapes(a, b)
    return a, b, a_fmt, b_fmt, out_fmt


def _result_dtype(out_fmt):
    """Codes of ``out_fmt``, one bit wider when the format has no NaN (room for `_no_nan`)."""
    return out_fmt.code_dtype if out_fmt.has_nan else _wider(out_fmt.width + 1)


def _wider(width):
    return np.uint8 if width <= 8 else np.uint16 if width <= 16 else np.uint32


def _encode_result(values, out_fmt, overflow):
    """``out_fmt.encode``; a NaN result in a format without NaN becomes the marker
    ``1 << out_fmt.width`` (outside the format), reported by `_check_no_nan`."""
    if out_fmt.has_nan:
        return out_fmt.encode(values, overflow=overflow)
    nan = np.isnan(values)
    codes = out_fmt.encode(np.where(nan, 0.0, values), overflow=overflow)
    return np.where(nan, 1 << out_fmt.width, codes).astype(_result_dtype(out_fmt))


def _check_no_nan(codes, out_fmt):
    if out_fmt.has_nan:
        return codes
    if np.any(codes == 1 << out_fmt.width):
        raise ValueError(
            f"a result is NaN (from a NaN or Inf operand) but {out_fmt.name} has no "
            f"NaN; choose an output format with NaN or keep NaN/Inf out of the inputs"
        )
    return codes.astype(out_fmt.code_dtype)


def _fp_mul_direct(a, b, *, a_fmt, b_fmt, out_fmt, overflow):
    with np.errstate(invalid="ignore"):  # Inf x 0 -> NaN
        product = a_fmt.decode(a) * b_fmt.decode(b)  # exact in float64
    return _encode_result(product, out_fmt, overflow)


def _fp_add_direct(a, b, *, a_fmt, b_fmt, out_fmt, overflow):
    x, y = np.broadcast_arrays(a_fmt.decode(a), b_fmt.decode(b))
    with np.errstate(invalid="ignore"):  # Inf + -Inf -> NaN
        total = x + y
        # TwoSum (Knuth): x + y == total + error exactly, for finite total.
        y_virtual = total - x
        error = (x - (total - y_virtual)) + (y - y_virtual)
    inexact = np.isfinite(total) & (error != 0)
    if np.any(inexact):
        even = (total.view(np.int64) & 1) == 0
        nudge = inexact & even
        toward = np.where(error > 0, np.inf, -np.inf)
        total = np.where(nudge, np.nextafter(total, toward), total)  # round to odd
    return _encode_result(total, out_fmt, overflow)


def _fp_op(direct, a, b, *, a_fmt, b_fmt, out_fmt, overflow):
    a, b, a_fmt, b_fmt, out_fmt = _float_operands(a, b, a_fmt, b_fmt, out_fmt)
    overflow = Overflow.parse(overflow)
    options = (("a_fmt", a_fmt), ("b_fmt", b_fmt), ("out_fmt", out_fmt), ("overflow", overflow))
    if a_fmt.width + b_fmt.width <= tables.MAX_TABLE_BITS:
        table = tables.pair_table(
            direct, a_fmt=a_fmt, b_fmt=b_fmt, out_dtype=_result_dtype(out_fmt), options=options
        )
        return _check_no_nan(tables.lookup(table, a, b, b_width=b_fmt.width), out_fmt)
    # numba (heavy): the compiled loops load only when pairs too wide for a table come
    from picojoule.models import float_kernels

    compiled = {
        _fp_mul_direct: float_kernels.fp_mul_codes,
        _fp_add_direct: float_kernels.fp_add_codes,
    }
    codes = compiled[direct](
        a,
        b,
        a_fmt=a_fmt,
        b_fmt=b_fmt,
        out_fmt=out_fmt,
        saturate=overflow is Overflow.SAT,
        out_dtype=_result_dtype(out_fmt),
    )
    return _check_no_nan(codes, out_fmt)


def fp_mul(a, b, *, a_fmt, b_fmt, out_fmt, overflow=Overflow.NONSAT):
    """Correctly rounded product of codes ``a`` (in ``a_fmt``) and ``b`` (in ``b_fmt``).

    Returns codes of ``out_fmt`` (its ``code_dtype``); shapes broadcast. See the module
    docstring for the contract.
    """
    return _fp_op(
        _fp_mul_direct, a, b, a_fmt=a_fmt, b_fmt=b_fmt, out_fmt=out_fmt, overflow=overflow
    )


def fp_add(a, b, *, a_fmt, b_fmt, out_fmt, overflow=Overflow.NONSAT):
    """Correctly rounded sum of codes ``a`` (in ``a_fmt``) and ``b`` (in ``b_fmt``)."""
    return _fp_op(
        _fp_add_direct, a, b, a_fmt=a_fmt, b_fmt=b_fmt, out_fmt=out_fmt, overflow=overflow
    )


def _int_operands(a, b, a_fmt, b_fmt, out_fmt, *, default_width):
    fmts = []
    for role, fmt in (("a", a_fmt), ("b", b_fmt)):
        fmt = get_format(fmt)
        if not isinstance(fmt, IntFormat):
            raise ValueError(
                f"{role} format {fmt.name} is a float format; choose an integer "
                f"format such as int8, uint8, int16 or int32"
            )
        if fmt.width > 32:
            raise ValueError(
                f"{role} width {fmt.width} is above 32; choose an operand width of 1..32"
            )
        fmts.append(fmt)
    a_fmt, b_fmt = fmts
    if out_fmt is None:
        signed = a_fmt.signed or b_fmt.signed
        width = default_width(a_fmt, b_fmt)
        out_fmt = IntFormat(f"{'' if signed else 'u'}int{width}", width, signed)
    else:
        out_fmt = get_format(out_fmt)
        if not isinstance(out_fmt, IntFormat):
            raise ValueError(
                f"out format {out_fmt.name} is a float format; choose an integer "
                f"format such as int16, int32 or uint16"
            )
    a = tables.checked_codes(a, fmt=a_fmt, role="a")
    b = tables.checked_codes(b, fmt=b_fmt, role="b")
    shape = tables.check_shapes(a, b)
    # Two's-complement images modulo 2^64: wrapping uint64 arithmetic is then exact mod 2^64.
    av = np.broadcast_to(a_fmt.decode(a), shape).astype(np.uint64).ravel()
    bv = np.broadcast_to(b_fmt.decode(b), shape).astype(np.uint64).ravel()
    return av, bv, out_fmt, shape


def _wrap(values, out_fmt, shape):
    mask = np.uint64((1 << out_fmt.width) - 1)
    return (values & mask).astype(out_fmt.code_dtype).reshape(shape)


def int_mul(a, b, *, a_fmt, b_fmt, out_fmt=None):
    """Exact integer product wrapped to ``out_fmt`` (default: a.width + b.width bits).

    Signed if either operand format is signed; codes in, codes out.
    """
    av, bv, out_fmt, shape = _int_operands(
        a, b, a_fmt, b_fmt, out_fmt, default_width=lambda x, y: x.width + y.width
    )
    return _wrap(np.multiply(av, bv), out_fmt, shape)


def int_add(a, b, *, a_fmt, b_fmt, out_fmt=None):
    """Exact integer sum wrapped to ``out_fmt`` (default: max(a.width, b.width) + 1 bits)."""
    av, bv, out_fmt, shape = _int_operands(
        a, b, a_fmt, b_fmt, out_fmt, default_width=lambda x, y: max(x.width, y.width) + 1
    )
    return _wrap(np.add(av, bv), out_fmt, shape)
