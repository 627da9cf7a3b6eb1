"""A throwaway Dask cluster on 127.0.0.1 for tests and benchmarks: `dask scheduler` and
``workers`` `dask worker` processes (one thread each, no nanny), each in a session of its
own so that it can be stopped (or killed) with everything it started."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["local_cluster", "stop"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args, cwd, env):
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("dask")), *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(proc, *, timeout=10):
    """End ``proc`` and its session: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


@contextlib.contextmanager
def local_cluster(*, workers=2, cwd, timeout=120, env=None):
    """Yield ``(address, worker processes)``; everything is stopped on exit.

    The processes run in ``cwd`` with environment ``env`` (default: this process's), so a
    ``PICOJOULE_CACHE`` there chooses their cache.
    """
    from distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        _start(
            ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], cwd, env
        )
    ]
    try:
        worker_args = ["worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
        procs += [_start([*worker_args, "--name", f"w{i}"], cwd, env) for i in range(workers)]
        with Client(address, timeout=f"{timeout}s") as client:
            client.wait_for_workers(workers, timeout=timeout)
        yield address, procs[1:]
    finally:
        for proc in reversed(procs):
            stop(proc)
