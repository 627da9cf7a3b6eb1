"""The report's float-activation LUT study: error of the LUT mpGEMM contract vs the exact product.

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
values encoded into the activation format (RNE, saturating; `picojoule.cost.operands`), the same
values for every format; weights are uniform random W-bit codes.
"""

import re

import numpy as np

from picojoule.cost.operands import operand_stream
from picojoule.document import Figure, Heading, Paragraph, Table
from picojoule.models.gemm_reference import error_metrics, mac_contract, mac_reference, mac_rule
from picojoule.models.lut_gemm import LutGemmSpec, direct_gemm, lut_mpgemm

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


def _mean_errors(records, *, act, dist):
    """{table format: [rel_mean per W]} and the direct MAC's [rel_mean per W] of one act."""
    tables, mac = {}, {}
    for r in records:
        if r["params"]["act"] == act and r["distribution"] == dist:
            tables.setdefault(r["params"]["table"], []).append(r["rel_mean"])
            mac[r["params"]["wbits"]] = r["mac_reference"]["rel_mean"]
    return tables, list(mac.values())


def _span(values):
    lo, hi = min(values), max(values)
    if hi == 0:
        return "0 (exact)"
    return f"{lo:.2g}" if hi <= 1.05 * lo else f"{lo:.2g}-{hi:.2g}"


def _times(ratio):
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.2g}x"


def accuracy_summary(records, *, distribution="gaussian", dominance=2.0):
    """Per activation format, one row: mean error with tables in the activation format, of
    the direct MAC, with wider tables, and whether the table rounding dominates.

    The error without table rounding (``floor``) is the larger of the direct MAC's and the
    LUT's with the widest (last) of ``WIDER_TABLES``; the table rounding dominates when the
    LUT's error with tables in the activation format exceeds ``dominance`` x ``floor`` at
    every W. Spans run over the weight widths.
    """
    rows = []
    for act in dict.fromkeys(r["params"]["act"] for r in records):
        tables, mac = _mean_errors(records, act=act, dist=distribution)
        if act not in tables or not mac:
            continue
        own = tables.pop(act)
        acc = next(r["params"]["acc"] for r in records if r["params"]["act"] == act)
        floor = max(max(mac), max(list(tables.values())[-1]) if tables else 0.0)
        if min(own) > dominance * floor:
            verdict = "dominates (" + (
                f"{_times(min(own) / floor)} or more the error without it)"
                if floor > 0
                else "the error without it is 0)"
            )
            enough = [t for t, v in tables.items() if max(v) <= dominance * floor]
            if enough:
                verdict += f"; {enough[0]} tables remove it"
        elif floor > 0:
            verdict = f"adds at most {_times(max(own) / floor)}"
        else:
            verdict = "no error at all"
        rows.append(
            [
                act,
                _span(own),
                f"{_span(mac)} ({acc})",
                "; ".join(f"{t}: {_span(v)}" for t, v in tables.items()) or None,
                verdict,
            ]
        )
    return rows


def accuracy_figure(records, path, *, distribution="gaussian"):
    """Mean error vs W per activation and table format, direct MAC dashed; False if empty."""
    rows = [r for r in records if r["distribution"] == distribution]
    if not rows:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 4.5))
    acts = list(dict.fromkeys(r["params"]["act"] for r in rows))
    for i, act in enumerate(acts):
        mine = [r for r in rows if r["params"]["act"] == act]
        for j, table in enumerate(dict.fromkeys(r["params"]["table"] for r in mine)):
            line = sorted(
                (r for r in mine if r["params"]["table"] == table),
                key=lambda r: r["params"]["wbits"],
            )
            ax.plot(
                [r["params"]["wbits"] for r in line],
                [r["rel_mean"] for r in line],
                marker="os^v"[j % 4],
                color=f"C{i}",
                label=f"{act} LUT, {table} tables",
            )
        ref = sorted({(r["params"]["wbits"], r["mac_reference"]["rel_mean"]) for r in mine})
        ax.plot(
            [w for w, _ in ref],
            [e for _, e in ref],
            linestyle="--",
            color=f"C{i}",
            label=f"{act} direct MAC ({mine[0]['params']['acc']})",
        )
    ax.set_yscale("symlog", linthresh=1e-10)
    ax.set_xticks(sorted({r["params"]["wbits"] for r in rows}))
    ax.set_xlabel("weight bits W")
    ax.set_ylabel("mean |C - exact| / max |exact|")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(
        f"float LUT mpGEMM error vs the exact product ({distribution} activations, "
        "measured by picojoule)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def contract_legend(records):
    """The contracts of ``records`` stated once, with W, A and T for the table's columns."""
    lut = dict.fromkeys(
        re.sub(r"tables in \w+", "tables in T", re.sub(r"W\d+ x \w+", "W x A", r["contract"]))
        for r in records
    )
    mac = dict.fromkeys(mac_rule(r["params"]["acc"]) for r in records)
    return (
        [f"LUT: {c}." for c in lut]
        + [f"Direct MAC: {rule}." for rule in mac]
        + ["W: weight bits; A: activation format (act); T: table format (tables)."]
    )


def accuracy_blocks(records, *, figure=None):
    """The report blocks: heading, conclusion, table (one row per record), optional figure."""
    if not records:
        return []
    shape = records[0]["gemm_shape"]
    blocks = [
        Heading("Float activations: LUT error against the exact product", level=3),
        Paragraph(
            f"The golden LUT mpGEMM (group size K={records[0]['params']['k']}) on "
            f"M{shape['m']} x K{shape['k']} activations times K{shape['k']} x "
            f"N{shape['n']} uniform weight codes, seed {records[0]['seed']}, against "
            "the exact product (float64 sum of exact products); beside it a direct "
            "MAC with exact products accumulated one at a time in the same "
            "accumulator format. Errors are normalized by the largest exact output; "
            "the median is per output."
        ),
        Table(
            [
                "act",
                "LUT, tables in act",
                "direct MAC",
                "LUT, wider tables",
                "table rounding",
            ],
            accuracy_summary(records),
            caption="Mean error on gaussian activations, over W "
            + ", ".join(str(w) for w in sorted({r["params"]["wbits"] for r in records}))
            + ": does the rounding of the tables dominate the LUT's error?",
        ),
        Table(
            [
                "W",
                "act",
                "tables",
                "operands",
                "LUT mean",
                "LUT max",
                "LUT median elem.",
                "direct MAC mean",
                "direct MAC max",
                "direct MAC median elem.",
            ],
            [
                [
                    r["params"]["wbits"],
                    r["params"]["act"],
                    r["params"]["table"],
                    r["distribution"],
                    r["rel_mean"],
                    r["rel_max"],
                    r["elem_rel_median"],
                    r["mac_reference"]["rel_mean"],
                    r["mac_reference"]["rel_max"],
                    r["mac_reference"]["elem_rel_median"],
                ]
                for r in records
            ],
            caption="Measured by picojoule on the golden models.",
            notes=contract_legend(records),
        ),
    ]
    if figure:
        blocks.append(
            Figure(
                figure,
                "Mean error of the float LUT contract vs weight bits, per "
                "activation and table format; dashed: the direct MAC.",
            )
        )
    return blocks
