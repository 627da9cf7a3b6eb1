"""Run the whole flow for the report: export, co-verify, synthesize, cost, accuracy.

Every figure in the report comes from `collect`, which runs picojoule's own code: the
standard suite is exported to Verilog, co-verified in cocotb against the golden models,
synthesized with Yosys + ABC to the cell library and costed by gate-level activity
simulation on each operand distribution; the tensor-core tiles likewise. The run is one
numbered sequence of steps (`plan`), each long one with a progress bar; the report's
``sections`` select which run. Every step's results are cached by the hash of their inputs
(`picojoule.base.cache`), so a rerun reuses them.
"""

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from picojoule.base import cache
from picojoule.base.paths import build_root
from picojoule.base.pool import run_jobs, start_process
from picojoule.base.references import HOROWITZ_45NM
from picojoule.cost.operands import DISTRIBUTIONS
from picojoule.cost.synth import yosys_version
from picojoule.models import mx_accuracy
from picojoule.models.formats import Overflow
from picojoule.models.unit_errors import multiplier_errors
from picojoule.models.units import standard_suite, unit_from_params

#: The parts of the report `--section` selects, in report order.
SECTIONS = ("units", "calibration", "accuracy", "lut", "lut-accuracy", "blocks")
#: Sections that do not depend on the units or tiles selected (studies of the golden models,
#: and the block formats' own units).
STUDIES = ("accuracy", "lut-accuracy", "blocks")
#: Blocks simulated per block-format unit (each block is k MACs).
BLOCK_OPS = 2000
#: Random blocks (plus the directed ones) each block-format unit is co-verified on.
BLOCK_VERIFY = 20_000


def calibration_units(specs):
    """Horowitz' operation name ("int8 add", "fp32 mul", ...) -> the matching combinational
    unit among ``specs`` (same operand format, non-saturating), for the operations present."""
    kinds = {
        ("add", True): "int_add",
        ("mul", True): "int_mul",
        ("add", False): "fp_add",
        ("mul", False): "fp_mul",
    }
    found = {}
    for operation in HOROWITZ_45NM:
        fmt, op = operation.split()
        kind = kinds[(op, fmt.startswith("int"))]
        for spec in specs:
            if (
                spec.kind == kind
                and spec.stages == 0
                and spec.a.name == fmt == spec.b.name
                and getattr(spec, "overflow", Overflow.NONSAT) is Overflow.NONSAT
            ):
                found[operation] = spec.name
                break
    return found


#: Horowitz' figures are for 0.9 V; the calibration evaluates our netlists at his voltage.
CALIBRATION_VOLTAGE = 0.9


@dataclass
class ReportOptions:
    """What `collect` runs.

    Attributes
    ----------
    units : list of str or None
        Unit names from the standard suite to include (None: all).
    n_ops : int
        Operations simulated per unit and operand distribution.
    accuracy_samples : int
        Gaussian pairs in the accuracy study.
    verify : bool
        Co-verify every unit in cocotb before costing it.
    verify_vectors : int
        Random vectors (plus directed corners) per unit wider than 8 x 8 bits; 8-bit units
        are verified exhaustively. `picojoule sim` runs 1M by default.
    sections : tuple of str
        Parts of `SECTIONS` to run (default: all; with ``units`` or ``tiles`` given, all but
        the `STUDIES`, which do not depend on them).
    tiles : list of str or None
        Tile names to cost besides those that use a selected unit (None: with ``units``
        given, only the tiles that use them; else all).
    command : str
        The command that runs this, named in the report.
    cache_dir : path-like or None
        Result cache (default ``build/cache`` or ``$PICOJOULE_CACHE``; None: no cache).
    """

    units: list = None
    liberty: str = None
    n_ops: int = 20_000
    accuracy_samples: int = 1_000_000
    verify: bool = True
    verify_vectors: int = 100_000
    simulator: str = "icarus"
    clock_ghz: float = 1.0
    jobs: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    build_dir: Path = field(default_factory=lambda: build_root() / "report")
    sections: tuple = None
    tiles: list = None
    command: str = "picojoule report"
    cache_dir: object = "default"

    def selected_sections(self):
        """The sections to run, in `SECTIONS` order."""
        if self.sections is not None:
            unknown = [s for s in self.sections if s not in SECTIONS]
            if unknown:
                raise ValueError(
                    f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}"
                )
            return tuple(s for s in SECTIONS if s in self.sections)
        if self.units or self.tiles:
            return tuple(s for s in SECTIONS if s not in STUDIES)
        return SECTIONS


