"""`picojoule sweep` on local worker processes: records, failures, resume, a killed worker."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

from picojoule.cost.operands import operand_stream
from picojoule.models.units import FpMul
from picojoule.sweep.flow import unit_errors

TINY = """\
[sweep]
name = "tiny"
vectors = 300
ops = 300

[[units]]
kind = "int_add"
width = [3, 4]

[[points]]          # the generator refuses it: e4m3 NaN operands, e2m1 has no NaN
kind = "fp_mul"
a = "e4m3"
b = "e4m3"
out = "e2m1"
"""


def sweep(tmp_path, spec, out, *extra, wait=True):
    """Run `picojoule sweep` in ``tmp_path`` (its build/ caches stay there)."""
    command = [sys.executable, "-m", "picojoule.cli", "sweep", str(spec), "--out", str(out)]
    command += ["--no-progress", *extra]
    if not wait:
        return subprocess.Popen(command, cwd=tmp_path, start_new_session=True)
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)


def records(out):
    return [json.loads(line) for line in (Path(out) / "results.jsonl").read_text().splitlines()]


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


def test_refused_point_is_recorded_failed_others_finish_rerun_resumes(tmp_path, tiny):
    out = tmp_path / "out"
    first = sweep(tmp_path, tiny, out, "--jobs", "2")
    assert first.returncode == 1, first.stderr
    assert "FAILED kind=fp_mul" in first.stderr and "unsupported format combination" in first.stderr
    rows = {r["name"] if r["status"] == "ok" else "refused": r for r in records(out)}
    assert set(rows) == {"int_add_int3_int3_int4_s0", "int_add_int4_int4_int5_s0", "refused"}
    assert rows["refused"]["error"].startswith("generate: ValueError: unsupported format")
    adder = rows["int_add_int3_int3_int4_s0"]
    assert adder["verify_method"] == "exhaustive (64 pairs)" and adder["verify_mismatches"] == 0
    assert adder["mean_rel_error"] == 0 and adder["energy_pj_per_op"] > 0 and adder["area_um2"] > 0
    assert adder["energy_n_ops"] == 300 and "energy_switching_pj" in adder
    html = (out / "index.html").read_text()
    assert "data:image/png;base64," in html and "Failed points" in html
    assert (out / "results.csv").read_text().count("\n") == 4

    second = sweep(tmp_path, tiny, out)  # the ok points are skipped, the failed one reruns
    assert second.returncode == 1
    assert "(2 from earlier runs), 1 failed" in second.stdout
    keys = [r["key"] for r in records(out)]
    assert len(keys) == len(set(keys)) == 3


def test_killed_local_worker_loses_nothing(tmp_path, tiny):
    tiny.write_text(TINY.split("[[points]]")[0].replace("[3, 4]", "[2, 3, 4, 5, 6]"))
    out = tmp_path / "out"
    proc = sweep(tmp_path, tiny, out, "--jobs", "2", wait=False)
    try:
        deadline = time.monotonic() + 120
        workers = []
        while not workers and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            children = subprocess.run(
                ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
            )
            workers = [  # the pool's workers lead their own process groups
                int(p) for p in children.stdout.split() if os.getpgid(int(p)) == int(p)
            ]
        if workers:
            os.killpg(workers[0], signal.SIGKILL)
        assert proc.wait(timeout=240) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    rows = records(out)
    assert len(rows) == 5 and len({r["key"] for r in rows}) == 5
    assert all(r["status"] == "ok" for r in rows)
    again = sweep(tmp_path, tiny, out)
    assert again.returncode == 0 and "(5 from earlier runs), 0 failed" in again.stdout
    assert len(records(out)) == 5


def test_ctrl_c_keeps_finished_points_and_rerun_resumes(tmp_path, tiny):
    tiny.write_text(TINY.split("[[points]]")[0].replace("[3, 4]", "[2, 3, 4, 5, 6, 7]"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "picojoule.cli", "sweep", str(tiny), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--jobs", "1", "--no-progress"],
        cwd=tmp_path,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        results = out / "results.jsonl"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if results.exists() and results.read_text().count("\n") >= 1:
                break
            time.sleep(0.1)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C at a terminal sends
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    kept = records(out)
    if proc.returncode == 130:  # else the sweep had already finished
        assert "interrupted" in err and "rerun the same command to resume" in err
        assert 1 <= len(kept) < 6
    again = sweep(tmp_path, tiny, out)
    assert again.returncode == 0, again.stderr
    assert f"({len(kept)} from earlier runs), 0 failed" in again.stdout
    assert len({r["key"] for r in records(out)}) == len(records(out)) == 6


@pytest.mark.slow
def test_tile_point_runs_the_whole_chain(tmp_path):
    spec = tmp_path / "tile.toml"
    spec.write_text(
        '[sweep]\nops = 256\n[[tiles]]\ncore = "mac-int"\nm = 1\nn = 1\nk = 2\n'
        'wbits = 1\nact = "int8"\n'
    )
    out = tmp_path / "out"
    proc = sweep(tmp_path, spec, out)
    assert proc.returncode == 0, proc.stderr
    (tile,) = records(out)
    assert tile["name"] == "tile_mac_int_m1_n1_k2_w1_int8_a32" and tile["macs_per_cycle"] == 2
    assert tile["verify_method"] == "cycle-accurate GEMM" and tile["verify_vectors"] == 16
    assert tile["pj_per_mac"] == pytest.approx(tile["energy_pj_per_op"] / 2)
    assert tile["energy_n_ops"] == 256 and tile["area_um2"] > 0
    assert tile["mean_rel_error"] == 0  # integer MACs are exact
    assert "Tiles: energy per MAC vs mean relative error" in (out / "index.html").read_text()


def test_accuracy_matches_an_independent_oracle():
    """The record's error of an e4m3 RNE multiplier equals one computed with ml_dtypes."""
    spec = FpMul(a="e4m3", b="e4m3", out="e4m3")
    a = operand_stream(fmt=spec.a, dist="gaussian", n=20_000, seed=4)
    b = operand_stream(fmt=spec.b, dist="gaussian", n=20_000, seed=5)
    x = a.astype(np.uint8).view(ml_dtypes.float8_e4m3fn).astype(np.float32)
    y = b.astype(np.uint8).view(ml_dtypes.float8_e4m3fn).astype(np.float32)
    exact = x.astype(np.float64) * y
    rounded = (x * y).astype(ml_dtypes.float8_e4m3fn).astype(np.float64)
    keep = exact != 0
    err = np.abs(rounded[keep] - exact[keep]) / np.abs(exact[keep])
    err = np.where(np.isfinite(err), err, 1.0)
    ours = unit_errors(spec, a, b)
    assert ours["error_pairs"] == keep.sum()
    assert ours["mean_rel_error"] == pytest.approx(err.mean(), rel=1e-12)
    assert ours["max_rel_error"] == pytest.approx(err.max(), rel=1e-12)


def test_a_worker_killed_before_the_points_go_out_loses_nothing(tmp_path, tiny, monkeypatch):
    """The pool starts before the points are submitted: a worker killed in that gap breaks the
    pool at submission, and a new pool runs every point."""
    from picojoule.sweep.run import LocalPool
    from picojoule.sweep.session import keyed_jobs
    from picojoule.sweep.spec import load_spec

    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "cache"))  # the workers inherit it
    tiny.write_text(TINY.split("[[points]]")[0])
    jobs = keyed_jobs(load_spec(tiny))
    pool = LocalPool(workers=2, start=2)
    try:
        processes = list(pool._pool._processes.values())
        os.kill(processes[0].pid, signal.SIGKILL)
        processes[0].join(timeout=30)
        deadline = time.monotonic() + 30
        while not pool._pool._broken and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool._pool._broken  # the executor has noticed: submit will raise
        records = list(pool.records(jobs))
    finally:
        pool.close()
    assert sorted(r["key"] for r in records) == sorted(j["key"] for j in jobs)
    assert all(r["status"] == "ok" for r in records)
