"""LUT tensor core: a 64 x 64 x 512 W2A8 GEMM simulated cycle by cycle and verified; a small GEMM
with fp16 activations (FP tables, fp32 accumulators) beside the same GEMM with int8 ones."""

import tempfile
import time

import numpy as np

TITLE = "LUT tensor core: cycle-accurate GEMM (cocotb + Icarus)"


def run(report):
    from picojoule.models.lut_gemm import lut_mpgemm
    from picojoule.sim.gemm import random_operands, run_gemm, tile_spec

    spec = tile_spec("lut", wbits=2, act="int8")
    a, w = random_operands(spec, m=64, n=64, k=512, seed=0)
    start = time.perf_counter()
    lut_mpgemm(a, w, spec=spec)
    golden_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="picojoule-bench-lut-") as build:
        # first run: generation + compilation + simulation, as a user's first `picojoule gemm`
        _, cold = run_gemm(core="lut", a=a, w=w, spec=spec, build_root=build)
        _, warm = run_gemm(core="lut", a=a, w=w, spec=spec, build_root=build)
        _, step = run_gemm(core="lut", a=a, w=w, spec=spec, build_root=build, drive="step")
    assert cold["verified"] and warm["verified"]
    report(
        "64x64x512 W2A8 GEMM simulated + verified (cold: generate, compile)",
        cold["seconds"],
        "s",
        baseline=("numpy golden LUT model", golden_s),
        target="<= 60 s on 2 cores",
    )
    report(
        "64x64x512 W2A8 GEMM simulated + verified (compiled design cached)",
        warm["seconds"],
        "s",
        baseline=("numpy golden LUT model", golden_s),
    )
    report(
        f"  cycles (tile M2 N64 K4, utilization {warm['utilization']:.4f})",
        warm["cycles"],
        "cycles",
    )
    rate = warm["cycles"] / warm["sim_seconds"]
    report("  simulated cycles/s, inner loop in HDL", rate, "cycles/s")
    report(
        "  same GEMM, loop in HDL vs one cocotb await per cycle",
        warm["sim_seconds"],
        "s",
        baseline=("one await per cycle", step["sim_seconds"]),
    )
    np.testing.assert_equal(cold["cycles"], warm["cycles"])
    _float_activations(report)


def _float_activations(report):
    """fp16 vs int8 activations on a narrower tile (M2 N16 K4): the FP tile's 32 fp32 adders
    per cycle make generation, compilation and simulation far heavier than integer adds."""
    from picojoule.models.lut_gemm import LutGemmSpec
    from picojoule.sim.gemm import random_operands, run_gemm

    runs = {}
    for act in ("int8", "fp16"):
        spec = LutGemmSpec(m=2, n=16, k=4, wbits=2, act=act)
        a, w = random_operands(spec, m=8, n=16, k=128, seed=0)
        with tempfile.TemporaryDirectory(prefix="picojoule-bench-lut-") as build:
            _, runs[act] = run_gemm(core="lut", a=a, w=w, spec=spec, build_root=build)
        assert runs[act]["verified"]
    fp, base = runs["fp16"], runs["int8"]
    report(
        "8x16x128 W2 GEMM, fp16 activations, tile M2 N16 K4: generate + compile",
        fp["compile_seconds"],
        "s",
        baseline=("int8 activations", base["compile_seconds"]),
    )
    report(
        "  simulated cycles/s, fp16 activations",
        fp["cycles"] / fp["sim_seconds"],
        "cycles/s",
        baseline=("int8 activations", base["cycles"] / base["sim_seconds"]),
    )
