"""One design point through the whole chain: generate, verify, synthesize, energy, accuracy.

`run_point(job)` never raises for a point's own failure: it returns one flat record with
``status`` ``"ok"`` or ``"failed"`` (then ``error`` holds one line: the stage and the reason).
It runs wherever it is called (a local worker process or a Dask worker); everything it writes
goes to a temporary folder and the content-keyed caches under ``build/`` of the worker's
working directory (or ``$PICOJOULE_CACHE``).

Units (``family == "units"``)
    The unit's Verilog from its generator; co-verification in cocotb against the golden model
    (`picojoule.sim.engine.co_verify`: exhaustive when both operands have at most 16 bits
    together, else ``vectors`` seeded random pairs plus the directed corners; any mismatch
    fails the point); Yosys + ABC onto the point's library; energy per operation
    (`picojoule.cost.energy.estimate`, the report's model) on ``ops`` operands drawn from
    ``operands`` (a distribution, or a .npy tensor for ``a`` and a seeded permutation of it
    for ``b``); on the same operands the relative error of the unit's result against the exact
    result of the decoded operands (pairs whose exact result is 0 or not finite are left out;
    a non-finite result for a finite exact one counts as 100%).
Tiles (``family == "tiles"``)
    The tile's Verilog (`picojoule.cost.tile_export.export_tile`); a cycle-accurate GEMM in cocotb
    checked against the golden model (`picojoule.sim.gemm.run_gemm`, 2 M x 4 K x N operands);
    synthesis; energy per cycle on ``ops`` cycles of a GEMM inner loop
    (`picojoule.cost.tile_streams.tile_streams`) and per MAC; the golden GEMM's error on a
    16 x 256 x N GEMM against the exact product, ``|C - C_exact| / max |C_exact|``
    (mean and max over the outputs, as the report's LUT study).
"""

import os
import socket
import tempfile
import time
from pathlib import Path

import numpy as np

from picojoule.models.unit_errors import relative_errors
from picojoule.sweep import adapter
from picojoule.sweep.spec import SHARED_AXES, tile_params, unit_params

__all__ = ["run_point", "warm_worker", "unit_errors", "TIMING_FIELDS"]

#: Record fields that differ between runs of the same point (timing, where it ran).
TIMING_FIELDS = ("time_", "worker")


#: The modules the chain of each family imports on its first point (`warm_worker`).
_CHAIN_MODULES = {
    "units": ("picojoule.hw.export", "picojoule.sim.design", "picojoule.sim.engine"),
    "tiles": (
        "picojoule.cost.tile_export",
        "picojoule.cost.tile_streams",
        "picojoule.cost.tiles",
        "picojoule.sim.gemm",
    ),
}


def warm_worker(families):
    """Do, before a worker's first point, what that point would otherwise pay for (about a
    second): import the chain's modules for ``families`` ("units", "tiles") and load the timing
    simulation's compiled kernels. Run while the sweep is still being planned, it overlaps
    that work. Never raises: a module that fails here fails again in its point's record."""
    import importlib

    modules = ["picojoule.cost.energy", "picojoule.cost.synth"]
    for family in sorted(families):
        modules += _CHAIN_MODULES.get(family, ())
    try:
        for name in modules:
            importlib.import_module(name)
        from picojoule.cost.timing_warmup import warm_up

        warm_up()
    except Exception:  # noqa: BLE001, S110 - the point that needs it records the error
        pass


class _Stages:
    """Times each stage; remembers which one was running when a failure happened."""

    def __init__(self, record):
        self.record = record
        self.current = "setup"

    def __call__(self, name):
        self.current = name
        self.start = time.perf_counter()
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.record[f"time_{self.current}_s"] = round(time.perf_counter() - self.start, 3)


