"""Run the whole flow for the report: export, co-verify, synthesize, cost, accuracy.

Every figure in the report comes from `collect`, which runs picojoule's own code: the
standard suite is exported to Verilog, co-verified in cocotb against the golden models,
synthesized with Yosys + ABC to the cell library and costed by gate-level activity
simulation on each operand distribution. Synthesis and simulation results are cached by
the hash of their inputs (`picojoule.base.cache`), so a rerun reuses them.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from picojoule.base.parallel import parallel_map
from picojoule.base.paths import build_root
from picojoule.base.references import HOROWITZ_45NM
from picojoule.cost.operands import DISTRIBUTIONS, operand_stream
from picojoule.cost.synth import yosys_version
from picojoule.cost.tile_costing import compare_tiles
from picojoule.cost.units import cost_unit
from picojoule.hw.export import export_suite
from picojoule.models import accuracy
from picojoule.models.formats import Overflow
from picojoule.models.units import FpMul, LMul, standard_suite
from picojoule.report_lut_accuracy import lut_accuracy_records
from picojoule.sim.design import load_manifest
from picojoule.sim.suite import verify_designs


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
    lut: bool = True


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
    seconds: float = 0.0


def select_specs(names):
    suite = standard_suite()
    if not names:
        return suite
    by_name = {spec.name: spec for spec in suite}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise ValueError(
            f"unknown unit {unknown[0]!r}; choose from the standard suite "
            f"(`picojoule report --list-units`)"
        )
    return [by_name[n] for n in names]


def multiplier_errors(specs, records, *, n_ops, distribution="gaussian", seed=1):
    """Mean/max relative error of each multiplier on the operands it was costed on.

    The operand streams are the cost flow's (`operand_stream` with the same seeds); the
    reference is the exact product of the decoded operands. Pairs whose exact product is 0 or
    not finite are left out; a non-finite or NaN result for a finite product counts as 100%.
    """
    energy = {(r["name"], r["distribution"]): r["energy_pj_per_op"] for r in records}
    points = []
    for spec in specs:
        if (
            spec.kind not in (FpMul.kind, LMul.kind)
            or spec.stages
            or (spec.name, distribution) not in energy
        ):
            continue
        fmt_a, fmt_b = spec.in_formats
        a = operand_stream(fmt=fmt_a, dist=distribution, n=n_ops, seed=seed)
        b = operand_stream(fmt=fmt_b, dist=distribution, n=n_ops, seed=seed + 1)
        exact = fmt_a.decode(a) * fmt_b.decode(b)
        got = spec.out_format.decode(spec.golden(a, b))
        keep = np.isfinite(exact) & (exact != 0)
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(got[keep] - exact[keep]) / np.abs(exact[keep])
        err = np.where(np.isfinite(err), err, 1.0)
        variant = getattr(spec, "variant", "rne")
        points.append(
            {
                "name": spec.name,
                "kind": spec.kind,
                "format": fmt_a.name,
                "variant": variant,
                "overflow": spec.overflow.value,
                "label": f"{fmt_a.name} {'RNE' if spec.kind == FpMul.kind else variant}"
                + (" sat" if spec.overflow.value == "sat" else ""),
                "energy_pj_per_op": energy[(spec.name, distribution)],
                "mean_rel_error": float(err.mean()),
                "max_rel_error": float(err.max()),
                "pairs": int(keep.sum()),
            }
        )
    return points


def verify(manifest_path, *, simulator, count, jobs):
    """Co-verify every unit of the manifest; one dict per unit, in manifest order."""

    designs = load_manifest(manifest_path)
    verdicts = {
        d.name: v for d, v in verify_designs(designs, jobs=jobs, simulator=simulator, count=count)
    }
    return [
        {
            "name": d.name,
            "vectors": verdicts[d.name].vectors,
            "mismatches": verdicts[d.name].mismatches,
            "seconds": verdicts[d.name].seconds,
            "simulator": verdicts[d.name].simulator,
            "examples": verdicts[d.name].examples[:3],
        }
        for d in designs
    ]


def _cost(job):
    entry, manifest_dir, distribution, n_ops, liberty, voltage, clock_ghz = job
    return cost_unit(
        entry,
        manifest_dir=manifest_dir,
        distribution=distribution,
        n=n_ops,
        liberty=liberty,
        voltage=voltage,
        clock_ghz=clock_ghz,
        progress=None,
    )


def collect(options, *, progress=print):
    """Run the flow; returns `ReportData`. ``progress(str)`` gets one line per step."""

    start = time.perf_counter()
    specs = select_specs(options.units)
    verilog_dir = Path(options.build_dir) / "verilog"
    progress(f"[1/5] exporting {len(specs)} units to {verilog_dir}")
    manifest = export_suite(verilog_dir, specs=specs)
    entries = manifest["units"]

    verdicts = []
    if options.verify:
        progress(f"[2/5] co-verifying {len(entries)} units in cocotb ({options.simulator})")
        step = time.perf_counter()
        verdicts = verify(
            verilog_dir / "manifest.json",
            simulator=options.simulator,
            count=options.verify_vectors,
            jobs=options.jobs,
        )
        failed = [v["name"] for v in verdicts if v["mismatches"]]
        progress(
            f"      {sum(v['vectors'] for v in verdicts):,} vectors, "
            f"{len(failed)} units with mismatches, {time.perf_counter() - step:.0f} s"
        )
        if failed:
            raise RuntimeError(
                f"co-verification failed for {', '.join(failed)}; run "
                f"`picojoule sim --unit {failed[0]}` for details"
            )
    else:
        progress("[2/5] co-verification skipped (--no-verify)")

    progress(
        f"[3/5] synthesizing and costing {len(entries)} units x {len(DISTRIBUTIONS)} "
        f"operand distributions ({options.n_ops:,} operations each)"
    )
    step = time.perf_counter()
    jobs = [
        (e, verilog_dir, dist, options.n_ops, options.liberty, None, options.clock_ghz)
        for e in entries
        for dist in DISTRIBUTIONS
    ]
    records = parallel_map(_cost, jobs, jobs=options.jobs)
    by_unit = {spec.name: spec for spec in specs}
    for record in records:
        record["contract"] = by_unit[record["name"]].contract
    progress(f"      done in {time.perf_counter() - step:.0f} s")

    calibration = []
    names = {e["name"]: e for e in entries}
    cal_jobs = [
        (
            names[unit],
            verilog_dir,
            "uniform",
            options.n_ops,
            options.liberty,
            CALIBRATION_VOLTAGE,
            options.clock_ghz,
        )
        for unit in calibration_units(specs).values()
    ]
    if cal_jobs:
        progress(f"[4/5] calibration against Horowitz at {CALIBRATION_VOLTAGE} V")
        cal_records = {r["name"]: r for r in parallel_map(_cost, cal_jobs, jobs=options.jobs)}
        for operation, unit in calibration_units(specs).items():
            if unit in cal_records:
                r = cal_records[unit]
                his_pj, his_area = HOROWITZ_45NM[operation]
                calibration.append(
                    {
                        "operation": operation,
                        "unit": unit,
                        "energy_pj": r["energy_pj_per_op"],
                        "horowitz_pj": his_pj,
                        "ratio": r["energy_pj_per_op"] / his_pj,
                        "area_um2": r["area_um2"],
                        "horowitz_area_um2": his_area,
                        "area_ratio": r["area_um2"] / his_area,
                        "voltage": r["voltage"],
                    }
                )

    progress(f"[5/5] accuracy study ({options.accuracy_samples:,} Gaussian pairs)")
    acc = accuracy.accuracy_records(samples=options.accuracy_samples)
    lut, lut_accuracy = {}, []
    if options.lut:
        lut = compare_tiles(
            build_dir=options.build_dir,
            liberty=options.liberty,
            clock_ghz=options.clock_ghz,
            jobs=options.jobs,
            progress=progress,
        )
        progress("[LUT] error of the float LUT mpGEMM contract against the exact product")
        lut_accuracy = lut_accuracy_records()

    tools = {
        "yosys": yosys_version(),
        "library": records[0]["library"] if records else None,
        "voltage": records[0]["voltage"] if records else None,
        "clock_ghz": options.clock_ghz,
        "n_ops": options.n_ops,
    }
    errors = multiplier_errors(specs, records, n_ops=options.n_ops)
    return ReportData(
        options=options,
        specs=specs,
        manifest=manifest,
        verdicts=verdicts,
        records=records,
        calibration=calibration,
        accuracy=acc,
        lut=lut,
        tools=tools,
        errors=errors,
        lut_accuracy=lut_accuracy,
        seconds=time.perf_counter() - start,
    )
