"""`picojoule.quantize` / `dequantize` / `round_to`: float arrays to any format and back.

Rounding rule, stated once: a float format rounds to nearest, ties to even, with subnormals;
a value beyond the largest finite one saturates to +-max finite (``overflow="sat"``, the
default) or becomes Inf / NaN as the format's overflow rule says (``overflow="nonsat"``). An
integer format rounds to nearest (ties to even) and clips to its range.
"""

import numpy as np

from picojoule.base.errors import UserError

__all__ = ["quantize", "dequantize", "round_to", "format_of"]


def format_of(fmt):
    """The format spec named ``fmt`` ("e4m3", "bf16", "int8", "e3m2", ...) or ``fmt`` itself."""
    from picojoule.models.formats import get_format

    try:
        return get_format(fmt)
    except ValueError as error:
        raise UserError(f"unknown format {fmt!r} ({error})") from None


def quantize(x, fmt, *, overflow="sat"):
    """Codes of ``fmt`` for the float array ``x`` (see the module's rounding rule)."""
    from picojoule.models.formats import IntFormat

    spec = format_of(fmt)
    values = np.asarray(x, dtype=np.float64)
    if isinstance(spec, IntFormat):
        ints = np.clip(np.rint(values), spec.min_value, spec.max_value).astype(np.int64)
        return spec.encode(ints)
    if np.isnan(values).any() and not spec.has_nan:
        raise UserError(f"the array holds NaN, which {spec.name} cannot represent")
    return spec.encode(values, overflow=overflow)


def dequantize(codes, fmt):
    """The exact value of each code of ``fmt``, as float64 (integers as int64)."""
    return format_of(fmt).decode(codes)


def round_to(x, fmt, *, overflow="sat"):
    """``x`` rounded to the values of ``fmt`` (float64): ``dequantize(quantize(x, fmt))``."""
    return np.asarray(dequantize(quantize(x, fmt, overflow=overflow), fmt), dtype=np.float64)
