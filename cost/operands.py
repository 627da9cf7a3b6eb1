"""Operand streams for activity simulation: the data a unit will see, as codes of its input format.

Distributions (all seeded, numpy ``default_rng``):

* ``uniform``: every code of the format equally likely (for float formats this includes the
  NaN/Inf codes in their natural proportion).
* ``gaussian``: values N(0, 1); ``laplace``: Laplace(0, 1/sqrt(2)) (unit variance). Float
  formats: the values are rounded with ``fmt.encode`` (RNE, saturating so that a tail value never
  becomes NaN). Integer formats: values are scaled by ``max_value / 4`` (a 4-sigma range),
  rounded to nearest and clipped to ``[min_value, max_value]``.
* A user tensor (``.npy``): floating-point arrays are quantized as above without scaling
  (float formats) or with rounding and clipping (integer formats); integer arrays are taken as
  the format's codes and checked. The tensor is flattened; an empty, 0-d, object, complex or
  bool array is an error.
"""

from pathlib import Path

import numpy as np

from picojoule.base.errors import UserError
from picojoule.models.formats import FloatFormat, IntFormat, Overflow

DISTRIBUTIONS = ("uniform", "gaussian", "laplace")


def quantize(values, fmt, *, scale):
    """Values -> codes of ``fmt``: integers ``clip(rint(values * scale))``, floats RNE and
    saturating (a tail value never becomes NaN); the cost flow's one quantizer."""
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


def tensor_stream(path, *, fmt):
    """The codes of ``fmt`` for a user tensor saved with ``numpy.save``."""
    path = Path(path)
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise UserError(
            f"cannot load {path} as a .npy tensor ({str(error).splitlines()[0]}); "
            "save one with numpy.save"
        ) from None
    if not isinstance(array, np.ndarray):
        raise UserError(f"{path} holds several arrays; pass a single-array .npy file")
    if array.ndim == 0 or array.size < 2:
        raise UserError(f"{path} has shape {array.shape}; need an array of at least 2 elements")
    kind = array.dtype.kind
    flat = array.reshape(-1)
    if kind == "f":
        if isinstance(fmt, FloatFormat) and not fmt.has_nan and np.isnan(flat).any():
            raise UserError(f"{path} contains NaN, which {fmt.name} cannot represent")
        return quantize(flat, fmt, scale=1.0)
    if kind in "iu":
        if isinstance(fmt, IntFormat):
            if flat.min() < fmt.min_value or flat.max() > fmt.max_value:
                raise UserError(
                    f"{path} has values outside {fmt.name} [{fmt.min_value}, {fmt.max_value}]"
                )
            return fmt.encode(flat.astype(np.int64))
        if flat.min() < 0 or flat.max() >= (1 << fmt.width):
            raise UserError(
                f"{path} holds integers outside the {fmt.width}-bit codes of {fmt.name}; "
                "pass float values or raw codes"
            )
        return flat.astype(fmt.code_dtype)
    raise UserError(f"{path} has dtype {array.dtype}; pass a float or integer array")


def unit_inputs(port_names, a, b, *, a_width):
    """(streams, holds) driving a generated unit (the port conventions of `picojoule.hw.export`)
    with operands a, b.

    A combinational unit has ports ``a`` and ``b``. A pipelined unit has a stream interface:
    the operands are packed into ``i__payload`` (``a`` in the low ``a_width`` bits, ``b`` above),
    and ``i__valid`` and ``o__ready`` are held at 1 so one operation enters per cycle.
    """
    names = set(port_names)
    if {"a", "b"} <= names:
        return {"a": a, "b": b}, {}
    if "i__payload" in names:
        payload = np.asarray(a).astype(np.uint64) | (
            np.asarray(b).astype(np.uint64) << np.uint64(a_width)
        )
        holds = {name: 1 for name in ("i__valid", "o__ready") if name in names}
        return {"i__payload": payload}, holds
    raise UserError(
        f"cannot find operand ports (a, b or i__payload) among {', '.join(sorted(names))}"
    )
