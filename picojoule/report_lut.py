"""The report's LUT-tensor-core section: LUT tiles vs MAC arrays of the same peak MACs/cycle.

Each tile of `picojoule.cost.tiles.cost_tiles` is exported, synthesized and costed in the
cost layer (`picojoule.cost.tile_cost`, which states how energy per MAC, TOPS/W and TOPS/mm^2
follow from energy per cycle); this module compares and renders the records.
"""

import math

from picojoule.base.references import LUT_CLAIMS, LUT_SOURCE
from picojoule.document import Figure, Heading, Paragraph, Table
from picojoule.models.tiles import TILE_CORES
from picojoule.plot_ticks import plain_log_ticks

#: The float MAC-array baselines: registered baselines that take float activations only.
FLOAT_BASELINES = tuple(
    core.name
    for core in TILE_CORES.values()
    if core.baseline_of and not any(act.startswith("int") for act in core.acts)
)


def _zero_mac(tile):
    return tile.get("pj_per_mac_zero_delay") or tile["pj_per_mac"]


def lut_ratios(tiles):
    """MAC / LUT ratios of energy and area per MAC, per LUT tile and baseline.

    Integer LUT tiles are compared with ``mac-int`` (same peak) and ``mac-int8``/``mac-int16``
    at the same W and activation width; float LUT tiles with the fp8 and L-Mul arrays (listed
    once, for every W). Areas are compared per MAC/cycle: the arrays differ in size.
    ``fmax_density_ratio`` is LUT / MAC TOPS/mm^2 with each tile clocked at its own
    critical path (unpipelined), the iso-clock area ratio times the ratio of clock limits.
    """
    by_key = {(t["core"], t["wbits"], t["act"]): t for t in tiles}
    float_macs = {t["core"]: t for t in tiles if t["core"] in FLOAT_BASELINES}
    ratios = []
    for t in tiles:
        if t["core"] != "lut":
            continue
        if t["act"].startswith("int"):
            macs = [
                by_key.get((base, t["wbits"], t["act"])) for base in ("mac-int", f"mac-{t['act']}")
            ]
        else:  # the fp8 / L-Mul arrays serve every W (see cost_tiles)
            macs = [float_macs.get(base) for base in FLOAT_BASELINES]
        for mac in macs:
            if mac:
                base = mac["core"]
                ratios.append(
                    {
                        "wbits": t["wbits"],
                        "act": t["act"],
                        "baseline": base,
                        "pipelined": t.get("pipelined", False),
                        # per MAC: the general and float arrays are smaller tiles
                        "area_ratio": mac["area_um2_per_mac"] / t["area_um2_per_mac"],
                        "energy_ratio": mac["pj_per_mac"] / t["pj_per_mac"],
                        "energy_ratio_zero_delay": _zero_mac(mac) / _zero_mac(t),
                        # throughput per area, each tile at its own critical path
                        "fmax_density_ratio": t["tops_per_mm2_at_fmax"]
                        / mac["tops_per_mm2_at_fmax"],
                    }
                )
    return ratios


def lut_section(tiles):
    """The LUT section's data from the costed ``tiles`` (`picojoule.cost.tile_cost.tile_record`, in `cost_tiles`
    order): ``{"tiles", "ratios", "dot_product_saving", "tile", "float_tile"}``."""
    from picojoule.cost.tiles import COST_TILE, FLOAT_LUT_TILE

    dot = None
    fp8 = next((t for t in tiles if t["core"] == "mac-fp8"), None)
    lmul = next((t for t in tiles if t["core"] == "mac-lmul"), None)
    if fp8 and lmul:
        saving = 1 - lmul["pj_per_mac"] / fp8["pj_per_mac"]
        zero = 1 - _zero_mac(lmul) / _zero_mac(fp8)
        dot = {
            "saving": saving,
            "lmul_pj_per_mac": lmul["pj_per_mac"],
            "fp8_pj_per_mac": fp8["pj_per_mac"],
            "saving_zero_delay": zero,
            "text": f"{100 * saving:.1f}% saved per MAC by the L-Mul array against the e4m3 "
            f"multiplier array ({lmul['pj_per_mac']:.3g} vs {fp8['pj_per_mac']:.3g} "
            f"pJ/MAC, glitches included; {100 * zero:.1f}% with zero-delay toggles; e4m3 "
            f"products summed in fp32, as in a dot product)",
        }
    return {
        "tiles": tiles,
        "ratios": lut_ratios(tiles),
        "dot_product_saving": dot,
        "tile": COST_TILE,
        "float_tile": FLOAT_LUT_TILE,
    }


