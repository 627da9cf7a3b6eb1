"""Design-space sweeps: 2 local workers vs 1, the Dask path vs the local pool, fp8-formats.

Every run starts from empty caches (its own working folder and its own PICOJOULE_CACHE, so
neither build/ nor the user cache is shared), except the warm fp8-formats rerun, which finds
every point finished in its results.jsonl. The Dask
cluster (scheduler + 2 single-threaded workers on 127.0.0.1) is started before the timing.
Smoke figures are medians of three cold runs; the 1-worker and 2-worker runs alternate, so that
a change of the machine's load reaches both alike (the load average is printed before and after).
``PICOJOULE_BENCH_QUICK=1`` leaves out fp8-formats (about 160 points).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from picojoule.sweep.cluster import local_cluster
from picojoule.sweep.spec import load_spec

TITLE = "design-space sweeps (picojoule sweep): local workers, Dask overhead, fp8-formats"
REPEATS = 3  # smoke runs last seconds: the median of three steadies the ratios
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sweeps"


def _cold_env(cwd):
    """This environment with a cache of its own in ``cwd`` (empty until the first run)."""
    return {**os.environ, "PICOJOULE_CACHE": str(cwd / "cache")}


def _sweep(spec, *, cwd, out, extra):
    """Seconds of one `picojoule sweep` run in ``cwd`` (RuntimeError if it fails)."""
    cwd.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "picojoule.cli", "sweep", str(spec), "--out", str(out)]
    env = _cold_env(cwd)
    start = time.perf_counter()
    proc = subprocess.run(
        [*command, "--no-progress", *extra], cwd=cwd, env=env, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"sweep {spec.name} failed: {proc.stderr.strip()[-400:]}")
    return seconds


def _medians_cold(spec, *, tmp, variants, runs=REPEATS):
    """{name: median seconds} of ``runs`` cold runs of each of ``variants`` ({name: extra
    arguments}), taken in turn, each in a fresh folder with a fresh cache."""
    seconds = {name: [] for name in variants}
    for i in range(runs):
        for name, extra in variants.items():
            cwd = tmp / f"{name}{i}"
            seconds[name].append(_sweep(spec, cwd=cwd, out=cwd / "out", extra=extra))
    return {name: statistics.median(values) for name, values in seconds.items()}


def _median_cold_dask(spec, *, tmp, runs=REPEATS):
    """Median seconds of cold runs on a fresh 2-worker Dask cluster each (started before timing)."""
    seconds = []
    for i in range(runs):
        cwd = tmp / f"dask{i}"
        cwd.mkdir()
        with local_cluster(workers=2, cwd=cwd, env=_cold_env(cwd)) as (address, _):
            seconds.append(_sweep(spec, cwd=cwd, out=cwd / "out", extra=["--scheduler", address]))
    return statistics.median(seconds)


def run(report):
    smoke = EXAMPLES / "smoke.toml"
    points = len(load_spec(smoke).points)
    with tempfile.TemporaryDirectory(prefix="picojoule-bench-sweep-") as tmp:
        tmp = Path(tmp)
        report("load average (1 min) before the smoke runs", os.getloadavg()[0], "")
        variants = {"one": ["--jobs", "1"], "two": ["--jobs", "2"]}
        medians = _medians_cold(smoke, tmp=tmp, variants=variants)
        one, two = medians["one"], medians["two"]
        report("load average (1 min) after them", os.getloadavg()[0], "")
        label = f"smoke.toml ({points} points)"
        report(f"{label}, 1 local worker, cold, median of {REPEATS}", one, "s")
        report(f"{label}, 2 local workers, cold, median of {REPEATS}", two, "s")
        report("speed-up of 2 local workers over 1", one / two, "x", target=">= 1.7x")
        dask = _median_cold_dask(smoke, tmp=tmp)
        report(
            f"{label} on a Dask cluster of 2 workers, cold, median of {REPEATS}",
            dask,
            "s",
            baseline=("of local", two),
        )
        report("Dask overhead per point over the 2-worker local pool", (dask - two) / points, "s")
        report("Dask overhead over the local pool", 100 * (dask / two - 1), "%", target="<= 10%")
        if os.environ.get("PICOJOULE_BENCH_QUICK") == "1":
            print("  fp8-formats left out (PICOJOULE_BENCH_QUICK=1)", flush=True)
            return
        fp8 = EXAMPLES / "fp8-formats.toml"
        n = len(load_spec(fp8).points)
        out = tmp / "fp8" / "out"
        cold = _sweep(fp8, cwd=tmp / "fp8", out=out, extra=["--jobs", "2"])
        report(
            f"fp8-formats.toml ({n} points), 2 local workers, cold", cold, "s", target="<= 600 s"
        )
        warm = _sweep(fp8, cwd=tmp / "fp8", out=out, extra=["--jobs", "2"])
        report("fp8-formats.toml rerun (all points finished before)", warm, "s", target="<= 30 s")
