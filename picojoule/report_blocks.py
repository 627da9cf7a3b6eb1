"""The report's "Block formats" section: MX / NVFP4 dot-product units costed and their accuracy.

Energy and area: one combinational `picojoule.models.mx_unit.MxDot` unit per block format
(`BLOCK_UNITS`, fp32 out), synthesized and costed by the report's own flow (timing-aware
energy, glitches included) on Gaussian blocks quantized by the format's own rule
(`picojoule.cost.operands.block_stream`); energy per MAC = energy per block dot / k. The units
have ``COST_K`` elements per block (not OCP's 32 / NVFP4's 16) so that each synthesizes in
seconds (a k = 32 e4m3 unit takes minutes). Per MAC, k changes both ways: the per-block
normalization and rounding are shared by fewer elements, but the adder tree is shallower and
glitches less; these figures are not those of a k = 32 unit (`picojoule gemm --core mx`
costs one). The same job checks the netlist's outputs against the golden model on the
costed stream (zero-delay simulation).

Accuracy: `picojoule.models.mx_accuracy.accuracy_records` (the GEMM error of each block format
and of the tiles' element formats against float64). The reference tiles' energies per MAC come
from the LUT section's tiles when it ran.
"""

import numpy as np

from picojoule.base.references import MX_CLAIMS, MX_SOURCE
from picojoule.document import Figure, Heading, Paragraph, Table
from picojoule.models.mx_accuracy import BLOCK_UNITS, COST_K, SHAPE, accuracy_records, block_specs
from picojoule.plot_ticks import plain_log_ticks

__all__ = [
    "BLOCK_UNITS",
    "COST_K",
    "SHAPE",
    "block_specs",
    "accuracy_records",
    "blocks_section",
    "blocks_figure",
    "blocks_blocks",
]

#: The LUT section's tiles set beside the block formats: label -> (core, W, act).
REFERENCE_TILES = {
    "e4m3 MAC array": ("mac-fp8", None, "e4m3"),
    "e4m3 L-Mul array": ("mac-lmul", None, "e4m3"),
    "LUT tile W2A8": ("lut", 2, "int8"),
    "LUT tile W4A8": ("lut", 4, "int8"),
}


def blocks_section(*, unit_records, accuracy, lut_tiles):
    """The section's data: one row per block format (its unit record's figures, per MAC, and
    its accuracy) and per reference point (energy per MAC from ``lut_tiles`` if present)."""
    by_label = {r["label"]: r for r in accuracy}
    rows = []
    for label, record in unit_records.items():
        k = record["params"]["k"]
        rows.append(
            {
                "label": label,
                "kind": "block",
                "unit": record["name"],
                "k": k,
                "cells": record["cells"],
                "area_um2": record["area_um2"],
                "area_um2_per_mac": record["area_um2"] / k,
                "delay_ns": record["delay_ns"],
                "pj_per_mac": record["energy_pj_per_op"] / k,
                "pj_per_mac_zero_delay": record["energy_pj_per_op_zero_delay"] / k,
                "glitch_fraction": record["glitch_fraction"],
                "netlist_check": record.get("netlist_check"),
                "accuracy": by_label[label],
            }
        )
    for label, (core, wbits, act) in REFERENCE_TILES.items():
        tile = next(
            (
                t
                for t in lut_tiles
                if t["core"] == core
                and t["act"] == act
                and not t.get("pipelined")
                and (wbits is None or t["wbits"] == wbits)
            ),
            None,
        )
        rows.append(
            {
                "label": label,
                "kind": "reference",
                "unit": tile["name"] if tile else None,
                "pj_per_mac": tile["pj_per_mac"] if tile else None,
                "area_um2_per_mac": tile["area_um2_per_mac"] if tile else None,
                "glitch_fraction": tile["glitch_fraction"] if tile else None,
                "accuracy": by_label[label],
            }
        )
    return {"rows": rows, "cost_k": COST_K, "shape": SHAPE}


def pareto(points):
    """Labels of the points not dominated in (energy, error): no other point is at most as
    costly and at most as wrong and better in one."""
    front = []
    for label, e, err in points:
        if not any(
            (e2 <= e and r2 <= err) and (e2 < e or r2 < err) for l2, e2, r2 in points if l2 != label
        ):
            front.append(label)
    return front


def pareto_points(section, kind="gaussian"):
    return [
        (r["label"], r["pj_per_mac"], r["accuracy"]["rel_rms"][kind])
        for r in section["rows"]
        if r["pj_per_mac"] is not None
    ]


