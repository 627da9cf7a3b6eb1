"""Co-verification speed: exhaustive 65,536-pair verification of one 8-bit unit.

The batch wrappers (operands preloaded with $readmemh, time advanced in HDL) against the plain
cocotb testbench that awaits once per vector, measured in the same run on the same vectors.
Simulation seconds are from ``start`` to ``done`` inside the simulator (build and simulator
start-up excluded; the build is made once before timing).
"""

import tempfile

import numpy as np

TITLE = "co-verification: exhaustive e4m3 x e4m3 multiplier, batch vs per-vector"

UNIT = "fp_mul_e4m3_e4m3_e4m3_nonsat_s0"


def _best(run, repeats=2):
    verdicts = [run() for _ in range(repeats)]
    for v in verdicts:
        if not v.passed:
            raise RuntimeError(f"{v.name} failed co-verification: {v.examples[:1]}")
    return min(verdicts, key=lambda v: v.sim_seconds)


def run(report):
    from picojoule.base.errors import UserError
    from picojoule.models.units import standard_suite
    from picojoule.sim.design import export_designs
    from picojoule.sim.engine import co_verify, co_verify_per_vector
    from picojoule.sim.simulators import check_simulator
    from picojoule.sim.vectors import VectorSet, vector_set

    spec = next(s for s in standard_suite() if s.name == UNIT)
    with tempfile.TemporaryDirectory() as tmp:
        design = export_designs([spec], tmp)[0]
        vectors = vector_set(spec)
        n = len(vectors)
        base = co_verify_per_vector(design, vectors=vectors, simulator="icarus")
        if not base.passed:
            raise RuntimeError(f"{UNIT} failed the per-vector co-verification")
        base_rate = n / base.sim_seconds
        batch = _best(lambda: co_verify(design, vectors=vectors, simulator="icarus"))
        report(
            f"Icarus batch: {n} pairs, simulation seconds",
            batch.sim_seconds,
            "s",
            baseline=("of per-vector cocotb", base.sim_seconds),
            target="<= 0.5 s",
        )
        report(
            "Icarus batch: vectors/s",
            n / batch.sim_seconds,
            "vec/s",
            baseline=("per-vector cocotb", base_rate),
        )
        report("Icarus per-vector cocotb driver: vectors/s", base_rate, "vec/s")
        try:
            check_simulator("verilator")
        except UserError as error:
            print(f"  Verilator skipped: {error}")
            return
        tiled = VectorSet(
            a=np.tile(vectors.a, 16),
            b=np.tile(vectors.b, 16),
            exhaustive=False,
            corners=0,
            random=0,
        )
        for label, vec in (("exhaustive", vectors), ("exhaustive x16", tiled)):
            fast = _best(lambda vec=vec: co_verify(design, vectors=vec, simulator="verilator"))
            report(
                f"Verilator batch, 8 lanes ({label}: {len(vec)} pairs): seconds",
                fast.sim_seconds,
                "s",
                baseline=("of per-vector cocotb", base.sim_seconds),
            )
            report(
                f"Verilator batch, 8 lanes ({label}): vectors/s",
                len(vec) / fast.sim_seconds,
                "vec/s",
                baseline=("per-vector cocotb", base_rate),
                target=">= 1M vec/s",
            )
