"""Relative error of each multiplier of a suite on the operands the cost flow drives it with.

For a combinational ``fp_mul`` or ``lmul`` spec, the operands are the cost flow's streams
(`picojoule.models.operands.operand_stream`, operand ``a`` with ``seed``, ``b`` with
``seed + 1``) and the reference is the exact product of the decoded operands (float64, exact
for every format of the suite). Pairs whose exact product is 0 or not finite are left out; a
non-finite or NaN result for a finite product counts as 100%. ``zero_results`` counts the
products that underflow to zero (each a 100% error); ``max_rel_error_nonzero`` is the largest
error of the others (None when every result is zero).
"""

import numpy as np

from picojoule.models.operands import operand_stream

__all__ = ["MULTIPLIER_KINDS", "relative_errors", "multiplier_errors"]

#: The unit kinds whose error against the exact product is measured.
MULTIPLIER_KINDS = ("fp_mul", "lmul")


def relative_errors(spec, a, b, *, operation):
    """``(err, zero)`` of ``spec``'s results on the operand codes ``a``, ``b`` against the exact
    ``operation`` (``"mul"`` or ``"add"``, in float64) of the decoded operands, over the pairs
    whose exact result is finite and nonzero: the relative error (1.0 where it is not finite)
    and whether the result is zero."""
    fmt_a, fmt_b = spec.in_formats
    x = np.asarray(fmt_a.decode(a), dtype=np.float64)
    y = np.asarray(fmt_b.decode(b), dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        exact = x * y if operation == "mul" else x + y
        got = np.asarray(spec.out_format.decode(spec.golden(a, b)), dtype=np.float64)
        keep = np.isfinite(exact) & (exact != 0)
        err = np.abs(got[keep] - exact[keep]) / np.abs(exact[keep])
    return np.where(np.isfinite(err), err, 1.0), got[keep] == 0


def multiplier_errors(specs, *, n_ops, distribution="gaussian", seed=1):
    """One record per combinational multiplier among ``specs`` (see the module docstring):
    ``name``, ``kind``, ``format``, ``variant``, ``overflow``, ``label``, ``mean_rel_error``,
    ``max_rel_error``, ``max_rel_error_nonzero``, ``zero_results``, ``pairs``."""
    points = []
    for spec in specs:
        if spec.kind not in MULTIPLIER_KINDS or spec.stages:
            continue
        fmt_a, fmt_b = spec.in_formats
        a = operand_stream(fmt=fmt_a, dist=distribution, n=n_ops, seed=seed)
        b = operand_stream(fmt=fmt_b, dist=distribution, n=n_ops, seed=seed + 1)
        err, flushed = relative_errors(spec, a, b, operation="mul")  # flushed: 100% errors
        variant = getattr(spec, "variant", "rne")
        points.append(
            {
                "name": spec.name,
                "kind": spec.kind,
                "format": fmt_a.name,
                "variant": variant,
                "overflow": spec.overflow.value,
                "label": f"{fmt_a.name} {'RNE' if spec.kind == 'fp_mul' else variant}"
                + (" sat" if spec.overflow.value == "sat" else ""),
                "mean_rel_error": float(err.mean()),
                "max_rel_error": float(err.max()),
                "max_rel_error_nonzero": float(err[~flushed].max()) if (~flushed).any() else None,
                "zero_results": int(flushed.sum()),
                "pairs": int(err.size),
            }
        )
    return points
