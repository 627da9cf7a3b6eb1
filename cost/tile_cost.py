"""Synthesize and cost tensor-core tiles that share their hardware, one report record each.

Tiles that differ only in name (the general MAC arrays are the same netlist at every weight
width) are exported once under the top-module name `HW_TOP`, synthesized once and costed on
each tile's own per-cycle operand streams (`picojoule.cost.tile_streams.tile_streams`:
Gaussian activations, uniform random weight codes). A float tile is synthesized by sub-block
(`picojoule.cost.synth.synthesize` ``by_sub_block``: its equal fp32 adders and multipliers
once each, then flattened for the library mapping; about half the Yosys time of the flat
flow); the integer tiles stay flat, where Yosys narrows each multiplier to the W-bit codes it
gets. One operation of the cost flow is one
clock cycle, so

* energy per MAC = energy per cycle / MACs per cycle;
* TOPS/W = 2 / (pJ per MAC), counting a MAC as two operations;
* TOPS/mm^2 = 2 x MACs per cycle x clock / area (at ``clock_ghz``), and at each tile's own
  clock limit 2 x MACs per cycle / (critical path x area).
"""

import hashlib
from pathlib import Path

from picojoule.base import atomic, profile
from picojoule.cost.energy import estimate
from picojoule.cost.synth import synthesize
from picojoule.cost.tile_streams import tile_streams

__all__ = ["HW_TOP", "tile_hardware", "tile_weight", "cost_tile_group", "tile_record"]

#: The canonical top-module name of a tile's hardware (shared by tiles that differ in name only).
HW_TOP = "cost_tile"


def tile_hardware(entry, text):
    """The Verilog ``text`` of tile ``entry`` with its module named `HW_TOP`: equal texts are
    the same hardware."""
    return text.replace(entry.name, HW_TOP)


def tile_weight(entry):
    """A rough cost of synthesizing tile ``entry``, for ordering (float tiles weigh 8x)."""
    spec = entry.spec
    weight = spec.m * spec.n * spec.k * spec.act.width
    return weight * (8 if spec.is_float else 1)


def cost_tile_group(entries, *, hardware, out_dir, liberty=None, clock_ghz=1.0, cycles=4096):
    """The `tile_record` of each tile of ``entries`` (`picojoule.cost.tiles.TileEntry`), all of
    whose hardware is ``hardware`` (`tile_hardware`): written to ``out_dir``, synthesized once
    and costed on each tile's ``cycles`` cycles of operand streams."""
    digest = hashlib.sha256(hardware.encode()).hexdigest()[:16]
    path = Path(out_dir) / f"{HW_TOP}_{digest}.v"
    atomic.write_text(path, hardware)
    synth = synthesize(
        verilog=path,
        top=HW_TOP,
        liberty=liberty,
        progress=None,
        by_sub_block=entries[0].spec.is_float,
    )
    records = []
    for entry in entries:
        with profile.phase("stimulus"):
            streams, holds = tile_streams(entry, cycles=cycles)
        _, energy = estimate(
            synth=synth, streams=streams, holds=holds, clock_ghz=clock_ghz, progress=None
        )
        records.append(tile_record(entry, synth=synth, energy=energy, clock_ghz=clock_ghz))
    return records


def tile_record(entry, *, synth, energy, clock_ghz):
    """The report record of one costed tile (`picojoule.cost.tiles.TileEntry`)."""
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
        "energy_pj_per_cycle_zero_delay": energy.energy_pj_per_op_zero_delay,
        "pj_per_mac_zero_delay": energy.energy_pj_per_op_zero_delay / mpc,
        "glitch_fraction": energy.glitch_fraction,
        "delay_model": energy.delay_model,
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
        "cycles": energy.n_ops,
    }
