"""The report's LUT-tensor-core section: LUT tiles vs MAC arrays of the same peak MACs/cycle.

Renders what `picojoule.cost.tile_costing.compare_tiles` measured (tiles, ratios); the
baselines are grouped as `picojoule.models.tiles.TILE_CORES` names them.
"""

import math

import matplotlib
import matplotlib.pyplot as plt

from picojoule.base.references import LUT_CLAIMS, LUT_SOURCE
from picojoule.document import Figure, Heading, Paragraph, Table
from picojoule.models.tiles import TILE_CORES

matplotlib.use("Agg")


def lut_figure(lut, path):
    """pJ/MAC and area/MAC per core vs weight bits (A8); returns False when nothing to draw."""

    tiles = [t for t in lut.get("tiles", []) if t["act"] == "int8"]
    if not tiles:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))

    def label(t):
        return t["core"] + (" pipelined" if t.get("pipelined") else "")

    for core in sorted({label(t) for t in tiles}):
        rows = sorted((t for t in tiles if label(t) == core), key=lambda t: t["wbits"])
        for ax, key in zip(axes, ("pj_per_mac", "area_um2_per_mac")):
            ax.plot([t["wbits"] for t in rows], [t[key] for t in rows], marker="o", label=core)
    for ax, label in zip(axes, ("energy per MAC (pJ)", "area per MAC/cycle (um^2)")):
        ax.set_xlabel("weight bits W (activations int8)")
        ax.set_ylabel(label)
        ax.set_yscale("log")
        ax.set_xticks(sorted({t["wbits"] for t in tiles}))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(
        "LUT tensor core vs MAC arrays of the same peak MACs/cycle (measured by picojoule)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _fmt(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _range(values):
    lo, hi = min(values), max(values)
    return f"{lo:.2f}x" if abs(hi - lo) < 0.005 else f"{lo:.2f}-{hi:.2f}x"


def _label(ratio):
    """``W2A8`` for integer activations, ``W2 e4m3`` for float ones."""
    act = ratio["act"]
    return (
        f"W{ratio['wbits']}A{act.removeprefix('int')}"
        if act.startswith("int")
        else f"W{ratio['wbits']} {act}"
    )


def _pipelined_sentence(lut):
    """What the register between table read and accumulation buys, from the tiles and ratios."""
    tiles = lut.get("tiles", [])
    pipe = {(t["wbits"], t["act"]): t for t in tiles if t["core"] == "lut" and t.get("pipelined")}
    flat = {
        (t["wbits"], t["act"]): t
        for t in tiles
        if t["core"] == "lut" and not t.get("pipelined") and (t["wbits"], t["act"]) in pipe
    }
    if not flat:
        return ""
    pairs = [(flat[key], pipe[key]) for key in flat]
    timed = [r for r in lut["ratios"] if r.get("pipelined") and "fmax_density_ratio" in r]
    text = (
        f"Pipelined (a register between table read and accumulation), the integer LUT "
        f"tiles' critical paths go from {_span(t['delay_ns'] for t, _ in pairs)} ns to "
        f"{_span(p['delay_ns'] for _, p in pairs)} ns at "
        f"{_range([p['area_um2'] / t['area_um2'] for t, p in pairs])} the area and "
        f"{_range([p['pj_per_mac'] / t['pj_per_mac'] for t, p in pairs])} the energy per MAC"
    )
    if timed:
        wins = sorted(
            {f"{_label(r)} vs {r['baseline']}" for r in timed if r["fmax_density_ratio"] > 1}
        )
        text += (
            f"; at each tile's own clock limit, LUT / MAC TOPS/mm^2 is then "
            f"{_range([r['fmax_density_ratio'] for r in timed])}, above 1 at "
            + (", ".join(wins) if wins else "none")
        )
    gains = [100 * (t["delay_ns"] / p["delay_ns"] - 1) for t, p in pairs]
    text += (
        f"; the clock limit rises by {min(gains):.0f}-{max(gains):.0f}% for that area and energy"
    )
    return text + "."


def _span(values):
    values = list(values)
    return f"{min(values):.1f}-{max(values):.1f}"


def lut_conclusion(lut):
    """One paragraph saying where the LUT tile wins and where it loses, from the ratios."""
    parts = []
    groups = {}
    for core in TILE_CORES.values():
        if core.baseline_of:
            groups.setdefault(core.baseline_of, []).append(core.name)
    for label, baselines in groups.items():
        rows = [r for r in lut["ratios"] if r["baseline"] in baselines and not r.get("pipelined")]
        if not rows:
            continue
        wins = sorted({_label(r) for r in rows if r["energy_ratio"] > 1})
        energy = _range([r["energy_ratio"] for r in rows])
        area = _range([r["area_ratio"] for r in rows])
        parts.append(
            f"Against {label}, MAC energy / LUT energy per MAC is {energy} and MAC area / "
            f"LUT area per MAC is {area} (above 1: the LUT tile is better); the LUT tile "
            + (f"wins on energy at {', '.join(wins)}." if wins else "wins on energy nowhere.")
        )
    w2a8 = [
        r
        for r in lut["ratios"]
        if r["wbits"] == 2 and r["act"] == "int8" and not r.get("pipelined")
    ]
    if w2a8:
        measured = "; ".join(
            f"{r['area_ratio']:.2f}x area and {r['energy_ratio']:.2f}x energy "
            f"against {r['baseline']}"
            for r in w2a8
        )
        parts.append(
            "At W2A8 the paper reports 1.44x in both area and power (its figure, "
            f"against its own MAC baseline); we measure {measured}."
        )
    timed = [r for r in lut["ratios"] if "fmax_density_ratio" in r and not r.get("pipelined")]
    delays = [t["delay_ns"] for t in lut.get("tiles", []) if not t.get("pipelined")]
    if timed and delays:
        lost = [
            f"{_label(r)} vs {r['baseline']}"
            for r in timed
            if r["area_ratio"] > 1 and r["fmax_density_ratio"] < 1
        ]
        clock = next((t["clock_ghz"] for t in lut["tiles"] if "clock_ghz" in t), 1.0)
        slow = sum(d > 1 / clock for d in delays)
        reach = (
            "none reaches it as built"
            if slow == len(delays)
            else f"{slow} of {len(delays)} tiles do not reach it as built"
            if slow
            else "every tile reaches it"
        )
        parts.append(
            f"Timing (static, high-fanout nets through buffer trees): the unpipelined "
            f"tiles' critical paths are {min(delays):.1f}-{max(delays):.1f} ns, so of "
            f"the stated {clock:g} GHz clock {reach}. With each tile clocked at its own "
            f"critical path, LUT / MAC TOPS/mm^2 is "
            f"{_range([r['fmax_density_ratio'] for r in timed])}"
            + (
                f"; the LUT tile's longer path turns its area advantage into a loss at "
                f"{', '.join(lost)}."
                if lost
                else "."
            )
        )
    parts.append(_pipelined_sentence(lut))
    parts.append(
        "The bit-serial LUT tile keeps a wide accumulator per output and adds one "
        "shifted table entry per weight bit, which dominates at these tile sizes; a "
        "wider N amortizes its tables further."
    )
    return " ".join(part for part in parts if part)


def lut_blocks(lut, *, figures):
    """The report blocks of the LUT section."""
    tile, ftile = lut["tile"], lut["float_tile"]
    clock = next((t["clock_ghz"] for t in lut["tiles"] if "clock_ghz" in t), 1.0)
    blocks = [
        Heading("LUT tensor core vs MAC arrays"),
        Paragraph(
            f"LUT tiles of M{tile['m']} N{tile['n']} K{tile['k']} (the paper's M2 N64 "
            "K4 narrowed in N so that every tile synthesizes in seconds; the tables "
            "are shared across N, so a narrower N is conservative for the LUT core). "
            "The `mac-int` baseline has the same peak MACs per cycle as the LUT tile "
            "(W-bit weight codes into integer multipliers). Operands: Gaussian activations, uniform random weight "
            "codes, driven cycle by cycle as a GEMM's inner loop drives them. The "
            "general integer MAC arrays and the e4m3 and L-Mul arrays (weights "
            "dequantized to e4m3, products summed in fp32) are costed on a smaller "
            "array to keep synthesis short; compare them per MAC. LUT tiles with "
            "e4m3 activations (tables of e4m3 adders, fp32 accumulators; "
            "`picojoule.hw.lut_tile_fp`) are costed on one row of tables "
            f"(M{ftile['m']} N{ftile['n']} K{ftile['k']}) beside the e4m3 arrays."
        ),
        Table(
            [
                "tile",
                "core",
                "W",
                "act",
                "shape",
                "MACs/cycle",
                "cells",
                "area um^2",
                "pJ/MAC",
                "TOPS/W",
                f"TOPS/mm^2 at {clock:g} GHz",
                "delay ns",
                "TOPS/mm^2 at 1/delay",
            ],
            [
                [
                    t["name"],
                    t["core"],
                    t["wbits"],
                    t["act"],
                    t["tile"],
                    t["macs_per_cycle"],
                    t["cells"],
                    t["area_um2"],
                    t["pj_per_mac"],
                    t["tops_per_w"],
                    t["tops_per_mm2"],
                    t["delay_ns"],
                    t.get("tops_per_mm2_at_fmax"),
                ]
                for t in lut["tiles"]
            ],
            caption="Measured by picojoule (default library unless --liberty; 1 MAC = 2 "
            "operations; delay: static timing of the unpipelined tile).",
        ),
    ]
    blocks.append(Paragraph(lut_conclusion(lut)))
    if lut["ratios"]:
        blocks.append(
            Table(
                [
                    "W",
                    "act",
                    "LUT pipelined",
                    "baseline",
                    "area MAC / LUT",
                    "energy MAC / LUT",
                    "TOPS/mm^2 LUT / MAC at own 1/delay",
                ],
                [
                    [
                        r["wbits"],
                        r["act"],
                        "yes" if r.get("pipelined") else "no",
                        r["baseline"],
                        r["area_ratio"],
                        r["energy_ratio"],
                        r.get("fmax_density_ratio"),
                    ]
                    for r in lut["ratios"]
                ],
                caption="Ratios above 1 mean the LUT tile is smaller / spends less "
                "energy per MAC / delivers more throughput per area.",
            )
        )
    blocks.append(
        Table(
            ["the paper's claim", "paper's figure"],
            [[c.text, _fmt(round(c.value, 2))] for c in LUT_CLAIMS],
            caption=f"From {LUT_SOURCE}: a different process, tool and tile size; "
            "set beside our ratios, not comparable number for number.",
        )
    )
    if "lut" in figures:
        blocks.append(Figure(figures["lut"], "Energy and area per MAC vs weight bits."))
    return blocks
