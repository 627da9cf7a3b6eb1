"""The order points are handed to workers: the longest first, so that workers finish together.

Workers take the next point as soon as they are free, so the run ends when the last point
ends. Started last, a long point leaves the other workers idle while it runs; started first,
the short ones fill in around it (longest-processing-time-first scheduling). The cost of a
point is only known after it ran, so `estimated_cost` guesses it from the point alone, as a
rough size of the logic that generation, simulation, synthesis and energy all scale with; only
the order it gives matters, not its unit:

* a unit: ``1 + (b / 16)^2 x (1 + stages / 2)``, ``b`` the input bits of both operands (the
  1 is the simulator's and the tools' start-up, which dominates small units; a multiplier's
  array grows with the square of its width; pipeline registers add logic and cycles);
* a tile: ``2 + M x N x K x w x a / 32``, ``a`` the activation bits (32 for float activations,
  which are summed in fp32) and ``w`` the bits a weight enters the products with: its code
  bits (``lut``, ``mac-int``; at least 8 in a float LUT's tables), the activation's
  (``mac-int8``, ``mac-int16``), 32 in the float MAC arrays (fp32 sums of products);
* a point whose unit spec cannot be built costs 0 (it fails at once, at generation).

Ties keep the sweep file's order (the sort is stable).
"""

from picojoule.sweep import adapter
from picojoule.sweep.spec import tile_params, unit_params

__all__ = ["estimated_cost", "longest_first"]


def _unit_cost(point):
    try:
        spec = adapter.unit_spec(kind=point["kind"], params=unit_params(point))
    except (ValueError, KeyError, TypeError):
        return 0.0
    bits = sum(f.width for f in spec.in_formats)
    return 1.0 + (bits / 16) ** 2 * (1 + getattr(spec, "stages", 0) / 2)


def _tile_cost(point):
    from picojoule.models.formats import FloatFormat, get_format

    p = tile_params(point)
    try:
        act = get_format(p["act"])
    except (ValueError, KeyError, TypeError):
        return 0.0
    floats = isinstance(act, FloatFormat)
    act_bits = 32 if floats else act.width
    if p["core"] in ("lut", "mac-int"):
        weight_bits = max(p["wbits"], 8) if floats else p["wbits"]
    else:
        weight_bits = act_bits
    return 2.0 + p["m"] * p["n"] * p["k"] * weight_bits * act_bits / 32


def estimated_cost(point):
    """A guess of the relative run time of ``point`` (see the module docstring)."""
    return _unit_cost(point) if point["family"] == "units" else _tile_cost(point)


def longest_first(jobs):
    """``jobs`` (`picojoule.sweep.session.keyed_jobs` dicts) sorted by decreasing
    `estimated_cost` of their points; equal estimates keep their order."""
    return sorted(jobs, key=lambda job: -estimated_cost(job["point"]))
