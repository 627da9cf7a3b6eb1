"""References for GEMM error studies: a direct multiply-accumulate in a float accumulator, and
the error metrics of a GEMM result against the exact product.

``error_metrics`` (the metrics of `picojoule.models.lut_gemm.fp_error`):

* ``rel_mean``, ``rel_max``: mean and largest ``|C - C_exact|`` over the outputs, divided by
  ``max |C_exact|`` (a dot-product error, normalized by the largest output);
* ``elem_rel_median``: median of ``|C - C_exact| / |C_exact|`` over outputs with ``C_exact != 0``.
"""

import numpy as np

from picojoule.models.formats import Overflow

__all__ = ["error_metrics", "mac_reference", "mac_contract", "mac_rule"]


def error_metrics(got, exact):
    """``rel_mean``, ``rel_max``, ``elem_rel_median`` as `fp_error` defines them."""
    got, exact = np.asarray(got, np.float64), np.asarray(exact, np.float64)
    err = np.abs(got - exact)
    scale = np.max(np.abs(exact)) or 1.0
    nz = exact != 0
    return {
        "rel_mean": float(err.mean() / scale),
        "rel_max": float(err.max() / scale),
        "elem_rel_median": float(np.median(err[nz] / np.abs(exact[nz]))) if nz.any() else 0.0,
    }


def mac_reference(a, w, *, spec):
    """Direct multiply-accumulate in ``spec.acc_format``: ``acc = round(acc + a_k q_k)``.

    ``a`` are codes of ``spec.act`` (M x K), ``w`` unsigned weight codes (K x N). Products are
    exact (float64; at most 11 + 4 significant bits here), each of the K additions is rounded to
    nearest even in the accumulator format, k in increasing order. Returns float64 values of
    ``spec.acc_format``.
    """
    values = spec.act.decode(spec.act.check_codes(np.asarray(a)))
    weights = np.asarray(w, dtype=np.float64)
    acc_fmt = spec.acc_format
    acc = np.zeros((values.shape[0], weights.shape[1]))
    for k in range(values.shape[1]):
        acc = acc_fmt.decode(
            acc_fmt.encode(acc + values[:, k, None] * weights[None, k], overflow=Overflow.NONSAT)
        )
    return acc


def mac_rule(acc):
    """The reference's accumulation rule in words, for accumulator format name ``acc``."""
    return f"exact products, sequential accumulation in {acc} (RNE per addition)"


def mac_contract(spec):
    """The reference's contract, named from ``spec``'s formats."""
    return f"direct MAC W{spec.wbits} x {spec.act.name}: {mac_rule(spec.acc_format.name)}"
