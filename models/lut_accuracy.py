"""The float-activation LUT study: error of the LUT mpGEMM contract vs the exact product.

For each float activation format (fp16, bf16, e4m3), weight width W and operand distribution
the golden LUT mpGEMM (`picojoule.models.lut_gemm.lut_mpgemm`, group size K = 4) is run with
tables in the activation format (the default contract) and in wider table formats, and compared
with the exact product ``A @ W`` of the decoded operands (float64, `direct_gemm`). Beside it, a
direct multiply-accumulate reference (`picojoule.models.gemm_reference.mac_reference`) with the
same accumulator format: exact products ``a_k q_k`` added one at a time, k = 0..K-1, each
addition rounded to nearest even. If the LUT's error is close to the reference's, it comes from
accumulation; if it is far above, from the table rounding. The metrics
(`picojoule.models.gemm_reference.error_metrics`) are those of
`picojoule.models.lut_gemm.fp_error`:

* ``rel_mean``, ``rel_max``: mean and largest ``|C - C_exact|`` over the outputs, divided by
  ``max |C_exact|`` (a dot-product error, normalized by the largest output);
* ``elem_rel_median``: median of ``|C - C_exact| / |C_exact|`` over outputs with ``C_exact != 0``.

Operands (seeded, deterministic): activations are N(0, 1) ("gaussian") or unit-variance Laplace
values encoded into the activation format (RNE, saturating; `picojoule.models.operands`), the same
values for every format; weights are uniform random W-bit codes.
"""

import numpy as np

from picojoule.models.gemm_reference import error_metrics, mac_contract, mac_reference
from picojoule.models.lut_gemm import LutGemmSpec, direct_gemm, lut_mpgemm
from picojoule.models.operands import operand_stream

__all__ = ["lut_accuracy_records", "study_activations", "study_weights", "SHAPE", "KIND"]

ACTS = ("fp16", "bf16", "e4m3")
WBITS = (1, 2, 4)
DISTRIBUTIONS = ("gaussian", "laplace")
#: Table formats studied besides the activation format itself (the design knob).
WIDER_TABLES = {"fp16": ("fp32",), "bf16": ("fp32",), "e4m3": ("fp16", "fp32")}
#: Default shape: M x K_total activations times K_total x N weights.
SHAPE = {"m": 16, "k": 512, "n": 64}
GROUP = 4
SEED = 2025
KIND = "lut_mpgemm_accuracy"


def study_activations(*, act, distribution, m, k, seed):
    """M x K codes of ``act``: ``distribution`` values (the same values for every format)."""
    fmt = LutGemmSpec(act=act).act
    index = ("gaussian", "laplace").index(distribution)
    return operand_stream(fmt=fmt, dist=distribution, n=max(m * k, 2), seed=seed + index)[
        : m * k
    ].reshape(m, k)


def study_weights(*, wbits, k, n, seed):
    """K x N uniform random unsigned ``wbits``-bit weight codes."""
    return np.random.default_rng([seed, wbits]).integers(0, 1 << wbits, size=(k, n))


def lut_accuracy_records(
    *,
    m=SHAPE["m"],
    k=SHAPE["k"],
    n=SHAPE["n"],
    seed=SEED,
    acts=ACTS,
    wbits=WBITS,
    distributions=DISTRIBUTIONS,
    group=GROUP,
):
    """One record per (activation format, table format, W, distribution); see the module doc.

    Each record carries ``name``, ``kind`` (``"lut_mpgemm_accuracy"``), ``params`` and
    ``contract`` of the `LutGemmSpec` (its tile M, N do not change the result), the operands,
    ``gemm_shape``, the three metrics of its M x N outputs, and under ``mac_reference`` the same
    metrics of `mac_reference` with its contract.
    Rows are independent in both GEMMs, so the distributions run stacked along M (and the
    direct MAC's weight widths along N) in one call: the same numbers, fewer numpy passes.
    """
    records = []
    for act in acts:
        weights = {b: study_weights(wbits=b, k=k, n=n, seed=seed) for b in wbits}
        a_all = np.concatenate(
            [study_activations(act=act, distribution=d, m=m, k=k, seed=seed) for d in distributions]
        )
        w_all = np.concatenate([weights[b] for b in wbits], axis=1)
        mac_spec = LutGemmSpec(k=group, wbits=max(wbits), act=act)
        mac_all = mac_reference(a_all, w_all, spec=mac_spec)
        exact_all = direct_gemm(a_all, w_all, spec=mac_spec)
        for bits in wbits:
            cols = slice(wbits.index(bits) * n, (wbits.index(bits) + 1) * n)
            for table in (None, *WIDER_TABLES.get(act, ())):
                spec = LutGemmSpec(k=group, wbits=bits, act=act, table_format=table)
                got = lut_mpgemm(a_all, weights[bits], spec=spec)
                for i, dist in enumerate(distributions):
                    rows = slice(i * m, (i + 1) * m)
                    reference = error_metrics(mac_all[rows, cols], exact_all[rows, cols])
                    reference["contract"] = mac_contract(LutGemmSpec(k=group, wbits=bits, act=act))
                    records.append(
                        {
                            "name": spec.name,
                            "kind": KIND,
                            "params": spec.params(),
                            "contract": spec.contract,
                            "distribution": dist,
                            "operands": f"{dist} activations encoded to {spec.act.name} (RNE, "
                            f"saturating), uniform {bits}-bit weight codes",
                            "gemm_shape": {"m": m, "k": k, "n": n},
                            "seed": seed,
                            "table_is_activation_format": table is None,
                            **error_metrics(got[rows], exact_all[rows, cols]),
                            "mac_reference": reference,
                        }
                    )
    return records
