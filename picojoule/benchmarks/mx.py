"""Golden DotGeneral of block-scaled formats against numpy's float32 matmul."""

import numpy as np

from picojoule.benchmarks.models import _best_interleaved

TITLE = (
    "block formats: golden MX DotGeneral 1024^3 vs float32 BLAS; co-verification of 100,000 blocks"
)
#: The unit whose co-verification is timed, and its blocks (plus the directed ones).
UNIT = "mx_dot_e4m3_k32_e8m0_fp32_exact_s0"
BLOCKS = 100_000


def run(report):
    run_dot_general(report)
    run_coverify(report)


def run_dot_general(report):
    from picojoule.models.mx_dot import dot_general
    from picojoule.models.mx_formats import quantize

    size = 1024
    rng = np.random.default_rng(0)
    x = rng.standard_normal((size, size))
    w = rng.standard_normal((size, size))
    x32, w32 = x.astype(np.float32), w.T.astype(np.float32)
    for name in ("mxfp8_e4m3", "mxfp4_e2m1", "nvfp4"):
        qa, qb = quantize(x, fmt=name), quantize(w, fmt=name)

        # the float32 baseline is timed alternately with the model (best of each)
        def model(qa=qa, qb=qb):
            return dot_general(qa, qb)

        t, base = _best_interleaved(model, lambda: x32 @ w32)
        report(
            f"dot_general {name} 1024^3, Gaussian data (fp32 block accumulation)",
            t * 1e3,
            "ms",
            baseline=("float32 matmul time", base * 1e3),
            target="<= 10x" if name != "nvfp4" else None,
        )


def run_coverify(report):
    """100,000 blocks of one k = 32 unit co-verified on Icarus, whole runs (vectors, golden
    model, image build or reuse, simulation, comparison) in one simulator process and split
    over two; then on Verilator (image built first, outside the timing)."""
    import tempfile

    from picojoule.base.errors import UserError
    from picojoule.models.units import standard_suite
    from picojoule.sim.design import export_designs
    from picojoule.sim.mx_verify import co_verify_mx
    from picojoule.sim.simulators import check_simulator

    spec = next(s for s in standard_suite() if s.name == UNIT)

    def timed(design, *, simulator, jobs, label):
        """Co-verify BLOCKS blocks; report the whole run (target 60 s) and its simulation."""
        verdict = co_verify_mx(design, simulator=simulator, count=BLOCKS, jobs=jobs)
        if verdict.mismatches:
            raise RuntimeError(f"{UNIT} differs from its golden model on {simulator}")
        name = f"{simulator.capitalize()} {UNIT}"
        whole = f"{name}: {verdict.vectors:,} blocks, whole co-verification, {label}"
        report(whole, verdict.seconds, "s", target="<= 60 s")
        report(f"{name}: simulation only, {label}", verdict.sim_seconds, "s")

    with tempfile.TemporaryDirectory() as tmp:
        design = export_designs([spec], tmp)[0]
        for jobs in (1, 2):
            processes = "1 simulator process" if jobs == 1 else f"{jobs} simulator processes"
            timed(design, simulator="icarus", jobs=jobs, label=processes)
        try:
            check_simulator("verilator")
        except UserError as error:
            print(f"  Verilator skipped: {error}")
            return
        co_verify_mx(design, simulator="verilator", count=1000)  # builds the image
        timed(design, simulator="verilator", jobs=1, label="image built")