@dataclass
class ReportData:
    options: ReportOptions
    specs: list
    manifest: dict
    verdicts: list
    records: list  # summary.json records, one per unit and distribution
    calibration: list  # dicts: operation, energy_pj, horowitz_pj, ratio, area ...
    accuracy: list
    lut: dict
    tools: dict
    errors: list = field(default_factory=list)  # energy-vs-error points per multiplier
    lut_accuracy: list = field(default_factory=list)  # float LUT mpGEMM error records
    calibration_records: list = field(default_factory=list)  # summary.json records at 0.9 V
    seconds: float = 0.0
    steps: object = None  # the run's `Steps`, for the report-writing step
    proofs: list = field(default_factory=list)  # cached netlist proofs (`make prove`) per unit
    blocks: dict = field(default_factory=dict)  # the Block formats section (report_blocks)
    block_records: list = field(default_factory=list)  # summary.json records of its units
    block_verify: int = 0  # random blocks each block-format unit was co-verified on (0: none)
    profile: dict = None  # where the synthesize + cost step's time went (`report_profile`)


def select_specs(names):
    """The scalar units of the standard suite named by ``names`` (all when empty). The suite's
    block-format units (k = 32) are not among them: the Block formats section costs its own
    k = 8 units (`report_blocks.block_specs`), and `picojoule sim` verifies the suite's."""
    everything = standard_suite()
    suite = [spec for spec in everything if spec.kind != "mx_dot"]
    if not names:
        return suite
    by_name = {spec.name: spec for spec in suite}
    blocks = {spec.name for spec in everything} - set(by_name)
    unknown = [n for n in names if n not in by_name]
    if unknown and unknown[0] in blocks:
        raise ValueError(
            f"{unknown[0]} is a block-format unit: the report costs those in its Block formats "
            "section (`picojoule report --section blocks`); `picojoule sim --unit "
            f"{unknown[0]}` co-verifies it"
        )
    if unknown:
        raise ValueError(
            f"unknown unit {unknown[0]!r}; choose from the standard suite "
            f"(`picojoule report --list-units`)"
        )
    return [by_name[n] for n in names]


def tile_multiplier(entry):
    """The unit spec of a tile's multipliers (MAC arrays), or None (LUT tiles)."""
    multiplier = getattr(entry.spec, "multiplier", None)
    return multiplier() if callable(multiplier) else None


def tiles_using(entries, units):
    """The tiles among ``entries`` whose multiplier is one of the ``units`` (names)."""
    names = set(units)
    return [e for e in entries if tile_multiplier(e) and tile_multiplier(e).name in names]


def select_tiles(options):
    """The tiles `collect` costs: all, or those named in ``options.tiles`` and those using a
    unit of ``options.units``; ValueError naming the choices for an unknown tile."""
    from picojoule.cost.tiles import cost_tiles

    entries = cost_tiles()
    if not options.units and not options.tiles:
        return entries
    by_name = {e.name: e for e in entries}
    unknown = [n for n in options.tiles or () if n not in by_name]
    if unknown:
        raise ValueError(
            f"unknown tile {unknown[0]!r}; choose from `picojoule report --list-tiles`"
        )
    chosen = {e.name for e in tiles_using(entries, options.units or ())} | set(options.tiles or ())
    return [e for e in entries if e.name in chosen]


def _count(items, noun):
    return f"{len(items)} {noun}" + ("" if len(items) == 1 else "s")


class Steps:
    """The numbered steps of one run: ``[i/n] text`` lines through ``progress``."""

    def __init__(self, keys, progress):
        self.keys = list(keys)
        self.progress = progress

    def start(self, key, text):
        self.progress(f"[{self.keys.index(key) + 1}/{len(self.keys)}] {text}")


