"""The report's co-verification step: every exported unit against its golden model, cached.

A unit's verdict is stored under ``<cache>/verdict`` keyed by everything that decides it: the
Verilog text, the unit's kind and parameters, the vector count and seed, the simulator and its
version, cocotb's version, and the source of `picojoule.models` (the golden models) and
`picojoule.sim` (vectors and testbenches). A rerun with none of these changed reuses the
verdict; any change runs the unit again. Only passing verdicts are stored.
"""

import functools
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

from picojoule.base import cache
from picojoule.base.pool import ticking
from picojoule.base.progress import progress_bar

__all__ = ["verify_units"]

SEED = 0


@functools.cache
def _tool_versions(simulator):
    from picojoule.sim.simulators import verilator_version

    if simulator == "verilator":
        tool = verilator_version()
    else:
        exe = shutil.which("iverilog")
        run = subprocess.run([exe or "iverilog", "-V"], capture_output=True, text=True)
        tool = (run.stdout or run.stderr).splitlines()[0] if exe else "missing"
    return {"simulator": simulator, "tool": tool, "cocotb": version("cocotb")}


#: The golden models and the testbenches: their source decides a verdict.
SOURCES = ("picojoule.models", "picojoule.sim")


def _key(design, *, simulator, count):
    return cache.key(
        "verdict",
        Path(design.verilog).read_text(),
        design.top,
        design.spec.kind,
        design.spec.params(),
        design.latency,
        count,
        SEED,
        _tool_versions(simulator),
        sources=SOURCES,
    )


def _record(verdict):
    return {
        "name": verdict.name,
        "vectors": verdict.vectors,
        "mismatches": verdict.mismatches,
        "seconds": verdict.seconds,
        "simulator": verdict.simulator,
        "examples": list(verdict.examples[:3]),
    }


def verify_units(manifest_path, *, simulator, count, jobs, cache_dir="default"):
    """Co-verify every unit of the manifest; one dict per unit, in manifest order.

    Each dict: ``name``, ``vectors``, ``mismatches``, ``seconds`` (of the run that produced
    it), ``simulator``, ``examples`` (up to three mismatches, decoded) and ``cached`` (True when
    the verdict was reused).
    """
    from picojoule.sim.design import load_manifest
    from picojoule.sim.suite import verify_designs

    cache_dir = cache.resolve(cache_dir)
    designs = load_manifest(manifest_path)
    keys = {d.name: _key(d, simulator=simulator, count=count) for d in designs}
    found = {}
    for d in designs:
        hit = cache.load(cache_dir, "verdict", keys[d.name])
        if hit is not None:
            found[d.name] = {**hit, "cached": True}
    todo = [d for d in designs if d.name not in found]
    bar = progress_bar(total=len(designs), label="co-verify", unit="unit")
    with bar, ticking(bar):
        bar.update(len(found))
        for design, verdict in verify_designs(
            todo, jobs=jobs, simulator=simulator, count=count, seed=SEED
        ):
            record = _record(verdict)
            if not record["mismatches"]:
                cache.store(cache_dir, "verdict", keys[design.name], record)
            found[design.name] = {**record, "cached": False}
            bar.update(1)
    return [found[d.name] for d in designs]
