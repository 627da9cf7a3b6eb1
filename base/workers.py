"""Worker processes that see this process's run-time registrations.

A spawned worker starts a fresh interpreter: it imports picojoule anew, so a unit kind (or any
other registry entry) added at run time, by a test or a user's script, is missing there. A
registry that can grow at run time names its additions once with `share_with_workers`
(a function returning the calls that repeat them); `spawn_pool` makes every worker run those
calls before its first job. The calls travel by pickle: a registered class is sent by module
and name, so it must be defined at a module's top level (`worker_calls` says so in one line
otherwise).
"""

import multiprocessing
import pickle
from concurrent.futures import ProcessPoolExecutor

__all__ = ["share_with_workers", "worker_calls", "spawn_pool"]

_SHARED = []


def share_with_workers(snapshot):
    """Register ``snapshot()``, which returns ``[(function, args), ...]``: calls every worker
    runs before its first job (module-level functions, picklable arguments). Returns it."""
    _SHARED.append(snapshot)
    return snapshot


def worker_calls():
    """The calls of every registered snapshot, now; ValueError naming the fix when one cannot
    be sent to a worker."""
    calls = [call for snapshot in _SHARED for call in snapshot()]
    for function, args in calls:
        try:
            pickle.dumps((function, args))
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            what = ", ".join(getattr(a, "__qualname__", repr(a)) for a in args)
            raise ValueError(
                f"{what} was registered at run time but worker processes cannot import it "
                f"({error}); define it at the top level of a module, or run with one job"
            ) from None
    return calls


def _start(calls, initializer, initargs):
    for function, args in calls:
        function(*args)
    if initializer is not None:
        initializer(*initargs)


def spawn_pool(max_workers, *, initializer=None, initargs=()):
    """A `ProcessPoolExecutor` of ``max_workers`` spawned processes that first repeat this
    process's run-time registrations (`worker_calls`), then run ``initializer(*initargs)``."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(worker_calls(), initializer, initargs),
    )
