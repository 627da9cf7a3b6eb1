"""Co-verify many units in parallel.

The work of one unit is dominated by the simulator process it starts (and by numpy, which
releases the GIL), so units run on a pool of ``jobs`` threads (default: the number of CPUs),
each waiting on its own simulator process; the longest runs (pipelined units and units with
random vectors) start first so that the pool drains evenly.
"""

import os
from concurrent.futures import ThreadPoolExecutor, as_completed

from picojoule.sim.engine import co_verify
from picojoule.sim.mx_verify import co_verify_mx
from picojoule.sim.vectors import EXHAUSTIVE_PAIRS

__all__ = ["verify_designs", "default_jobs"]


def default_jobs():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _weight(design):
    a_fmt, b_fmt = design.spec.in_formats
    exhaustive = (1 << (a_fmt.width + b_fmt.width)) <= EXHAUSTIVE_PAIRS
    weight = 1 if exhaustive else 8
    weight *= 3 if design.pipelined else 1
    return weight * (1 + a_fmt.width // 16)


def _verify(design, **options):
    """`co_verify`, or for block-scaled units `co_verify_mx` (wide block words, 100,000 blocks
    unless ``count`` says otherwise)."""
    if design.spec.kind == "mx_dot":
        keep = ("simulator", "count", "seed", "build_root", "p_valid", "p_ready", "warm")
        return co_verify_mx(design, **{k: v for k, v in options.items() if k in keep})
    return co_verify(design, **options)


def verify_designs(designs, *, jobs=None, **options):
    """Yield ``(design, Verdict)`` as each unit finishes; ``options`` go to `co_verify`.

    An exception in one unit's run is raised here, after the running units are cancelled.
    """
    designs = list(designs)
    jobs = default_jobs() if jobs is None else int(jobs)
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if jobs == 1 or len(designs) <= 1:
        for design in designs:
            yield design, _verify(design, **options)
        return
    order = sorted(designs, key=_weight, reverse=True)
    with ThreadPoolExecutor(max_workers=min(jobs, len(order))) as pool:
        futures = {pool.submit(_verify, design, **options): design for design in order}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            raise
