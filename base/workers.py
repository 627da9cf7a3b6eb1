"""Worker processes that see this process's run-time registrations.

A spawned worker starts a fresh interpreter: it imports picojoule anew, so a unit kind, a tile
core (or any other registry entry) added at run time, by a test or a user's script, is missing
there. A registry that can grow at run time names its additions once: `share_registry` for a
dict filled at import, `share_with_workers` for anything else (a function returning the calls
that repeat them). `spawn_pool` makes every worker run those calls before its first job. The
calls travel by pickle: a registered class or function is sent by module and name, so it must be
defined at a module's top level (`worker_calls` says so in one line otherwise).
"""

import importlib
import multiprocessing
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor

__all__ = ["share_with_workers", "share_registry", "worker_calls", "spawn_pool"]

_SHARED = []


def share_with_workers(snapshot):
    """Register ``snapshot()``, which returns ``[(function, args), ...]``: calls every worker
    runs before its first job (module-level functions, picklable arguments). Returns it."""
    _SHARED.append(snapshot)
    return snapshot


def share_registry(module, name):
    """Share the entries added from now on to the dict ``name`` of the imported ``module``
    (a registry filled at import): every worker sets them in its own copy of that dict."""
    registry = getattr(sys.modules[module], name)
    at_import = dict(registry)

    def snapshot():
        return [
            (_set_entry, (module, name, key, value))
            for key, value in registry.items()
            if at_import.get(key) is not value
        ]

    share_with_workers(snapshot)


def _set_entry(module, name, key, value):
    """In a worker: ``module.name[key] = value`` (the registering process's entry)."""
    getattr(importlib.import_module(module), name)[key] = value


def worker_calls():
    """The calls of every registered snapshot, now; ValueError naming the fix when one cannot
    be sent to a worker."""
    calls = [call for snapshot in _SHARED for call in snapshot()]
    for function, args in calls:
        try:
            pickle.dumps((function, args))
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            what = ", ".join(_label(a) for a in args)
            if function is _set_entry:
                what = f"{args[1]}[{args[2]!r}] = {_label(args[3])}"
            raise ValueError(
                f"{what} was registered at run time but worker processes cannot import it "
                f"({error}); define it at the top level of a module, or run with one job"
            ) from None
    return calls


def _label(value):
    return getattr(value, "__qualname__", None) or repr(value)


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
