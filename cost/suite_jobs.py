"""Synthesis and costing of a suite: units and tensor-core tiles as one pool of jobs.

A job is one unit (synthesized once, then costed on every operand distribution and, for the
units Horowitz' table names, at his voltage) or one group of tiles that share their hardware
(the general MAC arrays are the same netlist at every weight width: synthesized once, costed on
each width's streams). Every job's records are cached whole under ``<cache>/report_*``, keyed
by the Verilog text, the job's parameters, the library, Yosys' version and the source of the
cost flow (`picojoule.cost`, `picojoule.models`, `picojoule.hw`), so a warm rerun skips
synthesis, netlist loading and simulation alike. Tile Verilog is cached the same way (Amaranth
elaboration of a tile takes seconds). The jobs run on `picojoule.base.pool.run_jobs`; the
report (`picojoule.report_data`) builds them, runs them and renders their records.
"""

import functools
import hashlib
import os
from importlib.metadata import version
from pathlib import Path

from picojoule.base import atomic, cache
from picojoule.base.errors import UserError
from picojoule.cost.synth import synthesize, yosys_version
from picojoule.cost.tile_cost import cost_tile_group, tile_hardware, tile_weight
from picojoule.cost.tile_export import export_tile
from picojoule.cost.units import cost_unit, netlist_check
from picojoule.hw.export import _cache_key, verilog_source

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
    hardware = tile_hardware(entry, doc["text"])
    return {**doc["record"], "hw_digest": hashlib.sha256(hardware.encode()).hexdigest()}


def _export_unit(job, only_cached):
    """(spec, cache root) -> True; the unit's Verilog is left in the cache."""
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
    order = sorted(tiles, key=tile_weight, reverse=True)
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
    ``check_netlist``, each record also holds ``netlist_check`` (`picojoule.cost.units`).
    ``options``: the run's settings, read for ``n_ops``, ``liberty`` and ``clock_ghz`` (the
    report's `ReportOptions`)."""
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


#: Cycles simulated per tile: 4,096, or 2,048 for the cores whose energy per MAC (timing-aware
#: and zero-delay) moved less than 0.5% from 2,048 to 4,096 cycles on every tile of the report
#: (the LUT tiles: at most 0.41%; the e4m3 array: 0.09%). The integer MAC arrays (up to 0.74%)
#: and the L-Mul array (0.61%) keep 4,096.
TILE_CYCLES = 4096
SHORT_TILE_CYCLES = 2048
SHORT_CYCLE_CORES = ("lut", "mac-fp8")


def tile_cycles(entry):
    """The cycles a tile is simulated for (`TILE_CYCLES` or `SHORT_TILE_CYCLES`)."""
    return SHORT_TILE_CYCLES if entry.core in SHORT_CYCLE_CORES else TILE_CYCLES


def tile_jobs(entries, records, *, out_dir, options, cache_dir, cycles=None):
    """One job per group of ``entries`` whose exported hardware is identical (``records`` from
    `run_export_job`), the float LUT tiles (the slowest to synthesize) first. ``options`` is
    read for ``liberty`` and ``clock_ghz``. Each group is simulated for ``cycles`` (default:
    `tile_cycles` of its first tile)."""
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
            "cycles": cycles or tile_cycles(members[0][0]),
            "cache_dir": cache_dir,
        }
        for members in groups.values()
    ]
    return sorted(jobs, key=lambda job: -tile_weight(job["members"][0][0]))


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
    members = job["members"]
    first = members[0][1]
    hardware = tile_hardware(members[0][0], (Path(job["out_dir"]) / first["verilog"]).read_text())

    def compute():
        return cost_tile_group(
            [entry for entry, _ in members],
            hardware=hardware,
            out_dir=job["out_dir"],
            liberty=job["liberty"],
            clock_ghz=job["clock_ghz"],
            cycles=job["cycles"],
        )

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
