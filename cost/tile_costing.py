"""The LUT-vs-MAC cost comparison: each tile of `picojoule.cost.tiles.cost_tiles` exported,
synthesized and costed on the operand streams of a GEMM's inner loop, and the ratios.

One operation of the cost flow is one clock cycle, so

* energy per MAC = energy per cycle / MACs per cycle;
* TOPS/W = 2 / (pJ per MAC), counting a MAC as two operations;
* TOPS/mm^2 = 2 x MACs per cycle x clock / area.
"""

from pathlib import Path

from picojoule.base.parallel import parallel_map
from picojoule.cost.energy import estimate
from picojoule.cost.synth import synthesize
from picojoule.cost.tile_export import export_tile
from picojoule.cost.tile_streams import tile_streams
from picojoule.cost.tiles import COST_FACTS, COST_TILE, FLOAT_LUT_TILE, cost_tiles
from picojoule.models.tiles import TILE_CORES

__all__ = ["cost_tile", "lut_ratios", "compare_tiles"]


def cost_tile(job):
    """The cost record of one tile; ``job`` = (entry, out_dir, liberty, clock_ghz, cycles)."""
    entry, out_dir, liberty, clock_ghz, cycles = job
    record = export_tile(entry, out_dir)
    synth = synthesize(
        verilog=Path(out_dir) / record["verilog"], top=record["top"], liberty=liberty, progress=None
    )
    streams, holds = tile_streams(entry, cycles=cycles)
    _, energy = estimate(
        synth=synth, streams=streams, holds=holds, clock_ghz=clock_ghz, progress=None
    )
    mpc = entry.macs_per_cycle
    pj_per_mac = energy.energy_pj_per_op / mpc
    return {
        "name": entry.name,
        "core": entry.core,
        "params": entry.params(),
        "pipelined": entry.pipelined,
        "wbits": entry.spec.wbits,
        "act": entry.spec.act.name,
        "macs_per_cycle": mpc,
        "cells": sum(synth.cells.values()),
        "area_um2": synth.area_um2,
        "delay_ns": synth.delay_ns,
        "energy_pj_per_cycle": energy.energy_pj_per_op,
        "pj_per_mac": pj_per_mac,
        "tops_per_w": 2 / pj_per_mac,
        "tops_per_mm2": 2 * mpc * clock_ghz * 1e3 / synth.area_um2,
        "clock_ghz": clock_ghz,
        "fmax_ghz": 1 / synth.delay_ns,
        "tops_per_mm2_at_fmax": 2 * mpc * 1e3 / (synth.delay_ns * synth.area_um2),
        "power_mw": energy.power_mw,
        "area_um2_per_mac": synth.area_um2 / mpc,
        "library": synth.library_label,
        "voltage": energy.voltage,
        "tile": f"M{entry.spec.m} N{entry.spec.n} K{entry.spec.k}",
        "distribution": "gaussian activations, uniform weight codes",
    }


def lut_ratios(tiles):
    """MAC / LUT ratios of energy and area per MAC, per LUT tile and baseline.

    Each LUT tile is compared with every baseline core's tile that core's
    `picojoule.cost.tiles.CostFacts.compares` accepts (integer LUT tiles: ``mac-int`` and
    ``mac-int8``/``mac-int16`` at the same W and activation; float LUT tiles: the fp8 and L-Mul
    arrays, listed once for every W), baselines in registry order. Areas are compared per
    MAC/cycle: the arrays differ in size. ``fmax_density_ratio`` is LUT / MAC TOPS/mm^2 with
    each tile clocked at its own critical path, the iso-clock area ratio times the ratio of
    clock limits.
    """
    baselines = [name for name in TILE_CORES if COST_FACTS[name].compares is not None]
    ratios = []
    for t in tiles:
        if t["core"] != "lut":
            continue
        for base in baselines:
            compares = COST_FACTS[base].compares
            macs = [mac for mac in tiles if mac["core"] == base and compares(t, mac)]
            if not macs:
                continue
            mac = macs[-1]
            ratios.append(
                {
                    "wbits": t["wbits"],
                    "act": t["act"],
                    "baseline": base,
                    "pipelined": t.get("pipelined", False),
                    # per MAC: the general and float arrays are smaller tiles
                    "area_ratio": mac["area_um2_per_mac"] / t["area_um2_per_mac"],
                    "energy_ratio": mac["pj_per_mac"] / t["pj_per_mac"],
                    # throughput per area, each tile at its own critical path
                    "fmax_density_ratio": t["tops_per_mm2_at_fmax"] / mac["tops_per_mm2_at_fmax"],
                }
            )
    return ratios


def _dot_product_saving(tiles):
    """Per MAC, the L-Mul array against the e4m3 multiplier array (both summing in fp32)."""
    fp8 = next((t for t in tiles if t["core"] == "mac-fp8"), None)
    lmul = next((t for t in tiles if t["core"] == "mac-lmul"), None)
    if not (fp8 and lmul):
        return None
    saving = 1 - lmul["pj_per_mac"] / fp8["pj_per_mac"]
    return {
        "saving": saving,
        "text": f"{100 * saving:.1f}% saved per MAC by the L-Mul array against the e4m3 "
        f"multiplier array ({lmul['pj_per_mac']:.3g} vs {fp8['pj_per_mac']:.3g} "
        f"pJ/MAC; e4m3 products summed in fp32, as in a dot product)",
    }


def compare_tiles(*, build_dir, liberty=None, clock_ghz=1.0, jobs=1, cycles=4096, progress=print):
    """Cost every tile of `cost_tiles`; returns ``{"tiles", "ratios", "dot_product_saving",
    "tile", "float_tile"}``."""
    entries = cost_tiles()
    out_dir = Path(build_dir) / "tiles"
    out_dir.mkdir(parents=True, exist_ok=True)
    progress(
        f"[LUT] synthesizing and costing {len(entries)} tensor-core tiles "
        f"(M{COST_TILE['m']} N{COST_TILE['n']} K{COST_TILE['k']})"
    )
    # the float LUT tiles (fp32 adders) synthesize slowest: start them first
    order = sorted(
        range(len(entries)),
        key=lambda i: not (entries[i].core == "lut" and entries[i].spec.is_float),
    )
    done = parallel_map(
        cost_tile,
        [(entries[i], out_dir, liberty, clock_ghz, cycles) for i in order],
        jobs=jobs,
    )
    tiles = [None] * len(entries)
    for i, tile in zip(order, done):
        tiles[i] = tile
    return {
        "tiles": tiles,
        "ratios": lut_ratios(tiles),
        "dot_product_saving": _dot_product_saving(tiles),
        "tile": COST_TILE,
        "float_tile": FLOAT_LUT_TILE,
    }
