"""Seeded operand streams: the codes a unit sees, drawn from a distribution of values.

Distributions (all seeded, numpy ``default_rng``):

* ``uniform``: every code of the format equally likely (for float formats this includes the
  NaN/Inf codes in their natural proportion).
* ``gaussian``: values N(0, 1); ``laplace``: Laplace(0, 1/sqrt(2)) (unit variance). Float
  formats: the values are rounded with ``fmt.encode`` (RNE, saturating so that a tail value never
  becomes NaN). Integer formats: values are scaled by ``max_value / 4`` (a 4-sigma range),
  rounded to nearest and clipped to ``[min_value, max_value]``.

`quantize` is the one quantizer of values into codes: the cost flow's streams, its tensors
(`picojoule.cost.operands`) and the accuracy studies of the golden models use it.
"""

import numpy as np

from picojoule.base.errors import UserError
from picojoule.models.formats import IntFormat, Overflow

__all__ = ["DISTRIBUTIONS", "quantize", "distribution_scale", "operand_stream"]

DISTRIBUTIONS = ("uniform", "gaussian", "laplace")


def quantize(values, fmt, *, scale):
    """Values -> codes of ``fmt``: integers ``clip(rint(values * scale))``, floats RNE and
    saturating (a tail value never becomes NaN)."""
    values = np.asarray(values, dtype=np.float64)
    if isinstance(fmt, IntFormat):
        ints = np.clip(np.rint(values * scale), fmt.min_value, fmt.max_value).astype(np.int64)
        return fmt.encode(ints)
    return fmt.encode(values, overflow=Overflow.SAT)


def distribution_scale(fmt):
    """The scale of unit-variance values into ``fmt``: ``max_value / 4`` for an integer format
    (a 4-sigma range), 1 for a float format."""
    return fmt.max_value / 4 if isinstance(fmt, IntFormat) else 1.0


def operand_stream(*, fmt, dist, n, seed):
    """``n`` codes of ``fmt`` drawn from ``dist`` (one of :data:`DISTRIBUTIONS`)."""
    if dist not in DISTRIBUTIONS:
        raise UserError(
            f"unknown operand distribution {dist!r}; choose from {', '.join(DISTRIBUTIONS)}"
        )
    if n < 2:
        raise UserError(f"need at least 2 operations, got {n}")
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        return rng.integers(0, 1 << fmt.width, size=n, dtype=np.uint64).astype(fmt.code_dtype)
    if dist == "gaussian":
        values = rng.standard_normal(n)
    else:
        values = rng.laplace(0.0, 1.0 / np.sqrt(2.0), n)
    return quantize(values, fmt, scale=distribution_scale(fmt))