def lut_figure(lut, path):
    """pJ/MAC and area/MAC per core vs weight bits (A8); returns False when nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
        plain_log_ticks(ax.yaxis)
        ax.set_xticks(sorted({t["wbits"] for t in tiles}))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(
        "LUT tensor core vs integer MAC arrays, per MAC (mac-int: the same peak MACs/cycle; "
        "mac-int8: a general int8 array; measured by picojoule)",
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
    gains = [100 * (t["delay_ns"] / p["delay_ns"] - 1) for t, p in pairs]
    return (
        f"Pipelined (a register between table read and accumulation), the integer LUT "
        f"tiles' clock limit rises by {min(gains):.0f}-{max(gains):.0f}% for "
        f"{_range([p['area_um2'] / t['area_um2'] for t, p in pairs])} the area and "
        f"{_range([p['pj_per_mac'] / t['pj_per_mac'] for t, p in pairs])} the energy per MAC "
        "(the ratio table below has them against each baseline)."
    )


#: The baselines the LUT tile is summarized against: (label, cores).
BASELINE_GROUPS = (
    ("int8 x uintW multiplier array, same peak MACs/cycle", ("mac-int",)),
    (
        "general integer MAC array (weights widened to the activation width)",
        ("mac-int8", "mac-int16"),
    ),
    ("e4m3 multiplier array, fp32 sums (LUT tile with e4m3 activations)", ("mac-fp8",)),
    ("e4m3 L-Mul array, fp32 sums (LUT tile with e4m3 activations)", ("mac-lmul",)),
)


def lut_summary(lut):
    """One row per baseline group of unpipelined LUT tiles: the ranges of MAC / LUT energy and
    area per MAC and of LUT / MAC TOPS/mm^2 at each tile's own clock limit (above 1: the LUT
    tile is better), and where the LUT tile wins on energy."""
    rows = []
    for label, baselines in BASELINE_GROUPS:
        group = [r for r in lut["ratios"] if r["baseline"] in baselines and not r.get("pipelined")]
        if not group:
            continue
        wins = sorted({_label(r) for r in group if r["energy_ratio"] > 1})
        wins_zero = sorted(
            {_label(r) for r in group if r.get("energy_ratio_zero_delay", r["energy_ratio"]) > 1}
        )
        timed = [r["fmax_density_ratio"] for r in group if r.get("fmax_density_ratio")]
        rows.append(
            [
                label,
                _range([r["energy_ratio"] for r in group]),
                _range([r.get("energy_ratio_zero_delay", r["energy_ratio"]) for r in group]),
                _range([r["area_ratio"] for r in group]),
                _range(timed) if timed else None,
                (", ".join(wins) if wins else "nowhere")
                + (
                    ""
                    if wins == wins_zero
                    else f" (zero delay: {', '.join(wins_zero) if wins_zero else 'nowhere'})"
                ),
            ]
        )
    return rows


def paper_comparison(lut):
    """The paper's W2A8 figure beside ours, one sentence (empty without a W2A8 tile)."""
    w2a8 = [
        r
        for r in lut["ratios"]
        if r["wbits"] == 2 and r["act"] == "int8" and not r.get("pipelined")
    ]
    if not w2a8:
        return ""
    measured = "; ".join(
        f"{r['area_ratio']:.2f}x area and {r['energy_ratio']:.2f}x energy against {r['baseline']}"
        for r in w2a8
    )
    return (
        "At W2A8 the paper reports 1.44x in both area and power (its figure, against its own "
        f"MAC baseline); we measure {measured}."
    )


def _cycles_sentence(tiles):
    """How many cycles each core's tiles were simulated for (empty for older records)."""
    by_cycles = {}
    for t in tiles:
        if t.get("cycles"):
            by_cycles.setdefault(t["cycles"], []).append(t["core"])
    if not by_cycles:
        return ""
    parts = [
        f"{cycles:,} for {', '.join(dict.fromkeys(cores))}"
        for cycles, cores in sorted(by_cycles.items())
    ]
    note = (
        " (the shorter run where the energy per MAC is within 0.5% of a 4,096-cycle one)"
        if len(by_cycles) > 1
        else ""
    )
    return f" Cycles simulated per tile: {'; '.join(parts)}{note}."


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
            f"(M{ftile['m']} N{ftile['n']} K{ftile['k']}) beside the e4m3 arrays. "
            "The float tiles are synthesized by sub-block (each distinct fp32 adder and "
            "multiplier once, then flattened before ABC maps the whole tile). Their "
            "energies with glitches depend on the netlist's structure: renaming the "
            "sub-blocks alone (the same logic, the same flat flow) moved the e4m3 LUT "
            "tile's and the e4m3 array's pJ/MAC by 13% and 7%, so read float-tile "
            "ratios near 1 as a tie." + _cycles_sentence(lut["tiles"])
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
    summary = lut_summary(lut)
    if summary:
        blocks.append(
            Table(
                [
                    "LUT tile against",
                    "energy per MAC, MAC / LUT",
                    "same, zero-delay toggles",
                    "area per MAC, MAC / LUT",
                    "TOPS/mm^2 at own clock limit, LUT / MAC",
                    "LUT wins on energy at",
                ],
                summary,
                caption="Where the LUT tile wins and loses (unpipelined tiles; above 1 the LUT "
                "tile is better). It keeps a wide accumulator per output and adds one shifted "
                "table entry per weight bit, which dominates at these tile sizes; a wider N "
                "amortizes its tables further.",
            )
        )
    text = " ".join(t for t in (paper_comparison(lut), _pipelined_sentence(lut)) if t)
    if text:
        blocks.append(Paragraph(text))
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
                    "energy MAC / LUT (zero delay)",
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
                        r.get("energy_ratio_zero_delay"),
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
