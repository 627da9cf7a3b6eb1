"""Where the report's synthesize-and-cost step spends its time: CPU per job and per phase.

`run_profiled` runs one job of `picojoule.cost.suite_jobs` in a worker while recording its phases
(`picojoule.base.profile`: Yosys synth, ABC, netlist load, stimulus, numba JIT, delays, timing
simulation, energy, cache I/O, and "other" for the rest). CPU seconds (the worker's and its
Yosys/ABC children's) mean the same on an idle and on a loaded machine; wall seconds do not.
`summary` turns the jobs' profiles into the document `picojoule report --profile` prints
(`table`) and writes to ``<build>/report/profile.json``.
"""

import json
import os
import time
from pathlib import Path

from picojoule.base import atomic, profile

__all__ = [
    "run_profiled",
    "summary",
    "table",
    "measured_costs",
    "remember_costs",
    "longest_first",
]


def run_profiled(job, only_cached=False):
    """`picojoule.cost.suite_jobs.run_cost_job` with its profile: ``{"result", "profile",
    "cpu_s", "wall_s", "cached"}``; with ``only_cached``, None unless the result is cached."""
    from picojoule.cost.suite_jobs import run_cost_job

    if only_cached:
        result = run_cost_job(job, only_cached=True)
        if result is None:
            return None
        return {"result": result, "profile": {}, "cpu_s": 0.0, "wall_s": 0.0, "cached": True}
    profile.take()
    cpu, wall = profile.cpu_seconds(), time.perf_counter()
    with profile.recording(), profile.phase("other"):
        result = run_cost_job(job)
    return {
        "result": result,
        "profile": profile.take(),
        "cpu_s": profile.cpu_seconds() - cpu,
        "wall_s": time.perf_counter() - wall,
        "cached": False,
        "pid": os.getpid(),
    }


def summary(jobs, runs, *, wall_s, workers):
    """The profile document of one pool run: ``jobs`` and their `run_profiled` results."""
    rows = []
    for job, run in zip(jobs, runs):
        rows.append(
            {
                "name": job["name"],
                "kind": job["kind"],
                "cached": run["cached"],
                "cpu_s": round(run["cpu_s"], 2),
                "wall_s": round(run["wall_s"], 2),
                "phases": {k: round(v["cpu_s"], 2) for k, v in run["profile"].items()},
            }
        )
    phases = profile.merge(run["profile"] for run in runs)
    return {
        "pool_wall_s": round(wall_s, 1),
        "workers": workers,
        "load_average": round(os.getloadavg()[0], 1),
        "cpu_s": round(sum(r["cpu_s"] for r in rows), 1),
        "phases": {
            name: {
                "cpu_s": round(v["cpu_s"], 1),
                "wall_s": round(v["wall_s"], 1),
                "count": v["count"],
            }
            for name, v in sorted(phases.items(), key=lambda kv: -kv[1]["cpu_s"])
        },
        "jobs": sorted(rows, key=lambda r: -r["cpu_s"]),
    }


def table(doc, *, top=12):
    """The profile document as text lines: phases by CPU, then the ``top`` costliest jobs."""
    total = doc["cpu_s"] or 1.0
    lines = [
        f"synthesize + cost: {doc['cpu_s']:.0f} CPU s in {doc['pool_wall_s']:.0f} s wall on "
        f"{doc['workers']} workers (load average {doc['load_average']})",
        f"  {'phase':<30} {'CPU s':>8} {'share':>6} {'calls':>6}",
    ]
    for name, v in doc["phases"].items():
        lines.append(
            f"  {name:<30} {v['cpu_s']:>8.1f} {100 * v['cpu_s'] / total:>5.1f}% {v['count']:>6}"
        )
    lines.append(f"  {'job':<40} {'CPU s':>7} {'wall s':>7}  largest phases")
    for row in doc["jobs"][:top]:
        parts = sorted(row["phases"].items(), key=lambda kv: -kv[1])[:3]
        lines.append(
            f"  {row['name'][:40]:<40} {row['cpu_s']:>7.1f} {row['wall_s']:>7.1f}  "
            + ", ".join(f"{k} {v:.1f}" for k, v in parts)
        )
    return lines


#: Measured CPU seconds per job name (the last run that computed it), under the cache root:
#: not keyed by source, so a run after a code change still orders its jobs by them.
COSTS_FILE = "report_job_cpu.json"


def measured_costs(cache_dir):
    """``{job name: CPU seconds}`` of the jobs earlier runs computed ({} without a cache)."""
    if cache_dir is None:
        return {}
    try:
        return json.loads((Path(cache_dir) / COSTS_FILE).read_text())
    except (OSError, ValueError):
        return {}


def remember_costs(doc, *, cache_dir):
    """Add the CPU seconds of the jobs ``doc`` computed (not cached) to `COSTS_FILE`."""
    if cache_dir is None:
        return
    costs = measured_costs(cache_dir)
    costs.update({row["name"]: row["cpu_s"] for row in doc["jobs"] if not row["cached"]})
    atomic.write_text(Path(cache_dir) / COSTS_FILE, json.dumps(costs, indent=1, sort_keys=True))


def longest_first(jobs, *, cache_dir):
    """``jobs`` with those an earlier run measured by decreasing CPU seconds, after the jobs
    no run measured yet (in their given order: they may be long). A pool drains evenly when
    its longest jobs start first."""
    costs = measured_costs(cache_dir)
    unknown = [job for job in jobs if job["name"] not in costs]
    known = [job for job in jobs if job["name"] in costs]
    return unknown + sorted(known, key=lambda job: -costs[job["name"]])
