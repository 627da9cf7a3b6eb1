"""One parallel map for the flow's independent jobs (units, tiles)."""

from concurrent.futures import ProcessPoolExecutor

__all__ = ["parallel_map"]


def parallel_map(function, items, *, jobs):
    """``[function(item) for item in items]``, in ``jobs`` worker processes when ``jobs > 1``.

    ``function`` and the items must be picklable (module-level functions, plain data).
    """
    items = list(items)
    if jobs <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(function, items))
