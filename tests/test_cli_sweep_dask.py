"""`picojoule sweep --scheduler`: a real Dask cluster (a scheduler and 2 worker processes on
127.0.0.1, started and stopped here) gives the local run's records; a worker killed with SIGKILL
mid-sweep loses nothing."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from picojoule.sweep.cluster import local_cluster
from picojoule.sweep.flow import TIMING_FIELDS

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "examples" / "sweeps" / "smoke.toml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(address, workers): a scheduler and 2 single-threaded worker processes."""
    with local_cluster(workers=2, cwd=tmp_path_factory.mktemp("dask")) as running:
        yield running


def _sweep(cwd, spec, out, *extra, wait=True):
    command = [sys.executable, "-m", "picojoule.cli", "sweep", str(spec), "--out", str(out)]
    command += ["--no-progress", *extra]
    if not wait:
        return subprocess.Popen(command, cwd=cwd, start_new_session=True)
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


def _figures(out):
    rows = [json.loads(line) for line in (Path(out) / "results.jsonl").read_text().splitlines()]
    return {r["key"]: {k: v for k, v in r.items() if not k.startswith(TIMING_FIELDS)} for r in rows}


def test_dask_cluster_records_equal_the_local_run(tmp_path, cluster):
    address, _ = cluster
    local = _sweep(tmp_path, SMOKE, tmp_path / "local", "--jobs", "2")
    assert local.returncode == 0, local.stderr
    remote = _sweep(tmp_path, SMOKE, tmp_path / "dask", "--scheduler", address)
    assert remote.returncode == 0, remote.stderr
    local_rows, dask_rows = _figures(tmp_path / "local"), _figures(tmp_path / "dask")
    assert len(local_rows) == 8 and all(r["status"] == "ok" for r in local_rows.values())
    assert dask_rows == local_rows
    workers = {json.loads(line)["worker"] for line in (tmp_path / "dask" / "results.jsonl").open()}
    assert len(workers) == 2  # both cluster workers took points


def test_worker_killed_mid_sweep_then_rerun_every_point_once(tmp_path, cluster):
    address, workers = cluster
    spec = tmp_path / "adders.toml"
    spec.write_text('[sweep]\nops = 300\n[[units]]\nkind = "int_add"\nwidth = [2, 3, 4, 5, 6, 7]\n')
    out = tmp_path / "out"
    proc = _sweep(tmp_path, spec, out, "--scheduler", address, wait=False)
    try:
        results = out / "results.jsonl"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            if results.exists() and results.read_text().count("\n") >= 1:
                break
            time.sleep(0.2)
        os.killpg(workers[0].pid, signal.SIGKILL)  # mid-sweep: the other worker takes over
        first = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    rows = _figures(out)
    assert first == 0 and len(rows) == 6
    again = _sweep(tmp_path, spec, out, "--scheduler", address)
    assert again.returncode == 0 and "(6 from earlier runs), 0 failed" in again.stdout
    lines = (out / "results.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["key"] for line in lines) == sorted(rows)


def test_unreachable_scheduler_is_a_one_line_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "picojoule.cli",
            "sweep",
            str(SMOKE),
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            address,
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"},
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot reach the Dask scheduler" in proc.stderr
