"""The report's synthesis-and-costing step: units and tensor-core tiles as one pool of jobs.

A job is one unit (synthesized once, then costed on every operand distribution and, for the
units Horowitz' table names, at his voltage) or one group of tiles that share their hardware
(the general MAC arrays are the same netlist at every weight width: synthesized once, costed on
each width's streams). Every job's records are cached whole under ``<cache>/report_*``, keyed
by the Verilog text, the job's parameters, the library, Yosys' version and the source of the
cost flow (`picojoule.cost`, `picojoule.models`, `picojoule.hw`), so a warm rerun skips
synthesis, netlist loading and simulation alike. Tile Verilog is cached the same way (Amaranth
elaboration of a tile takes seconds).
"""

import functools
import hashlib
import os
from importlib.metadata import version
from pathlib import Path

from picojoule.base import atomic, cache
from picojoule.base.errors import UserError

__all__ = [
    "cached",
    "export_jobs",
    "run_export_job",
    "unit_job",
    "tile_jobs",
    "unit_weight",
    "run_cost_job",
]

#: Horowitz' figures are compared on uniform random operands.
CALIBRATION_DISTRIBUTION = "uniform"
#: The canonical top-module name of a tile's hardware (shared by tiles that differ in name only).
_HW_TOP = "cost_tile"


#: The packages whose source decides each cached result (with this module's own source).
UNIT_SOURCES = ("picojoule.base", "picojoule.cost", "picojoule.models")
TILE_SOURCES = (*UNIT_SOURCES, "picojoule.hw")


@functools.cache
def _own_source():
    return Path(__file__).read_bytes()


def _library_id(liberty):
    """The default library (None) or a Liberty file by path, size and modification time."""
    if liberty is None:
        return None
    try:
        stat = os.stat(liberty)
    except OSError:
        raise UserError(
            f"cannot read Liberty file {liberty}; pass an existing .lib or .lib.gz"
        ) from None
    return [str(Path(liberty).resolve()), stat.st_size, stat.st_mtime_ns]


def cached(kind, key_parts, compute, cache_dir, *, sources):
    """``compute()``'s JSON result, stored under ``cache_dir/kind`` by the hash of
    ``key_parts``, the source of the packages ``sources`` and of this module; returned from
    there when present. ``compute=None`` only looks: None when nothing is stored."""
    digest = cache.key(kind, _own_source(), *key_parts, sources=sources)
    hit = cache.load(cache_dir, kind, digest)
    if hit is not None or compute is None:
        return hit
    result = compute()
    cache.store(cache_dir, kind, digest, result)
    return result


# --- tiles: Verilog export ---------------------------------------------------------------


def _export_tile(job, only_cached):
    """(entry, out_dir, cache_dir) -> the tile's manifest record plus ``hw_digest``."""
    from picojoule.cost.tile_export import export_tile

    entry, out_dir, cache_dir = job

    def compute():
        record = export_tile(entry, out_dir)
        return {"record": record, "text": (Path(out_dir) / record["verilog"]).read_text()}

    doc = cached(
        "report_tile_verilog",
        [entry.name, entry.params(), version("amaranth")],
        None if only_cached else compute,
        cache_dir,
        sources=("picojoule.hw", "picojoule.models"),
    )
    if doc is None:
        return None
    path = Path(out_dir) / doc["record"]["verilog"]
    if not path.is_file() or path.read_text() != doc["text"]:
        atomic.write_text(path, doc["text"])
    hardware = doc["text"].replace(entry.name, _HW_TOP)
    return {**doc["record"], "hw_digest": hashlib.sha256(hardware.encode()).hexdigest()}


def _export_unit(job, only_cached):
    """(spec, cache root) -> True; the unit's Verilog is left in the cache."""
    from picojoule.hw.export import _cache_key, verilog_source

    spec, cache_dir = job
    if only_cached:
        if cache_dir is None:
            return None
        text = cache.load_text(cache_dir, "verilog", _cache_key(spec, None), suffix=".v")
        return None if text is None else True
    verilog_source(spec, cache_dir=cache_dir)
    return True


def run_export_job(job, only_cached=False):
    """One export job of `export_jobs`: a tile's record, or True for a unit; with
    ``only_cached``, None unless the result is in the cache."""
    kind, *rest = job
    return _export_tile(rest, only_cached) if kind == "tile" else _export_unit(rest, only_cached)


def export_jobs(specs, tiles, *, tile_dir, cache_dir):
    """The jobs that export ``tiles`` into ``tile_dir`` and convert the unit ``specs`` into
    the Verilog cache (`picojoule.hw.export.export_suite` then finds them there), slowest
    first. Tile jobs come first, in the order of ``tiles``, sorted by size."""
    Path(tile_dir).mkdir(parents=True, exist_ok=True)
    order = sorted(tiles, key=_tile_weight, reverse=True)
    return [("tile", entry, str(tile_dir), cache_dir) for entry in order] + [
        ("unit", spec, cache_dir) for spec in specs
    ]


# --- jobs ---------------------------------------------------------------------------------