def plan(options, *, specs, tiles):
    """The step keys of a run of ``options`` on ``specs`` and ``tiles``, in order."""
    sections = options.selected_sections()
    units = bool(specs) and ("units" in sections or "calibration" in sections)
    steps = []
    if units or (tiles and "lut" in sections):
        steps.append("export")
    if options.verify and ((units and "units" in sections) or "blocks" in sections):
        steps.append("verify")
    if units or (tiles and "lut" in sections):
        steps.append("cost")
    steps += [s for s in STUDIES if s in sections]
    return steps + ["write"]


def _cache_dir(options):
    return cache.resolve(options.cache_dir)


def _study(kind, parameters, compute, options, *, module):
    """A golden-model study's records, cached by ``parameters``, the models' source and the
    source of ``module`` (the study's own)."""
    from picojoule.cost.suite_jobs import cached

    return cached(
        kind,
        [parameters, np.__version__, Path(module.__file__).read_bytes()],
        compute,
        _cache_dir(options),
        sources=("picojoule.models",),
    )


def collect(options, *, progress=print):
    """Run the flow; returns `ReportData`. ``progress(str)`` gets one ``[i/n]`` line per step;
    long steps draw a progress bar (`picojoule.base.progress`) on standard error."""
    from picojoule.cost.suite_jobs import (
        export_jobs,
        run_cost_job,
        run_export_job,
        tile_jobs,
        unit_job,
        unit_weight,
    )
    from picojoule.hw.export import export_suite
    from picojoule.models import accuracy
    from picojoule.report_profile import longest_first, remember_costs, run_profiled, summary

    start = time.perf_counter()
    sections = options.selected_sections()
    # --tile alone costs those tiles only; --unit (or neither) selects units
    all_specs = select_specs(options.units) if options.units or not options.tiles else []
    calibrated = calibration_units(all_specs) if "calibration" in sections else {}
    specs = (
        all_specs
        if "units" in sections
        else [s for s in all_specs if s.name in set(calibrated.values())]
    )
    tiles = select_tiles(options) if "lut" in sections else []
    steps = Steps(plan(options, specs=specs, tiles=tiles), progress)
    cache_dir = _cache_dir(options)
    workers = options.jobs
    # the timing kernels compile once, here beside export and co-verification, into numba's
    # on-disk cache; the cost workers then load them instead of each compiling them
    warming = None
    if "cost" in steps.keys and workers > 1:
        from picojoule.cost.timing_warmup import warm_up

        warming = start_process(warm_up)

    def run(function, jobs, label, unit):
        """Cached results first (here), the rest on the pool."""
        known = [function(job, only_cached=True) for job in jobs]
        return run_jobs(function, jobs, workers=workers, label=label, unit=unit, known=known)

    verilog_dir = Path(options.build_dir) / "verilog"
    tile_dir = Path(options.build_dir) / "tiles"
    manifest, entries, tile_records = {"units": []}, [], []
    if "export" in steps.keys:
        steps.start(
            "export",
            f"exporting {_count(specs, 'unit')} and {_count(tiles, 'tile')} to Verilog "
            f"({options.build_dir})",
        )
        jobs = export_jobs(specs, tiles, tile_dir=tile_dir, cache_dir=cache_dir)
        exported = run(run_export_job, jobs, "export", "design")
        by_name = {job[1].name: record for job, record in zip(jobs, exported)}
        tile_records = [by_name[entry.name] for entry in tiles]
        manifest = export_suite(
            verilog_dir,
            specs=specs,
            jobs=1,
            cache_dir=cache_dir,
        )
        entries = manifest["units"]

    # the block-format units are costed in the cost step's pool when there is one (they fill
    # its tail), else in their own step
    block_specs, block_jobs, block_manifest = {}, [], None
    if "blocks" in steps.keys:
        from picojoule import report_blocks

        block_specs = report_blocks.block_specs()
        block_dir = Path(options.build_dir) / "mx-verilog"
        exported = export_suite(
            block_dir, specs=list(block_specs.values()), jobs=1, cache_dir=cache_dir
        )
        block_manifest = block_dir / "manifest.json"
        block_options = replace(options, n_ops=BLOCK_OPS)
        block_jobs = [
            unit_job(
                e,
                manifest_dir=block_dir,
                distributions=["gaussian"],
                calibration_voltage=None,
                options=block_options,
                cache_dir=cache_dir,
                check_netlist=True,
            )
            for e in exported["units"]
        ]

    verdicts = []
    if "verify" in steps.keys:
        from picojoule.report_verify import verify_units

        what = []
        if entries:
            what.append(
                f"{_count(entries, 'unit')} ({options.verify_vectors:,} random vectors per unit "
                "wider than 8 x 8 bits)"
            )
        if block_jobs:
            what.append(
                f"{_count(block_jobs, 'block-format unit')} ({BLOCK_VERIFY:,} random blocks "
                "each, plus directed ones)"
            )
        steps.start("verify", f"co-verifying {' and '.join(what)} in cocotb ({options.simulator})")
        runs = [(verilog_dir / "manifest.json", options.verify_vectors)] if entries else []
        if block_jobs:
            runs.append((block_manifest, BLOCK_VERIFY))
        for manifest_path, count in runs:
            verdicts += verify_units(
                manifest_path,
                simulator=options.simulator,
                count=count,
                jobs=workers,
                cache_dir=cache_dir,
            )
        failed = [v["name"] for v in verdicts if v["mismatches"]]
        if failed:
            raise RuntimeError(
                f"co-verification failed for {', '.join(failed)}; run "
                f"`picojoule sim --unit {failed[0]}` for details"
            )

    block_results = None

    records, calibration, calibration_records, tile_results = [], [], [], []
    profile = None
    if "cost" in steps.keys:
        voltage_of = {unit: CALIBRATION_VOLTAGE for unit in calibrated.values()}
        distributions = list(DISTRIBUTIONS) if "units" in sections else []
        unit_jobs = sorted(
            (
                unit_job(
                    e,
                    manifest_dir=verilog_dir,
                    distributions=distributions,
                    calibration_voltage=voltage_of.get(e["name"]),
                    options=options,
                    cache_dir=cache_dir,
                )
                for e in entries
            ),
            key=unit_weight,
            reverse=True,
        )
        jobs = (
            tile_jobs(tiles, tile_records, out_dir=tile_dir, options=options, cache_dir=cache_dir)
            + unit_jobs
            + block_jobs
        )
        steps.start(
            "cost",
            f"synthesizing and costing {_count(entries, 'unit')}"
            + (f" x {len(distributions)} operand distributions" if distributions else "")
            + (f" ({options.n_ops:,} operations each)" if entries else "")
            + (
                f", {len(calibrated)} also at {CALIBRATION_VOLTAGE} V (calibration)"
                if calibrated
                else ""
            )
            + (f", {_count(tiles, 'tile')}" if tiles else "")
            + (f" and {_count(block_jobs, 'block-format unit')}" if block_jobs else ""),
        )
        jobs = longest_first(jobs, cache_dir=cache_dir)
        if warming is not None:
            warming.join()
        pool_start = time.perf_counter()
        runs = run(run_profiled, jobs, "synthesize + cost", "job")
        profile = summary(jobs, runs, wall_s=time.perf_counter() - pool_start, workers=options.jobs)
        remember_costs(profile, cache_dir=cache_dir)
        done = {job["name"]: r["result"] for job, r in zip(jobs, runs)}
        block_results = [done[job["name"]] for job in block_jobs]
        by_unit = {spec.name: spec for spec in specs}
        for e in entries:
            for record in done[e["name"]]["records"]:
                records.append({**record, "contract": by_unit[record["name"]].contract})
        for operation, unit in calibrated.items():
            r = done[unit]["calibration"]
            calibration_records.append(
                {**r, "purpose": f"calibration against Horowitz at {CALIBRATION_VOLTAGE} V"}
            )
            his_pj, his_area = HOROWITZ_45NM[operation]
            calibration.append(
                {
                    "operation": operation,
                    "unit": unit,
                    "energy_pj": r["energy_pj_per_op"],
                    "energy_pj_zero_delay": r.get("energy_pj_per_op_zero_delay"),
                    "glitch_fraction": r.get("glitch_fraction"),
                    "parts_pj": r.get("energy_parts_pj"),
                    "horowitz_pj": his_pj,
                    "ratio": r["energy_pj_per_op"] / his_pj,
                    "ratio_zero_delay": (
                        r.get("energy_pj_per_op_zero_delay") or r["energy_pj_per_op"]
                    )
                    / his_pj,
                    "area_um2": r["area_um2"],
                    "horowitz_area_um2": his_area,
                    "area_ratio": r["area_um2"] / his_area,
                    "voltage": r["voltage"],
                    "toggles_per_op": r.get("toggles_per_op"),
                    "library": r.get("library"),
                }
            )
        by_tile = {
            t["name"]: t
            for job in jobs
            if job["kind"] == "tiles"
            for t in done[job["name"]]["tiles"]
        }
        tile_results = [by_tile[e.name] for e in tiles]

    from picojoule.verification import costed_blocks_check, suite_proofs

    proofs = suite_proofs(specs, verilog_dir=verilog_dir, run=False, liberty=options.liberty)
    acc = []
    if "accuracy" in steps.keys:
        steps.start(
            "accuracy", f"L-Mul accuracy study ({options.accuracy_samples:,} Gaussian pairs)"
        )
        acc = _study(
            "report_accuracy",
            {"samples": options.accuracy_samples},
            lambda: accuracy.accuracy_records(samples=options.accuracy_samples),
            options,
            module=accuracy,
        )
    lut_accuracy = []
    if "lut-accuracy" in steps.keys:
        from picojoule.models import lut_accuracy as study

        steps.start(
            "lut-accuracy",
            "error of the float LUT mpGEMM contract against the exact product "
            f"(M{study.SHAPE['m']} K{study.SHAPE['k']} N{study.SHAPE['n']})",
        )
        lut_accuracy = _study(
            "report_lut_accuracy",
            {"shape": study.SHAPE},
            study.lut_accuracy_records,
            options,
            module=study,
        )

    blocks, block_records = {}, []
    if "blocks" in steps.keys:
        steps.start(
            "blocks",
            f"block formats: {_count(block_specs, 'mx_dot unit')} (k = "
            f"{report_blocks.COST_K}, {BLOCK_OPS:,} Gaussian blocks each"
            + (", costed in the step above" if block_results is not None else "")
            + ") and the accuracy study",
        )
        done = block_results
        if done is None:
            done = run(run_cost_job, block_jobs, "block formats", "unit")
        labels = {spec.name: label for label, spec in block_specs.items()}
        unit_records = {}
        for result in done:
            record = result["records"][0]
            if record["netlist_check"]["mismatches"]:
                raise RuntimeError(
                    f"the netlist of {record['name']} differs from its golden model on "
                    f"{record['netlist_check']['mismatches']} costed blocks; run "
                    f"`picojoule sim` on that unit for details"
                )
            unit_records[labels[record["name"]]] = record
            proofs.append(costed_blocks_check(record["name"], **record["netlist_check"]))
            block_records.append(
                {**record, "contract": unit_from_params(record["kind"], record["params"]).contract}
            )
        block_accuracy = _study(
            "report_blocks",
            {"shape": mx_accuracy.SHAPE, "seed": mx_accuracy.SEED},
            mx_accuracy.accuracy_records,
            options,
            module=mx_accuracy,
        )
        blocks = report_blocks.blocks_section(
            unit_records={label: unit_records[label] for label in block_specs},
            accuracy=block_accuracy,
            lut_tiles=tile_results,
        )

    lut = {}
    if tile_results:
        from picojoule.report_lut import lut_section

        lut = lut_section(tile_results)
    tools = {
        "yosys": yosys_version(),
        "library": records[0]["library"] if records else None,
        "voltage": records[0]["voltage"] if records else None,
        "clock_ghz": options.clock_ghz,
        "n_ops": options.n_ops,
    }
    energy = {r["name"]: r["energy_pj_per_op"] for r in records if r["distribution"] == "gaussian"}
    errors = [
        {**point, "energy_pj_per_op": energy[point["name"]]}
        for point in multiplier_errors(
            [spec for spec in specs if spec.name in energy], n_ops=options.n_ops
        )
    ]
    return ReportData(
        options=options,
        specs=specs,
        manifest=manifest,
        verdicts=verdicts,
        records=records,
        calibration=calibration,
        calibration_records=calibration_records,
        accuracy=acc,
        lut=lut,
        tools=tools,
        errors=errors,
        lut_accuracy=lut_accuracy,
        seconds=time.perf_counter() - start,
        steps=steps,
        proofs=proofs,
        blocks=blocks,
        block_records=block_records,
        block_verify=BLOCK_VERIFY if block_jobs and "verify" in steps.keys else 0,
        profile=profile,
    )
