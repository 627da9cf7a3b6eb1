"""Where the points run: a local process pool (default) or an existing Dask cluster.

Both executors start at once (workers spawn, or the client connects, while the caller is still
keying the points) and their workers first run `picojoule.sweep.flow.warm_worker` for the
families of the sweep. ``records(jobs)`` takes `picojoule.sweep.flow.run_point` jobs and hands
them out in the order given (the caller puts the longest first), and yields each point's
record as soon as it finishes, in completion order; the caller stores it at once. ``close()``
ends what the executor started.

* `LocalPool`: ``workers`` spawned processes (Ctrl-C is left to the parent, which ends them). A
  worker killed from outside breaks the pool: the finished records are kept, a new pool runs
  the unfinished points again, and a point still unfinished after ``attempts`` pools is
  recorded as failed.
* `DaskCluster`: ``dask.distributed.Client(address)``; each point is one task keyed by its
  content key, with a priority that keeps the order given. A worker lost mid-point has its
  task rerun by the scheduler elsewhere (Dask's ``allowed-failures``); a task that kills too
  many workers comes back as a failed record. If the scheduler goes away, the points not
  finished raise `SweepLost` after the finished ones were yielded.
"""

import asyncio
import contextlib
import logging
import os
import signal
import threading
import uuid
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool

from picojoule.base.errors import UserError
from picojoule.base.workers import spawn_pool
from picojoule.sweep.flow import point_label, run_point, warm_worker

__all__ = ["LocalPool", "DaskCluster", "SweepLost", "failed_record"]


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


def _start_worker(families):
    """Worker initializer: a process group of its own, so that Ctrl-C at the terminal reaches
    only the parent (Icarus' vvp would otherwise stop in its interactive prompt), and the
    parent can end a worker together with the simulator or Yosys it is running; then the
    warm-up for ``families``."""
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_worker(families)


def _end_workers(pool):
    # concurrent.futures has no public way to stop running workers before Python 3.14;
    # these are the processes this pool started, each leading its own process group.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
    pool.shutdown(wait=True, cancel_futures=True)


class LocalPool:
    """Points on local worker processes (see the module docstring)."""

    def __init__(self, *, workers, families=(), start=0, attempts=3):
        """Up to ``workers`` processes warming up for ``families``; ``start`` > 0 spawns
        min(``workers``, ``start``) of them now, else they spawn at `records`."""
        self.workers = workers
        self.attempts = attempts
        self._families = tuple(sorted(families))
        self._pool = self._spawn(start) if start else None

    def _spawn(self, count):
        size = max(1, min(self.workers, count))
        pool = spawn_pool(size, initializer=_start_worker, initargs=(self._families,))
        for _ in range(size):  # a spawn pool starts one process per submission while none idles
            pool.submit(os.getpid)
        return pool

    def records(self, jobs):
        """Run ``jobs`` in this order; yield their records as they finish."""
        pending = {job["key"]: job for job in jobs}
        tries = dict.fromkeys(pending, 0)
        while pending:
            if self._pool is None:
                self._pool = self._spawn(len(pending))
            broken = False
            try:
                try:
                    futures = {
                        self._pool.submit(run_point, job): key for key, job in pending.items()
                    }
                except BrokenProcessPool:  # a worker died before the points went out
                    futures, broken = {}, True
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
                self.close()
            if broken:
                for key in list(pending):
                    tries[key] += 1
                    if tries[key] >= self.attempts:
                        yield failed_record(
                            pending.pop(key),
                            f"worker: its process died {self.attempts} times "
                            "(killed, or out of memory)",
                        )

    def close(self):
        """End the worker processes (and what they run)."""
        if self._pool is not None:
            _end_workers(self._pool)
            self._pool = None


class DaskCluster:
    """Points on the workers of the Dask cluster at ``address`` (see the module docstring)."""

    def __init__(self, *, address, families=(), connect_timeout=10):
        """Connect in a background thread (`client` waits for it); the workers connected by
        then warm up for ``families``."""
        self.address = address
        self.workers = 1  # the cluster's worker count once connected
        self._families = tuple(sorted(families))
        self._timeout = connect_timeout
        self._client = self._error = None
        self._warming = []  # held so that the scheduler keeps the tasks
        self._thread = threading.Thread(target=self._connect, daemon=True)
        self._thread.start()

    def _connect(self):
        try:
            from distributed import Client

            # the client logs every reconnection attempt with a traceback; the sweep says it once
            logging.getLogger("distributed").setLevel(logging.CRITICAL)
            client = Client(self.address, timeout=f"{self._timeout}s", set_as_default=False)
        except (OSError, TimeoutError) as error:
            self._error = error
            return
        self._client = client
        with contextlib.suppress(OSError, TimeoutError):
            connected = client.scheduler_info().get("workers", {})
            self.workers = max(1, len(connected))
            for worker in connected:
                self._warming.append(
                    client.submit(
                        warm_worker,
                        self._families,
                        key=f"picojoule-warm-{uuid.uuid4().hex}",
                        workers=[worker],
                        allow_other_workers=False,
                        pure=False,
                        priority=1 << 30,
                    )
                )

    def client(self):
        """The connected `distributed.Client`; `UserError` if the scheduler is unreachable."""
        self._thread.join()
        if self._client is None:
            raise UserError(
                f"cannot reach the Dask scheduler at {self.address} ({self._error}); start one "
                f"with `dask scheduler` and workers with `dask worker {self.address}`"
            )
        return self._client

    def records(self, jobs):
        """Run ``jobs`` (the first ones first); yield their records as they finish."""
        from distributed import as_completed

        client = self.client()
        by_key = {f"picojoule-sweep-{job['key']}": job for job in jobs}
        futures = [
            client.submit(run_point, job, key=key, pure=False, priority=len(by_key) - i)
            for i, (key, job) in enumerate(by_key.items())
        ]
        finished = lost = 0
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
            raise SweepLost(
                f"lost the Dask scheduler at {self.address} ({type(error).__name__}) with "
                f"{len(futures) - finished} points unfinished"
            ) from None
        if lost:
            raise SweepLost(f"the Dask cluster dropped {lost} unfinished points")

    def close(self):
        """Release the warm-up tasks and close the client (the cluster runs on)."""
        self._thread.join()
        if self._client is not None:
            self._warming.clear()
            self._client.close(timeout=5)
            self._client = None