def unit_job(
    entry,
    *,
    manifest_dir,
    distributions,
    calibration_voltage,
    options,
    cache_dir,
    check_netlist=False,
):
    """The job of one manifest unit: its records on ``distributions`` and, unless
    ``calibration_voltage`` is None, its record at that voltage on uniform operands; with
    ``check_netlist``, each record also holds ``netlist_check`` (`picojoule.cost.units`)."""
    return {
        "check_netlist": check_netlist,
        "kind": "unit",
        "name": entry["name"],
        "entry": entry,
        "manifest_dir": str(manifest_dir),
        "distributions": list(distributions),
        "calibration_voltage": calibration_voltage,
        "n_ops": options.n_ops,
        "liberty": options.liberty,
        "clock_ghz": options.clock_ghz,
        "cache_dir": cache_dir,
    }


def tile_jobs(entries, records, *, out_dir, options, cache_dir, cycles=4096):
    """One job per group of ``entries`` whose exported hardware is identical (``records`` from
    `export_tiles`), the float LUT tiles (the slowest to synthesize) first."""
    groups = {}
    for entry, record in zip(entries, records):
        groups.setdefault(record["hw_digest"], []).append((entry, record))
    jobs = [
        {
            "kind": "tiles",
            "name": members[0][0].name,
            "members": members,
            "out_dir": str(out_dir),
            "liberty": options.liberty,
            "clock_ghz": options.clock_ghz,
            "cycles": cycles,
            "cache_dir": cache_dir,
        }
        for members in groups.values()
    ]
    return sorted(jobs, key=lambda job: -_tile_weight(job["members"][0][0]))


def _tile_weight(entry):
    spec = entry.spec
    weight = spec.m * spec.n * spec.k * spec.act.width
    return weight * (8 if spec.is_float else 1)


def unit_weight(job):
    """A rough cost of a unit job, for ordering: operand bits, pipelines and float adders."""
    params = job["entry"]["params"]
    bits = sum(int(ch) for ch in str(params.get("a", "")) if ch.isdigit())
    return (1 + bits) * (1 + params.get("stages", 0)) * (1 + len(job["distributions"]))


def run_cost_job(job, only_cached=False):
    """Run one job of `unit_job` / `tile_jobs`: ``{"records": [...], "calibration": ...}``
    for a unit, ``{"tiles": [...]}`` for a group of tiles; with ``only_cached``, None unless
    the result is in the cache."""
    if job["kind"] == "unit":
        return _run_unit(job, only_cached)
    tiles = _run_tiles(job, only_cached)
    return None if tiles is None else {"tiles": tiles}


def _run_unit(job, only_cached):
    from picojoule.cost.synth import synthesize, yosys_version
    from picojoule.cost.units import cost_unit, netlist_check

    entry = job["entry"]
    verilog = Path(job["manifest_dir"]) / entry["verilog"]
    points = [(dist, None) for dist in job["distributions"]]
    if job["calibration_voltage"] is not None:
        points.append((CALIBRATION_DISTRIBUTION, job["calibration_voltage"]))

    check = job.get("check_netlist", False)

    def compute():
        synth = synthesize(verilog=verilog, top=entry["top"], liberty=job["liberty"], progress=None)
        records = [
            cost_unit(
                entry,
                manifest_dir=job["manifest_dir"],
                distribution=dist,
                n=job["n_ops"],
                liberty=job["liberty"],
                voltage=voltage,
                clock_ghz=job["clock_ghz"],
                synth=synth,
            )
            for dist, voltage in points
        ]
        if check:
            for record, (dist, _) in zip(records, points):
                record["netlist_check"] = netlist_check(
                    entry, synth=synth, distribution=dist, n=job["n_ops"]
                )
        return records

    records = cached(
        "report_unit",
        [
            verilog.read_text(),
            entry["top"],
            entry["kind"],
            entry["params"],
            points,
            check,
            job["n_ops"],
            job["clock_ghz"],
            _library_id(job["liberty"]),
            yosys_version(),
        ],
        None if only_cached else compute,
        job["cache_dir"],
        sources=UNIT_SOURCES,
    )
    if records is None:
        return None
    calibration = records.pop() if job["calibration_voltage"] is not None else None
    return {"records": records, "calibration": calibration}


def _run_tiles(job, only_cached):
    from picojoule.cost.synth import yosys_version

    members = job["members"]
    first = members[0][1]
    hardware = (Path(job["out_dir"]) / first["verilog"]).read_text()
    hardware = hardware.replace(members[0][0].name, _HW_TOP)

    def compute():
        return _cost_tiles(members, hardware, job)

    return cached(
        "report_tiles",
        [
            hardware,
            [entry.params() for entry, _ in members],
            [entry.name for entry, _ in members],
            job["cycles"],
            job["clock_ghz"],
            _library_id(job["liberty"]),
            yosys_version(),
        ],
        None if only_cached else compute,
        job["cache_dir"],
        sources=TILE_SOURCES,
    )


def _cost_tiles(members, hardware, job):
    from picojoule.cost.energy import estimate
    from picojoule.cost.synth import synthesize
    from picojoule.cost.tile_streams import tile_streams

    path = (
        Path(job["out_dir"]) / f"{_HW_TOP}_{hashlib.sha256(hardware.encode()).hexdigest()[:16]}.v"
    )
    atomic.write_text(path, hardware)
    synth = synthesize(verilog=path, top=_HW_TOP, liberty=job["liberty"], progress=None)
    tiles = []
    for entry, _ in members:
        streams, holds = tile_streams(entry, cycles=job["cycles"])
        _, energy = estimate(
            synth=synth, streams=streams, holds=holds, clock_ghz=job["clock_ghz"], progress=None
        )
        tiles.append(tile_record(entry, synth=synth, energy=energy, clock_ghz=job["clock_ghz"]))
    return tiles


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
    }
