"""Operand streams for activity simulation: the data a unit will see, as codes of its input format.

* Seeded distributions (``uniform``, ``gaussian``, ``laplace``) and the one quantizer are the
  models layer's (`picojoule.models.operands`), named here too for the cost flow.
* A user tensor (``.npy``): floating-point arrays (including ml_dtypes bfloat16 / float8_*)
  are quantized as above without scaling, or scaled by ``--scale absmax`` first (float
  formats) or rounded and clipped (integer formats); integer arrays are taken as the format's
  codes and checked. The tensor is flattened in C order; an empty, 0-d, object, complex or
  bool array is an error. `operand_fractions` counts the zero, subnormal and saturated codes.
* Block formats (`picojoule.models.mx_formats.BlockFormat`, operands of an ``mx_dot`` unit):
  one operation is one block; a stream is (n, words) uint64 (`block_stream`): uniform codes, or
  Gaussian / Laplace tensors quantized block by block (per-block scales); a float tensor is
  quantized the same way (`block_words`).
"""

from pathlib import Path

import numpy as np

from picojoule.base.errors import UserError
from picojoule.models.formats import FloatFormat, IntFormat
from picojoule.models.mx_formats import BlockFormat
from picojoule.models.operands import (
    DISTRIBUTIONS,
    block_stream,
    block_words,
    distribution_scale,
    operand_stream,
    quantize,
)

__all__ = [
    "DISTRIBUTIONS",
    "SCALES",
    "block_stream",
    "block_words",
    "distribution_scale",
    "load_tensor",
    "operand_fractions",
    "operand_stream",
    "quantize",
    "tensor_stream",
]


def _block_fractions(words, fmt):
    """`operand_fractions` of the elements of packed blocks."""
    elements, _ = fmt.unpack_words(words)
    elem = fmt.element
    values = elem.decode(elements)
    saturated = (np.abs(values) == elem.max_normal) | np.isnan(values) | np.isinf(values)
    subnormal = (
        np.zeros(elements.shape, bool) if elem.is_int else elem.float_format.is_subnormal(elements)
    )
    return {
        "zero": float(np.mean(values == 0)),
        "subnormal": float(np.mean(subnormal)),
        "saturated": float(np.mean(saturated)),
    }


SCALES = ("none", "absmax")


def load_tensor(path, *, flag="--tensor"):
    """The array saved in ``path`` (``numpy.save``). Arrays of an ml_dtypes float type
    (bfloat16, float8_*, ...) are returned as float32, which holds each of their values exactly,
    when the type survives; ``numpy.save`` stores them as raw bytes (dtype ``|V1``/``|V2``),
    which `tensor_stream` takes as codes of a float format of that width."""
    path = Path(path)
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise UserError(
            f"{flag} {path}: cannot load it as a .npy tensor ({str(error).splitlines()[0]}); "
            "save one with numpy.save"
        ) from None
    if not isinstance(array, np.ndarray):
        raise UserError(f"{flag} {path} holds several arrays; pass a single-array .npy file")
    if array.dtype.kind == "V" and array.dtype.names is None:
        try:  # ml_dtypes registers its float types as numpy void-kind dtypes
            array = array.astype(np.float32)
        except (TypeError, ValueError):
            pass
    if array.ndim == 0 or array.size < 2:
        raise UserError(f"{flag} {path} has shape {array.shape}; need at least 2 elements")
    return array