def blocks_figure(section, path):
    """Energy per MAC vs GEMM error (Gaussian data), the Pareto front joined; False if there
    is nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = pareto_points(section)
    if not points:
        return False
    front = set(pareto(points))
    fig, ax = plt.subplots(figsize=(8, 5))
    kinds = {r["label"]: r["kind"] for r in section["rows"]}
    placed = []
    for label, e, err in sorted(points, key=lambda p: p[1]):
        block = kinds[label] == "block"
        ax.scatter(
            e, 100 * err, marker="o" if block else "s", s=60,
            color="tab:blue" if block else "tab:gray",
            edgecolor="black" if label in front else "none", zorder=3,
        )  # fmt: skip
        # a label next to an already labelled point of about the same error goes below it
        crowded = any(e / e2 < 1.6 and abs(np.log(err / r2)) < 0.15 for e2, r2 in placed)
        placed.append((e, err))
        ax.annotate(
            label, (e, 100 * err), textcoords="offset points", fontsize=8,
            xytext=(6, -12) if crowded else (6, 4),
        )  # fmt: skip
    line = sorted((e, 100 * err) for label, e, err in points if label in front)
    ax.plot([p[0] for p in line], [p[1] for p in line], color="tab:red", lw=1, zorder=2,
            label="Pareto front (outlined points)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis)
    plain_log_ticks(ax.yaxis, unit="%")
    ax.set_xlabel("energy per MAC, pJ (timing-aware, this run)")
    ax.set_ylabel("GEMM error vs float64, % (relative RMS, Gaussian data)")
    ax.set_title(f"Block formats (circles; units of k = {section['cost_k']}) and tiles (squares)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _pct(x):
    return None if x is None else f"{100 * x:.1f}%"


def _losses(section):
    """Sentences naming where a block format loses, from this run's numbers."""
    rows = section["rows"]
    blocks = [r for r in rows if r["kind"] == "block" and r["pj_per_mac"] is not None]
    points = pareto_points(section)
    front = set(pareto(points))
    out = []
    for r in blocks:
        if r["label"] in front:
            continue
        e, err = r["pj_per_mac"], r["accuracy"]["rel_rms"]["gaussian"]
        better = [
            label for label, e2, r2 in points if label != r["label"] and e2 <= e and r2 <= err
        ]
        out.append(
            f"{r['label']} loses on Gaussian data: {', '.join(better)} "
            f"{'costs' if len(better) == 1 else 'cost'} no more energy per MAC at no more error."
        )
    for r in blocks:
        g, o = r["accuracy"]["rel_rms"]["gaussian"], r["accuracy"]["rel_rms"]["outliers"]
        if o > 2 * g:
            out.append(
                f"{r['label']} loses accuracy on data with outliers: {_pct(g)} -> {_pct(o)} "
                "(an outlier sets its block's shared scale and flushes its neighbours)."
            )
    return out


def _netlist_notes(rows):
    """One line for the units whose netlist equals the golden model on every costed block."""
    checked = [r for r in rows if r.get("netlist_check")]
    clean = [r for r in checked if r["netlist_check"]["mismatches"] == 0]
    if not clean:
        return []
    counts = sorted({r["netlist_check"]["operations"] for r in clean})
    which = (
        "every block unit" if len(clean) == len(checked) else ", ".join(r["label"] for r in clean)
    )
    blocks = " / ".join(f"{n:,}" for n in counts)
    return [f"The netlist of {which} equals its golden model on all {blocks} costed blocks."]


def blocks_blocks(section, *, figure=None):
    """The report blocks of the section."""
    rows = section["rows"]
    shape = section["shape"]
    blocks = [
        Heading("Block formats"),
        Paragraph(
            "OCP MX v1.0 block formats and NVFP4: one combinational block dot-product unit per "
            f"format (`mx_dot`, k = {section['cost_k']} elements per block, exact products, exact "
            "fixed-point sum, one RNE to fp32), synthesized and costed like the units above on "
            "Gaussian blocks quantized by the format's own rule (one shared scale per block). "
            f"Energy and area per MAC divide the unit's by k. k changes the per-MAC figures "
            f"both ways: at k = {section['cost_k']} the per-block normalization and rounding are "
            "shared by fewer elements than in an OCP k = 32 unit, but the adder tree is "
            "shallower and glitches less, so these are not k = 32 figures (`picojoule gemm "
            "--core mx` costs a k = 32 array; its synthesis takes minutes). Accuracy: a "
            f"Gaussian GEMM (M{shape['m']} K{shape['k']} N{shape['n']}) with A and W quantized to "
            "each format at its real block size (k = 32; NVFP4 16 with its tensor scales), "
            "computed by the bit-exact golden model (DotGeneral), against the float64 product "
            "of the unquantized data. The tile rows are the LUT section's tiles (energy measured "
            "there on their own streams) with the error of their data formats on the same GEMM. "
            "Scope differs: a block unit is the combinational dot product alone (the `mx` array "
            "adds an fp32 adder and accumulator register per output, `picojoule gemm --core mx`), "
            "while a tile's energy includes its accumulators, operand registers and clock."
        ),
        Table(
            [
                "format / tile",
                "unit",
                "cells",
                "area um^2/MAC",
                "pJ/MAC",
                "pJ/MAC zero delay",
                "glitch share",
                "error (Gaussian)",
                "error (outliers)",
                "numeric rule",
            ],  # fmt: skip
            [
                [
                    r["label"],
                    r.get("unit"),
                    r.get("cells"),
                    r.get("area_um2_per_mac"),
                    r.get("pj_per_mac"),
                    r.get("pj_per_mac_zero_delay"),
                    _pct(r.get("glitch_fraction")),
                    _pct(r["accuracy"]["rel_rms"]["gaussian"]),
                    _pct(r["accuracy"]["rel_rms"]["outliers"]),
                    r["accuracy"]["rule"],
                ]
                for r in rows
            ],
            caption="Error = relative RMS error of the GEMM against float64 (||C - C64|| / "
            "||C64||); outliers: 0.1% of the values times 30. A tile row without energy: the "
            "LUT section did not run.",
            notes=_netlist_notes(rows),
        ),
    ]
    if figure:
        blocks.append(
            Figure(
                figure,
                "Energy per MAC vs GEMM error on Gaussian data: block-format units (circles) and "
                "the LUT section's tiles (squares); the Pareto front is joined.",
            )
        )
    losses = _losses(section)
    if losses:
        blocks.append(Paragraph("Where a block format loses (this run): " + " ".join(losses)))
    blocks.append(
        Table(
            ["published figure (theirs)", "value (theirs)"],
            [[c.text, c.value] for c in MX_CLAIMS],
            caption=f"From {MX_SOURCE}; their process, voltage and scope (a whole cluster), "
            "not comparable one to one with our unit figures at the default library.",
        )
    )
    return blocks
