"""Where the points run: a local process pool (default) or an existing Dask cluster.

Both executors take the same jobs (`picojoule.sweep.flow.run_point` arguments) and yield each
point's record as soon as it finishes, in completion order; the caller stores it at once.

* `local_records`: ``jobs`` worker processes (spawned; Ctrl-C is left to the parent, which
  ends them). A worker killed from outside breaks the pool: the finished records are kept,
  a new pool runs the unfinished points again, and a point still unfinished after
  ``attempts`` pools is recorded as failed.
* `dask_records`: ``dask.distributed.Client(address)``; each point is one task keyed by its
  content key. A worker lost mid-point has its task rerun by the scheduler elsewhere (Dask's
  ``allowed-failures``); a task that kills too many workers comes back as a failed record. If
  the scheduler goes away, the points not finished raise `SweepLost` after the finished ones
  were yielded.
"""

import asyncio
import contextlib
import logging
import os
import signal
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool

from picojoule.base.errors import UserError
from picojoule.base.workers import spawn_pool
from picojoule.sweep.flow import point_label, run_point

__all__ = ["local_records", "dask_records", "SweepLost", "failed_record"]


class SweepLost(RuntimeError):
    """The executor lost points it cannot finish (e.g. the Dask scheduler went away)."""


def failed_record(job, error):
    """The record of a point that never returned one (its worker died)."""
    point = job["point"]
    return {
        "key": job["key"],
        "status": "failed",
        "error": error,
        "label": point_label(point),
    } | point


def _own_process_group():
    """Worker initializer: a process group of its own, so that Ctrl-C at the terminal reaches
    only the parent (Icarus' vvp would otherwise stop in its interactive prompt), and the
    parent can end a worker together with the simulator or Yosys it is running."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _end_workers(pool):
    # concurrent.futures has no public way to stop running workers before Python 3.14;
    # these are the processes this pool started, each leading its own process group.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
    pool.shutdown(wait=True, cancel_futures=True)


def local_records(jobs, *, workers, attempts=3):
    """Run ``jobs`` on ``workers`` local processes; yield records as points finish."""
    pending = {job["key"]: job for job in jobs}
    tries = dict.fromkeys(pending, 0)
    while pending:
        pool = spawn_pool(max(1, min(workers, len(pending))), initializer=_own_process_group)
        broken = False
        try:
            futures = {pool.submit(run_point, job): key for key, job in pending.items()}
            waiting = set(futures)
            while waiting and not broken:
                done, waiting = wait(waiting, return_when=FIRST_COMPLETED)
                for future in done:
                    try:
                        record = future.result()
                    except BrokenProcessPool:
                        broken = True
                        continue
                    del pending[futures[future]]
                    yield record
        finally:
            _end_workers(pool)
        if broken:
            for key in list(pending):
                tries[key] += 1
                if tries[key] >= attempts:
                    yield failed_record(
                        pending.pop(key),
                        f"worker: its process died {attempts} times (killed, or out of memory)",
                    )


def dask_records(jobs, *, address, connect_timeout=10):
    """Run ``jobs`` on the Dask cluster whose scheduler is at ``address``; yield records."""
    from distributed import Client, as_completed

    # the client logs every reconnection attempt with a traceback; the sweep says it once
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        client = Client(address, timeout=f"{connect_timeout}s", set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise UserError(
            f"cannot reach the Dask scheduler at {address} ({error}); start one with "
            f"`dask scheduler` and workers with `dask worker {address}`"
        ) from None
    lost = 0
    try:
        by_key = {f"picojoule-sweep-{job['key']}": job for job in jobs}
        futures = client.map(run_point, list(by_key.values()), key=list(by_key), pure=False)
        finished = 0
        try:
            for future in as_completed(futures, loop=client.loop):
                if future.status == "finished":
                    record = future.result()
                elif future.status == "error":
                    error = future.exception()
                    text = str(error).splitlines()[0] if str(error) else ""
                    record = failed_record(
                        by_key[future.key], f"dask: {type(error).__name__}: {text}"
                    )
                else:
                    lost += 1
                    continue
                finished += 1
                yield record
        except (OSError, TimeoutError, asyncio.CancelledError) as error:
            lost = len(futures) - finished
            raise SweepLost(
                f"lost the Dask scheduler at {address} ({type(error).__name__}) with "
                f"{lost} points unfinished"
            ) from None
    finally:
        client.close(timeout=5)
    if lost:
        raise SweepLost(f"the Dask cluster dropped {lost} unfinished points")
