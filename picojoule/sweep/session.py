"""A whole sweep: key the points, skip the finished ones, run the rest, store and render.

`run_sweep` returns a `SweepOutcome`; it stores each record the moment it arrives
(`picojoule.sweep.store`), shows a progress bar (tqdm: done / failed / total, ETA) and writes
``results.csv`` and ``index.html`` at the end, also when interrupted or when the cluster was
lost, from every record kept so far. SIGTERM (a batch system stopping the job) is handled
like Ctrl-C: the workers are ended and every finished record is kept.

What does not run on the workers overlaps with what does: the workers start (and warm up)
while the points are keyed, unless the folder holds records already (then only as many start
as points remain); points go out longest first (`picojoule.sweep.order`); the page's plotting
library is loaded in a thread once a CPU of this machine is free (`render.preload`).
"""

import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

from picojoule.base.progress import progress_bar
from picojoule.sweep import render, run
from picojoule.sweep.order import longest_first
from picojoule.sweep.store import ResultStore, flow_digest, point_key

__all__ = ["SweepOutcome", "run_sweep", "keyed_jobs"]


@dataclass
class SweepOutcome:
    """What a sweep did: points in the spec, skipped (finished before), run now, failures."""

    total: int
    skipped: int = 0
    finished: int = 0
    failed: list = field(default_factory=list)  # the failed records
    interrupted: str = ""  # why the run stopped early ("" if it did not)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


class _Discard:
    """A stream that drops what is written (``--no-progress``)."""

    def write(self, text):
        pass

    def flush(self):
        pass


def keyed_jobs(spec, *, ship_files=False):
    """The `picojoule.sweep.flow.run_point` job of every point of ``spec``, in spec order.

    ``ship_files`` puts the bytes of the files points name (Liberty, .npy) into the job, for
    workers that do not share this file system.
    """
    flow = flow_digest(spec.settings)
    root = spec.path.parent
    paths = {name: str((root / name).resolve()) for name in spec.files}
    jobs = []
    for point in spec.points:
        named = [v for v in point.values() if isinstance(v, str) and v in paths]
        job = {
            "key": point_key(point, files=spec.files, flow=flow),
            "point": point,
            "settings": spec.settings,
            "files": {name: paths[name] for name in named},
        }
        if ship_files:
            job["blobs"] = {name: Path(paths[name]).read_bytes() for name in named}
        jobs.append(job)
    return jobs


def _executor(spec, *, out, workers, scheduler):
    families = {point["family"] for point in spec.points}
    if scheduler is not None:
        return run.DaskCluster(address=scheduler, families=families)
    cold = not (Path(out) / "results.jsonl").exists()
    return run.LocalPool(workers=workers, families=families, start=len(spec.points) * cold)


def _spare_cpu(executor):
    """Whether the local workers leave a CPU of this machine free for the page's preparation."""
    return isinstance(executor, run.LocalPool) and executor.workers < (os.cpu_count() or 1)


def run_sweep(spec, *, out, workers=1, scheduler=None, progress=True):
    """Run the points of ``spec`` not finished in ``out`` yet; see the module docstring."""
    out = Path(out)
    executor = _executor(spec, out=out, workers=workers, scheduler=scheduler)
    try:
        jobs = longest_first(keyed_jobs(spec, ship_files=scheduler is not None))
        if scheduler is not None:
            executor.client()  # an unreachable scheduler stops the sweep before it writes
        with ResultStore(out) as store:
            return _run(spec, jobs, store=store, executor=executor, progress=progress)
    finally:
        executor.close()


def _run(spec, jobs, *, store, executor, progress):
    keys = {job["key"] for job in jobs}
    outcome = SweepOutcome(total=len(jobs))
    finished = store.resume()
    todo = [job for job in jobs if job["key"] not in finished]
    outcome.skipped = len(jobs) - len(todo)
    records = {k: r for k, r in finished.items() if k in keys}
    stream = executor.records(todo)
    if progress:
        bar = progress_bar(total=len(jobs), label=f"sweep {spec.name}", unit="pt")
    else:
        bar = progress_bar(total=len(jobs), label="", stream=_Discard())
    bar.initial = bar.n = outcome.skipped  # the rate and ETA count this run's points only
    bar.refresh()
    workers = executor.workers
    if todo and _spare_cpu(executor):
        render.preload()
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a batch system's stop
    try:
        for record in stream:
            store.append(record)
            records[record["key"]] = record
            outcome.finished += 1
            if record["status"] != "ok":
                outcome.failed.append(record)
            bar.set_postfix_str(f"failed {len(outcome.failed)}", refresh=False)
            bar.update(1)
            if len(todo) - outcome.finished < workers:  # a worker has nothing left to do
                render.preload()
    except KeyboardInterrupt:
        outcome.interrupted = "interrupted"
    except run.SweepLost as error:
        outcome.interrupted = str(error)
    finally:
        signal.signal(signal.SIGTERM, previous)
        bar.close()
        stream.close()
        render.write_outputs(store.directory, spec, list(records.values()))
    return outcome
