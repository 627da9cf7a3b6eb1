"""`picojoule.unit`: one arithmetic unit with its faces (Verilog, verification, synthesis,
energy), each returning plain records (dicts of numbers and strings).

Work files (the exported Verilog, simulator builds) go to the work folder of
`picojoule.base.paths` (``build/`` in a checkout, else the user's cache folder).
"""

import dataclasses

import numpy as np

from picojoule.api_formats import quantize
from picojoule.base.errors import UserError

__all__ = ["unit", "Unit"]


def unit(kind, *, a, b=None, out=None, variant="int_add", overflow="nonsat", stages=0):
    """The unit ``kind`` (``fp_mul``, ``fp_add``, ``lmul``, ``int_mul``, ``int_add``) on
    operand formats ``a`` and ``b`` (default ``a``) with result format ``out``.

    ``variant`` applies to ``lmul`` only, ``overflow`` to float kinds; ``stages`` >= 1 gives a
    valid/ready pipeline of that latency. Example: ``unit("lmul", a="e4m3")``.
    """
    from picojoule.models import units

    if kind not in units.UNIT_KINDS:
        raise UserError(f"unknown unit kind {kind!r}; choose from {', '.join(units.UNIT_KINDS)}")
    if kind == "lmul":
        if b not in (None, a) or out not in (None, a):
            raise UserError(f"lmul works on one format; drop b= and out= or make them {a!r}")
        spec = units.LMul(fmt=a, variant=variant, overflow=overflow, stages=stages)
    elif variant != "int_add":
        raise UserError(f"variant= applies to lmul, not {kind}; drop it")
    elif kind in ("int_mul", "int_add"):
        spec = units.UNIT_KINDS[kind](a=a, b=b or a, out=units._int_out(out), stages=stages)
    else:
        spec = units.UNIT_KINDS[kind](a=a, b=b or a, out=out or a, overflow=overflow, stages=stages)
    return Unit(spec)


class Unit:
    """One unit. ``name`` is its Verilog module name, ``contract`` its numeric contract."""

    def __init__(self, spec):
        self.spec = spec

    def __repr__(self):
        return f"<picojoule unit {self.name}>"

    @property
    def name(self):
        return self.spec.name

    @property
    def contract(self):
        return self.spec.contract

    def verilog(self):
        """The Verilog text (module `name`, parameters baked in)."""
        from picojoule.hw.export import verilog_source

        return verilog_source(self.spec)

    def _entry(self):
        """Export into the work folder; (manifest entry, folder)."""
        from picojoule.base.paths import build_root
        from picojoule.hw.export import export_unit

        folder = build_root() / "api" / "verilog"
        folder.mkdir(parents=True, exist_ok=True)
        return export_unit(self.spec, folder), folder

    def verify(self, *, vectors=None, simulator="icarus", seed=0):
        """Co-verify the Verilog against the golden model in cocotb (exhaustive for 8 x 8
        bits, else ``vectors`` random vectors plus corners). Record: name, simulator,
        vectors, mismatches, passed, seconds, examples."""
        from picojoule.sim.design import design_from_entry
        from picojoule.sim.engine import co_verify

        entry, folder = self._entry()
        verdict = co_verify(
            design_from_entry(entry, root=folder), simulator=simulator, count=vectors, seed=seed
        )
        record = dataclasses.asdict(verdict)
        record["passed"] = verdict.passed
        return record

    def synthesize(self, *, liberty=None):
        """Yosys + ABC onto the built-in 45 nm table or a Liberty file. Record: cells, area,
        transistors, logic depth, delay (the `picojoule synth --json` fields)."""
        from picojoule.cost.synth import synthesize

        entry, folder = self._entry()
        return synthesize(
            verilog=folder / entry["verilog"], top=entry["top"], liberty=liberty, progress=None
        ).summary()

    def energy(self, *, dist="uniform", a=None, b=None, n=20_000, seed=1, liberty=None):
        """Energy per operation from gate-level activity: on ``n`` operands of the
        distribution ``dist``, or on float arrays ``a`` and ``b`` (same shape, paired element
        by element, rounded to the operand formats by `picojoule.quantize`). Record: the
        `picojoule energy --json` fields (energy_pj_per_op, power_mw, area_um2, ...)."""
        from picojoule.base.ports import unit_ports
        from picojoule.cost.energy import cost_record, estimate
        from picojoule.cost.synth import synthesize
        from picojoule.cost.units import cost_unit

        entry, folder = self._entry()
        if a is None and b is None:
            return cost_unit(
                entry, manifest_dir=folder, distribution=dist, n=n, seed=seed, liberty=liberty
            )
        if a is None or b is None:
            raise UserError("energy() takes both operand arrays, a= and b=, or neither")
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            raise UserError(
                f"a has shape {a.shape} but b has {b.shape}; pass arrays of the same shape "
                "(pairs are taken element by element)"
            )
        fmt_a, fmt_b = self.spec.in_formats
        codes_a, codes_b = quantize(a.ravel(), fmt_a), quantize(b.ravel(), fmt_b)
        synth = synthesize(
            verilog=folder / entry["verilog"], top=entry["top"], liberty=liberty, progress=None
        )
        streams, holds = unit_ports(entry["ports"]).drive(codes_a, codes_b)
        synth, result = estimate(synth=synth, streams=streams, holds=holds, progress=None)
        return cost_record(
            synth,
            result,
            name=entry["name"],
            kind=entry["kind"],
            params=entry["params"],
            distribution="arrays",
        )