def tensor_stream(path, *, fmt, scale="none", flag="--tensor", array=None):
    """The codes of ``fmt`` for a user tensor saved with ``numpy.save``, flattened in C order.

    Float arrays are rounded to ``fmt`` (float formats: RNE, saturating; integer formats:
    rounded to nearest and clipped). ``scale="absmax"`` first multiplies them by
    ``max(fmt) / max|x|`` so the largest magnitude maps to the format's largest finite value.
    Integer arrays are taken as values of an integer ``fmt`` or as raw codes of a float one.
    """
    array = load_tensor(path, flag=flag) if array is None else array
    if scale not in SCALES:
        raise UserError(f"--scale {scale!r} unknown; choose from {', '.join(SCALES)}")
    kind = array.dtype.kind
    if isinstance(fmt, BlockFormat):
        if kind != "f" or scale != "none":
            raise UserError(
                f"{flag} {path}: a block-format operand ({fmt.name}) takes a float tensor, "
                "quantized block by block (its own scales; no --scale)"
            )
        return block_words(array, fmt)
    flat = array.reshape(-1)
    if kind == "f":
        if isinstance(fmt, FloatFormat) and not fmt.has_nan and np.isnan(flat).any():
            raise UserError(f"{flag} {path} contains NaN, which {fmt.name} cannot represent")
        factor = 1.0
        if scale == "absmax":
            peak = float(np.nanmax(np.abs(flat.astype(np.float64))))
            top = fmt.max_value if isinstance(fmt, IntFormat) else fmt.max_finite
            factor = top / peak if np.isfinite(peak) and peak > 0 else 1.0
        if isinstance(fmt, IntFormat):
            return quantize(flat, fmt, scale=factor)
        return quantize(flat.astype(np.float64) * factor, fmt, scale=1.0)
    if kind == "V" and isinstance(fmt, FloatFormat) and array.dtype.itemsize * 8 == fmt.width:
        # an ml_dtypes array (bfloat16, float8_e4m3fn, ...) saved by numpy.save: its bytes
        # are the codes; it must be of the operand's format (e.g. float8_e4m3fn for e4m3)
        codes = flat.view(np.dtype(f"u{array.dtype.itemsize}")).astype(fmt.code_dtype)
        return tensor_stream(path, fmt=fmt, scale=scale, flag=flag, array=fmt.decode(codes))
    if kind == "V":
        raise UserError(
            f"{flag} {path} holds {array.dtype.itemsize * 8}-bit raw values (an ml_dtypes array "
            f"saved by numpy.save) but the operand format is {fmt.name}; save it as float32 "
            "(x.astype(numpy.float32)) or in the operand's own ml_dtypes type"
        )
    if scale != "none":
        raise UserError(f"--scale {scale} applies to float tensors; {flag} {path} holds integers")
    if kind in "iu":
        if isinstance(fmt, IntFormat):
            if flat.min() < fmt.min_value or flat.max() > fmt.max_value:
                raise UserError(
                    f"{flag} {path} has values outside {fmt.name} [{fmt.min_value}, {fmt.max_value}]"
                )
            return fmt.encode(flat.astype(np.int64))
        if flat.min() < 0 or flat.max() >= (1 << fmt.width):
            raise UserError(
                f"{flag} {path} holds integers outside the {fmt.width}-bit codes of {fmt.name}; "
                "pass float values or raw codes"
            )
        return flat.astype(fmt.code_dtype)
    raise UserError(f"{flag} {path} has dtype {array.dtype}; pass a float or integer array")


def operand_fractions(codes, fmt):
    """Fractions of ``codes`` that are zero, subnormal and saturated (the format's largest
    magnitude, Inf or NaN; for integers: its minimum or maximum), as a dict; for a
    `BlockFormat`, of the elements of the packed blocks."""
    codes = np.asarray(codes)
    if isinstance(fmt, BlockFormat):
        return _block_fractions(codes, fmt)
    if isinstance(fmt, IntFormat):
        values = fmt.decode(codes)
        return {
            "zero": float(np.mean(values == 0)),
            "subnormal": 0.0,
            "saturated": float(np.mean((values == fmt.min_value) | (values == fmt.max_value))),
        }
    magnitude = codes.astype(np.int64) & (fmt.sign_mask - 1)
    saturated = (magnitude == fmt.max_finite_code) | fmt.is_inf(codes) | fmt.is_nan(codes)
    return {
        "zero": float(np.mean(fmt.is_zero(codes))),
        "subnormal": float(np.mean(fmt.is_subnormal(codes))),
        "saturated": float(np.mean(saturated)),
    }
