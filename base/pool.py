"""Independent jobs on a pool of worker processes, with a progress bar over them.

`run_jobs` submits every job at once, in the order given (put the longest first: a pool drains
evenly when the big jobs start early), shows done / total, elapsed time and ETA through
`picojoule.base.progress.progress_bar`, and returns the results in the order of the jobs.
"""

import contextlib
import multiprocessing
import sys
import threading
from concurrent.futures import as_completed

from picojoule.base.progress import progress_bar
from picojoule.base.workers import spawn_pool

__all__ = ["run_jobs", "ticking", "start_process"]


@contextlib.contextmanager
def ticking(bar, *, stream=None, every=None):
    """Redraw ``bar`` while the block runs even when no item finishes: every ``every``
    seconds, by default every second on a terminal (elapsed time moves) and every 15 s
    elsewhere (a plain line in a CI log)."""
    stream = stream if stream is not None else sys.stderr
    if every is None:
        every = 1.0 if hasattr(stream, "isatty") and stream.isatty() else 15.0
    stop = threading.Event()

    def tick():
        while not stop.wait(every):
            bar.refresh()

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield bar
    finally:
        stop.set()
        thread.join()


def run_jobs(function, jobs, *, workers, label, unit="job", stream=None, known=None):
    """``[function(job) for job in jobs]``, on ``workers`` processes when ``workers > 1``.

    Parameters
    ----------
    function : callable
        A module-level function (it is pickled to the workers); ``jobs`` must be picklable.
    workers : int
        Worker processes; 1 runs the jobs here, one after another.
    label, unit : str
        The progress bar's label and the name of one job.
    stream : text stream, optional
        Where the bar is drawn (default: standard error).
    known : list, optional
        Results already at hand (e.g. from a cache), None where the job must run; counted as
        done from the start.

    An exception in a job is raised here after the jobs not started yet are cancelled. The
    workers see this process's run-time registrations (`picojoule.base.workers`).
    """
    jobs = list(jobs)
    results = list(known) if known is not None else [None] * len(jobs)
    todo = [i for i, result in enumerate(results) if result is None]
    bar = progress_bar(total=len(jobs), label=label, unit=unit, stream=stream)
    with bar, ticking(bar, stream=stream):
        bar.update(len(jobs) - len(todo))
        if workers <= 1 or len(todo) <= 1:
            for i in todo:
                results[i] = function(jobs[i])
                bar.update(1)
            return results
        with spawn_pool(min(workers, len(todo))) as pool:
            futures = {pool.submit(function, jobs[i]): i for i in todo}
            try:
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update(1)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    return results


def start_process(function):
    """Start ``function()`` (module-level, picklable) in a fresh spawned daemon process and
    return the process (``join()`` it before relying on its effect): work done ahead, e.g.
    compiling kernels into an on-disk cache while other steps run."""
    process = multiprocessing.get_context("spawn").Process(target=function, daemon=True)
    process.start()
    return process
