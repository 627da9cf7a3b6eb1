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

Block formats (`picojoule.models.mx_formats.BlockFormat`, operands of an ``mx_dot`` unit): one
operation is one block; a stream is (n, words) uint64 (`block_stream`): uniform codes, or
Gaussian / Laplace tensors quantized block by block (per-block scales, `block_words`).
"""

import numpy as np

from picojoule.base.errors import UserError
from picojoule.models.formats import IntFormat, Overflow
from picojoule.models.mx_formats import BlockFormat
from picojoule.models.mx_formats import quantize as mx_quantize

__all__ = [
    "DISTRIBUTIONS",
    "quantize",
    "distribution_scale",
    "operand_stream",
    "block_stream",
    "block_words",
]

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
    """``n`` codes of ``fmt`` drawn from ``dist`` (one of :data:`DISTRIBUTIONS`); for a
    `BlockFormat`, ``n`` packed blocks (`block_stream`)."""
    if dist not in DISTRIBUTIONS:
        raise UserError(
            f"unknown operand distribution {dist!r}; choose from {', '.join(DISTRIBUTIONS)}"
        )
    if n < 2:
        raise UserError(f"need at least 2 operations, got {n}")
    if isinstance(fmt, BlockFormat):
        return block_stream(fmt=fmt, dist=dist, n=n, seed=seed)
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        return rng.integers(0, 1 << fmt.width, size=n, dtype=np.uint64).astype(fmt.code_dtype)
    if dist == "gaussian":
        values = rng.standard_normal(n)
    else:
        values = rng.laplace(0.0, 1.0 / np.sqrt(2.0), n)
    return quantize(values, fmt, scale=distribution_scale(fmt))


def block_stream(*, fmt, dist, n, seed):
    """``n`` blocks of the `BlockFormat` ``fmt`` as (n, ``fmt.words``) uint64 words
    (`BlockFormat.pack_words`).

    ``uniform``: every element code and every scale code equally likely (NaN scales and
    elements in their natural proportion). ``gaussian`` / ``laplace``: an (n, k) tensor of
    unit-variance values quantized block by block by the format's own rule
    (`picojoule.models.mx_formats.quantize`: OCP MX shared exponent per block, NVFP4's
    two-level scales over the whole tensor), so each block's scale follows its data.
    """
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        elements = rng.integers(0, 1 << fmt.element.width, size=(n, fmt.k))
        scales = rng.integers(0, 1 << fmt.scale.width, size=n)
        return fmt.pack_words(elements, scales)
    if dist == "gaussian":
        values = rng.standard_normal((n, fmt.k))
    else:
        values = rng.laplace(0.0, 1.0 / np.sqrt(2.0), (n, fmt.k))
    return block_words(values, fmt)


def block_words(values, fmt):
    """Float ``values`` quantized to the `BlockFormat` ``fmt`` along the flattened data (blocks
    of k, the last one padded with zeros) as (blocks, ``fmt.words``) uint64 words."""
    t = mx_quantize(np.asarray(values, dtype=np.float64).reshape(-1), fmt=fmt, pad=True)
    return fmt.pack_words(t.elements, t.scales)