def run_point(job):
    """The record of one point; ``job`` = {"key", "point", "settings", "files", "blobs"}."""
    start = time.perf_counter()
    point = job["point"]
    record = {"key": job["key"], "status": "ok", "error": None, "label": point_label(point)}
    record.update(point)
    stage = _Stages(record)
    try:
        with tempfile.TemporaryDirectory(prefix="picojoule-sweep-") as tmp:
            files = _local_files(job, Path(tmp))
            chain = _unit_chain if point["family"] == "units" else _tile_chain
            record.update(chain(point, job["settings"], files, Path(tmp), stage))
    except Exception as error:  # noqa: BLE001 - a point's failure is its record, the sweep goes on
        text = str(error).strip().splitlines()
        record["status"] = "failed"
        record["error"] = f"{stage.current}: {type(error).__name__}: {text[0] if text else ''}"
    record["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    record["time_total_s"] = round(time.perf_counter() - start, 3)
    return record


def _local_files(job, tmp):
    """Point file names -> paths readable here (shipped ``blobs`` are written to ``tmp``)."""
    paths = dict(job.get("files", {}))
    for name, data in job.get("blobs", {}).items():
        local = tmp / f"{len(paths)}-{Path(name).name}"
        local.write_bytes(data)
        paths[name] = str(local)
    return paths


def _library(point, files):
    lib = point.get("library")
    return None if lib in (None, "default") else files[lib]


def _synth_fields(synth):
    return {
        "library_label": synth.library_label,
        "cells": sum(synth.cells.values()),
        "area_um2": round(synth.area_um2, 3),
        "transistors": synth.transistors,
        "logic_depth": synth.logic_depth,
        "delay_ns": round(synth.delay_ns, 4),
    }


def _energy_fields(energy):
    """Every field of the `EnergyResult`, named ``energy_<field>`` (taken generically)."""
    return {
        (k if k.startswith("energy_") else f"energy_{k}"): v for k, v in energy.as_dict().items()
    }


def _operands(spec, point, settings, files):
    from picojoule.cost.operands import operand_stream, tensor_stream

    fmt_a, fmt_b = spec.in_formats
    source, n, seed = point.get("operands") or "gaussian", settings["ops"], settings["seed"]
    if source.endswith(".npy"):
        a = tensor_stream(files[source], fmt=fmt_a)
        b = tensor_stream(files[source], fmt=fmt_b)
        return a, b[np.random.default_rng(seed).permutation(len(b))]
    return (
        operand_stream(fmt=fmt_a, dist=source, n=n, seed=seed),
        operand_stream(fmt=fmt_b, dist=source, n=n, seed=seed + 1),
    )


def unit_errors(spec, a, b):
    """Mean and max relative error of ``spec``'s result against the exact one, or {}."""
    operation = adapter.exact_operation(spec.kind)
    if operation is None:
        return {}
    err, _ = relative_errors(spec, a, b, operation=operation)
    if err.size == 0:
        return {"error_pairs": 0}
    return {
        "mean_rel_error": float(err.mean()),
        "max_rel_error": float(err.max()),
        "error_pairs": int(err.size),
    }


def _unit_chain(point, settings, files, tmp, stage):
    from picojoule.cost.energy import estimate
    from picojoule.cost.synth import synthesize
    from picojoule.sim.engine import co_verify

    out = {}
    with stage("generate"):
        spec = adapter.unit_spec(kind=point["kind"], params=unit_params(point))
        out.update(name=spec.name, **{f"spec_{k}": v for k, v in spec.params().items()})
        design = adapter.export_unit_verilog(spec=spec, directory=tmp)
    with stage("verify"):
        verdict = co_verify(
            design,
            simulator=settings["simulator"],
            count=settings["vectors"],
            seed=settings["seed"],
        )
        out.update(
            verify_vectors=verdict.vectors,
            verify_method=verdict.description,
            verify_mismatches=verdict.mismatches,
        )
        if verdict.mismatches:
            raise RuntimeError(
                f"{verdict.mismatches} of {verdict.vectors} results differ from the golden "
                f"model, e.g. {(verdict.examples or ['?'])[0]}"
            )
    with stage("synthesize"):
        synth = synthesize(
            verilog=design.verilog, top=design.top, liberty=_library(point, files), progress=None
        )
        out.update(_synth_fields(synth))
    with stage("energy"):
        a, b = _operands(spec, point, settings, files)
        streams, holds = design.port_map.drive(a, b)
        _, energy = estimate(
            synth=synth,
            streams=streams,
            holds=holds,
            voltage=point.get("voltage"),
            clock_ghz=point.get("clock_ghz") or 1.0,
            progress=None,
        )
        out.update(_energy_fields(energy))
    with stage("accuracy"):
        out.update(unit_errors(spec, a, b))
    return out


def _tile_chain(point, settings, files, tmp, stage):
    from picojoule.cost.energy import estimate
    from picojoule.cost.synth import synthesize

    out = {}
    with stage("generate"):
        entry = adapter.tile_entry(**tile_params(point))
        spec = entry.spec
        verilog, top = adapter.export_tile_verilog(entry=entry, directory=tmp)
        out.update(name=entry.name, macs_per_cycle=entry.macs_per_cycle)
    with stage("verify"):
        a, w = adapter.tile_operands(
            entry=entry, m=2 * spec.m, n=spec.n, k=4 * spec.k, seed=settings["seed"]
        )
        stats = adapter.verify_tile(entry=entry, a=a, w=w, simulator=settings["simulator"])
        # verify_tile raises on any mismatch
        out.update(
            verify_vectors=int(stats["macs"]),
            verify_method="cycle-accurate GEMM",
            verify_mismatches=0,
        )
    with stage("synthesize"):
        synth = synthesize(verilog=verilog, top=top, liberty=_library(point, files), progress=None)
        out.update(_synth_fields(synth))
        out["area_um2_per_mac"] = synth.area_um2 / entry.macs_per_cycle
    with stage("energy"):
        streams, holds = adapter.tile_streams(
            entry=entry, cycles=settings["ops"], seed=settings["seed"]
        )
        _, energy = estimate(
            synth=synth,
            streams=streams,
            holds=holds,
            voltage=point.get("voltage"),
            clock_ghz=point.get("clock_ghz") or 1.0,
            progress=None,
        )
        out.update(_energy_fields(energy))
        out["pj_per_mac"] = energy.energy_pj_per_op / entry.macs_per_cycle
    with stage("accuracy"):
        a, w = adapter.tile_operands(entry=entry, m=16, n=spec.n, k=256, seed=settings["seed"] + 1)
        got = adapter.tile_golden(entry=entry, a=a, w=w)
        values = spec.act.decode(a) if spec.is_float else a
        exact = np.asarray(values, dtype=np.float64) @ w.astype(np.float64)
        err = np.abs(got - exact) / (np.max(np.abs(exact)) or 1.0)
        out.update(mean_rel_error=float(err.mean()), max_rel_error=float(err.max()))
        out["error_metric"] = "|C - C_exact| / max|C_exact| on a 16 x 256 GEMM"
    return out


def point_label(point):
    """A short human label of a point (for the failure summary and the page)."""
    skip = {"family", *SHARED_AXES}
    body = " ".join(f"{k}={v}" for k, v in point.items() if k not in skip and v is not None)
    env = " ".join(f"{k}={point[k]}" for k in SHARED_AXES if point.get(k) is not None)
    return f"{body} {env}".strip()
