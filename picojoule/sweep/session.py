"""A whole sweep: key the points, skip the finished ones, run the rest, store and render.

`run_sweep` returns a `SweepOutcome`; it stores each record the moment it arrives
(`picojoule.sweep.store`), shows a progress bar (tqdm: done / failed / total, ETA) and writes
``results.csv`` and ``index.html`` at the end, also when interrupted or when the cluster was
lost, from every record kept so far. SIGTERM (a batch system stopping the job) is handled
like Ctrl-C: the workers are ended and every finished record is kept.
"""

import signal
from dataclasses import dataclass, field
from pathlib import Path

from picojoule.base.progress import progress_bar
from picojoule.sweep import render, run
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


def run_sweep(spec, *, out, workers=1, scheduler=None, progress=True):
    """Run the points of ``spec`` not finished in ``out`` yet; see the module docstring."""
    out = Path(out)
    jobs = keyed_jobs(spec, ship_files=scheduler is not None)
    keys = {job["key"] for job in jobs}
    outcome = SweepOutcome(total=len(jobs))
    with ResultStore(out) as store:
        finished = store.resume()
        todo = [job for job in jobs if job["key"] not in finished]
        outcome.skipped = len(jobs) - len(todo)
        records = {k: r for k, r in finished.items() if k in keys}
        if scheduler is not None:
            stream = run.dask_records(todo, address=scheduler)
        else:
            stream = run.local_records(todo, workers=workers)
        if progress:
            bar = progress_bar(total=len(jobs), label=f"sweep {spec.name}", unit="pt")
        else:
            bar = progress_bar(total=len(jobs), label="", stream=_Discard())
        bar.initial = bar.n = outcome.skipped  # the rate and ETA count this run's points only
        bar.refresh()
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
        except KeyboardInterrupt:
            outcome.interrupted = "interrupted"
        except run.SweepLost as error:
            outcome.interrupted = str(error)
        finally:
            signal.signal(signal.SIGTERM, previous)
            bar.close()
            stream.close()
            render.write_outputs(out, spec, list(records.values()))
    return outcome
