"""The report's float-activation LUT study, rendered: summary, table, figure, contract legend.

The records come from `picojoule.models.lut_accuracy` (the study and its metrics are stated
there); this module only reads them.
"""

import re

from picojoule.document import Figure, Heading, Paragraph, Table
from picojoule.models.gemm_reference import mac_rule


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
