"""The report's matplotlib figures, drawn from `ReportData` records (all measured here)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from picojoule.models.units import FpMul, LMul, standard_suite  # noqa: E402
from picojoule.plot_ticks import plain_log_ticks  # noqa: E402

#: The float formats the suite has L-Mul units of, in suite order.
FLOAT_FORMATS = tuple(
    dict.fromkeys(spec.fmt.name for spec in standard_suite() if spec.kind == LMul.kind)
)
MULTIPLIERS = (
    (FpMul.kind, None, "FP multiplier (RNE)"),
    *((LMul.kind, variant, f"L-Mul {variant}") for variant in LMul.VARIANTS),
)


def _find(records, *, kind, fmt, distribution, variant=None, stages=0, overflow="nonsat"):
    for r in records:
        p = r["params"]
        if (
            r["kind"] == kind
            and p.get("a") == fmt
            and r["distribution"] == distribution
            and p.get("stages", 0) == stages
            and p.get("overflow", overflow) == overflow
            and (variant is None or p.get("variant") == variant)
        ):
            return r
    return None


def area_energy(records, path, *, distribution="gaussian"):
    """Grouped bars per float format: area and energy/op of the FP multiplier and L-Mul."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.2))
    x = np.arange(len(FLOAT_FORMATS))
    width = 0.8 / len(MULTIPLIERS)
    for i, (kind, variant, label) in enumerate(MULTIPLIERS):
        rows = [
            _find(records, kind=kind, fmt=f, variant=variant, distribution=distribution)
            for f in FLOAT_FORMATS
        ]
        for ax, key in zip(axes, ("area_um2", "energy_pj_per_op")):
            values = [r[key] if r else np.nan for r in rows]
            ax.bar(x + (i - (len(MULTIPLIERS) - 1) / 2) * width, values, width, label=label)
    ints = [
        (r["name"], r)
        for r in records
        if r["kind"] in ("int_mul", "int_add")
        and r["distribution"] == distribution
        and r["params"].get("stages", 0) == 0
    ]
    for ax, key, unit in zip(
        axes, ("area_um2", "energy_pj_per_op"), ("area (um^2)", "energy per op (pJ)")
    ):
        for j, (name, r) in enumerate(ints):
            ax.axhline(
                r[key],
                linestyle=(0, (2, 2 + j)),
                linewidth=0.9,
                color=f"C{4 + j}",
                label=name.replace("_s0", ""),
            )
        ax.set_xticks(x, FLOAT_FORMATS)
        ax.set_yscale("log")
        ax.set_ylabel(unit)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_title("area")
    axes[1].set_title(f"energy per operation ({distribution} operands)")
    axes[1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle("L-Mul vs FP multipliers vs integer units (measured by picojoule)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def energy_by_distribution(records, path, *, distributions):
    """Energy per op of each combinational unit under each operand distribution."""
    units = [
        r["name"]
        for r in records
        if r["distribution"] == distributions[0] and r["params"].get("stages", 0) == 0
    ]
    energy = {(r["name"], r["distribution"]): r["energy_pj_per_op"] for r in records}
    fig, ax = plt.subplots(figsize=(12, 4.6))
    x = np.arange(len(units))
    width = 0.8 / len(distributions)
    for i, dist in enumerate(distributions):
        ax.bar(
            x + (i - (len(distributions) - 1) / 2) * width,
            [energy.get((u, dist), np.nan) for u in units],
            width,
            label=dist,
        )
    ax.set_xticks(x, [u.removesuffix("_s0") for u in units], rotation=75, fontsize=7, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("energy per op (pJ)")
    ax.legend(title="operands", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(
        "energy per operation vs operand distribution (measured by picojoule)", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def energy_vs_error(points, path):
    """Scatter of (energy pJ/op, mean relative error) per multiplier, from ``points`` dicts.

    Colour = format, marker = multiplier (RNE or L-Mul variant), hollow = saturating; both
    axes logarithmic (errors below 1e-7 % are drawn at 1e-7 % and said so), legends outside
    the axes, no per-point labels.
    """
    from matplotlib.lines import Line2D

    floor = 1e-7  # percent
    fig, ax = plt.subplots(figsize=(9, 5))
    markers = dict(zip((FpMul.kind, *LMul.VARIANTS), "os^vDP"))
    names = {kind if variant is None else variant: label for kind, variant, label in MULTIPLIERS}
    formats = [f for f in FLOAT_FORMATS if any(p["format"] == f for p in points)]
    floored = False
    for p in points:
        key = "fp_mul" if p["kind"] == "fp_mul" else p["variant"]
        colour = f"C{FLOAT_FORMATS.index(p['format'])}"
        error = 100 * p["mean_rel_error"]
        floored |= error < floor
        ax.scatter(
            p["energy_pj_per_op"],
            max(error, floor),
            marker=markers[key],
            s=60,
            facecolors="none" if p["overflow"] == "sat" else colour,
            edgecolors=colour,
            linewidths=1.2,
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("energy per multiply (pJ, Gaussian operands)")
    ax.set_ylabel("mean relative error vs exact product (%)")
    plain_log_ticks(ax.yaxis, unit="%", minor=False)
    plain_log_ticks(ax.xaxis)
    ax.grid(alpha=0.3, which="both")
    by_format = [
        Line2D([], [], marker="o", linestyle="", color=f"C{FLOAT_FORMATS.index(f)}", label=f)
        for f in formats
    ]
    by_kind = [
        Line2D([], [], marker=m, linestyle="", color="grey", label=names[k])
        for k, m in markers.items()
        if any(("fp_mul" if p["kind"] == "fp_mul" else p["variant"]) == k for p in points)
    ]
    if any(p["overflow"] == "sat" for p in points):
        by_kind.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                color="grey",
                markerfacecolor="none",
                label="hollow: saturating",
            )
        )
    first = ax.legend(
        handles=by_format,
        title="format (colour)",
        fontsize=8,
        title_fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
    )
    ax.add_artist(first)
    ax.legend(
        handles=by_kind,
        title="multiplier (marker)",
        fontsize=8,
        title_fontsize=8,
        loc="lower left",
        bbox_to_anchor=(1.02, 0.0),
    )
    title = "energy vs error on the same Gaussian operands (measured by picojoule)"
    if floored:
        title += f"\nerrors below {floor:g}% drawn at {floor:g}%"
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def glitch_energy(records, path, *, distribution="gaussian"):
    """Per unit, the timing-aware energy split into functional (zero-delay) and glitch parts.

    Bars show the shares (stacked to 100%, so a log scale cannot shrink the glitch part); the
    timing-aware energy per operation is written above each bar.
    """
    rows = [r for r in records if r["distribution"] == distribution]
    if not rows:
        return False
    names = [r["name"] for r in rows]
    total = np.array([r["energy_pj_per_op"] for r in rows])
    zero = np.array([r.get("energy_pj_per_op_zero_delay") or r["energy_pj_per_op"] for r in rows])
    glitch = np.clip(total - zero, 0.0, None)
    share_zero = 100 * zero / np.maximum(total, 1e-30)
    share_glitch = 100 * glitch / np.maximum(total, 1e-30)
    fig, ax = plt.subplots(figsize=(11, 5))
    x = np.arange(len(rows))
    ax.bar(x, share_zero, label="functional (zero-delay) energy")
    ax.bar(x, share_glitch, bottom=share_zero, label="glitch energy")
    for xi, pj in zip(x, total):
        ax.text(xi, 101, f"{pj:.3g}", ha="center", va="bottom", fontsize=6, rotation=90)
    ax.set_ylim(0, 118)
    ax.set_yticks(range(0, 101, 20))
    ax.set_xticks(x, names, rotation=75, ha="right", fontsize=7)
    ax.set_ylabel("share of the energy per operation (%)")
    ax.set_title(
        f"Functional vs glitch energy per unit ({distribution} operands; "
        "pJ per operation above each bar)"
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
