"""Amaranth generators for the arithmetic units, built from the specs in `picojoule.models`.

`build(spec, fault=None)` returns the `wiring.Component` of any unit spec; `GENERATORS` maps
each ``spec.kind`` to its generator class; `picojoule.hw.export` writes Verilog and the
manifest; `picojoule.hw.faults` lists the injectable faults.
"""

from picojoule.hw.registry import GENERATORS, build

__all__ = ["GENERATORS", "build"]
