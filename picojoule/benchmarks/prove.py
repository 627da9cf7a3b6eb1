"""`picojoule prove` speed: bf16 L-Mul (int_add) netlist and golden model, and a full sweep.

The golden models of the other 16-bit suite units (fp_mul bf16/fp16, fp_add fp16, L-Mul formula)
run compiled per-pair loops; each is timed on one sweep chunk against its numpy definition (the
path before them) in the same process, after checking both agree on that chunk.

The exhaustive sweep of all 2^32 pairs is measured on a fraction of the space (the first
`FRACTION` of the pairs, on 2 worker processes) and extrapolated; `make prove` sweeps all of it.
"""

import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from picojoule.cost import prove as prove_module
from picojoule.cost.gatesim import simulate
from picojoule.cost.sweep_netlist import NetlistSweep
from picojoule.cost.synth import synthesize
from picojoule.hw.export import verilog_source
from picojoule.models import arith, lmul
from picojoule.models.units import FpAdd, FpMul, LMul

TITLE = (
    "prove: bf16 L-Mul int_add netlist and golden model over operand pairs; the golden models "
    "of the other 16-bit units"
)

FRACTION = 1 / 64  # of the 2^32 pairs, for the extrapolated exhaustive sweep
WORDS = 4096  # one chunk: 262,144 pairs


def _cpu_rate(function, pairs, *, repeat=8):
    function()
    start = time.process_time()
    for _ in range(repeat):
        function()
    return repeat * pairs / (time.process_time() - start)


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _definition(spec):
    """The numpy definition of ``spec``'s golden model on wide pairs (the path before the
    compiled loops), as a function of (a, b)."""
    if spec.kind == "lmul":
        return lambda a, b: lmul._lmul_direct(
            a.astype(np.int64),
            b.astype(np.int64),
            fmt=spec.fmt,
            variant=spec.variant,
            overflow=spec.overflow,
        )
    direct = arith._fp_mul_direct if spec.kind == "fp_mul" else arith._fp_add_direct
    return lambda a, b: direct(
        a, b, a_fmt=spec.a, b_fmt=spec.b, out_fmt=spec.out, overflow=spec.overflow
    )


#: The 16-bit units whose golden models run compiled per-pair loops in `make prove`.
WIDE_GOLDENS = (
    FpMul(a="bf16", b="bf16", out="bf16"),
    FpMul(a="fp16", b="fp16", out="fp16"),
    FpAdd(a="fp16", b="fp16", out="fp16"),
    LMul(fmt="bf16", variant="formula"),
    LMul(fmt="fp16", variant="formula"),
)


def _report_wide_goldens(report, a, b):
    pairs = len(a)
    for spec in WIDE_GOLDENS:
        fast = spec.golden(a, b)
        definition = _definition(spec)
        np.testing.assert_array_equal(fast, definition(a, b))  # bit-exact on this chunk
        report(
            f"golden {spec.contract} (compiled loop), pairs per CPU second",
            _cpu_rate(lambda spec=spec: spec.golden(a, b), pairs),
            "pairs/s",
            baseline=(
                "numpy definition",
                _cpu_rate(lambda definition=definition: definition(a, b), pairs, repeat=2),
            ),
            target=">= 5e7 on one core",
        )


def run(report):
    spec = LMul(fmt="bf16")
    fmt = spec.fmt
    with tempfile.TemporaryDirectory() as tmp:
        verilog = Path(tmp) / f"{spec.name}.v"
        verilog.write_text(verilog_source(spec))
        synth = synthesize(verilog=verilog, top=spec.name, progress=None)
    sweep = NetlistSweep(netlist=synth.netlist, spec=spec)
    pairs = WORDS * 64
    first = 12_345 * WORDS
    codes = np.arange(first * 64, first * 64 + pairs, dtype=np.uint64)
    a = (codes & np.uint64(0xFFFF)).astype(np.uint16)
    b = (codes >> np.uint64(16)).astype(np.uint16)

    golden = _cpu_rate(lambda: lmul.lmul(a, b, fmt=fmt), pairs)
    direct = _cpu_rate(
        lambda: lmul._lmul_direct(
            a.astype(np.int64),
            b.astype(np.int64),
            fmt=fmt,
            variant="int_add",
            overflow=spec.overflow,
        ),
        pairs,
        repeat=2,
    )
    report(
        "golden bf16 L-Mul int_add (sum tables), pairs per CPU second",
        golden,
        "pairs/s",
        baseline=("direct vectorized model", direct),
        target=">= 5e7 on one core",
    )
    _report_wide_goldens(report, a, b)
    words = sweep.exhaustive_words(first, WORDS)
    netlist = _cpu_rate(lambda: sweep._evaluate(words), pairs)
    energy_path = _cpu_rate(
        lambda: simulate(synth.netlist, inputs={"a": a, "b": b}, record_outputs=True),
        pairs,
        repeat=2,
    )
    report(
        f"netlist ({len(synth.netlist.instances)} cells), pairs per CPU second",
        netlist,
        "pairs/s",
        baseline=("gatesim.simulate with recorded outputs (energy path)", energy_path),
    )
    chunk = _cpu_rate(
        lambda: sweep.run_exhaustive(first_word=first, n_words=WORDS, max_examples=10), pairs
    )
    report(
        "one chunk: input words, netlist, codes, golden, compare; pairs per CPU second",
        chunk,
        "pairs/s",
    )
    # the driver on 2 workers over a fraction of the space, extrapolated to all 2^32 pairs
    function, tasks = prove_module.plan_tasks(sweep, sample=None, seed=1, max_examples=10)
    tasks = tasks[: max(2, int(len(tasks) * FRACTION))]
    done = sum(n for _, n in tasks)
    cpu = _children_cpu()
    start = time.perf_counter()
    checked, mismatches, _ = prove_module.run_tasks(
        sweep, function, tasks, jobs=2, max_mismatches=10, show_progress=False, label="bench"
    )
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu
    assert checked == done and mismatches == 0, "the bf16 L-Mul netlist disagrees with its model"
    scale = (1 << 32) / done
    report(
        f"exhaustive 2^32 pairs on 2 workers, wall clock (measured on {done:,} pairs, "
        f"x{scale:.0f})",
        wall * scale / 60,
        "min",
        target="<= 15 min, aim 5",
    )
    report(
        "same, CPU time of the workers / 2 (the wall clock on 2 idle cores)",
        cpu * scale / 2 / 60,
        "min",
    )
