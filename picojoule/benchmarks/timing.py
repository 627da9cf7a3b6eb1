"""Timing-aware (glitch) simulation speed beside the zero-delay engine, on the fp32 multiplier."""

import os
import tempfile
import time
from pathlib import Path

from picojoule.base.ports import unit_ports
from picojoule.cost.gatesim import simulate
from picojoule.cost.operands import operand_stream
from picojoule.cost.synth import synthesize
from picojoule.cost.timingsim import simulate_timing
from picojoule.hw.export import manifest_entry, verilog_source
from picojoule.models.units import FpMul

TITLE = "cost flow: timing simulation with glitches (fp32 multiplier, 20,000 Gaussian operations)"

N_OPS = 20_000


def run(report):
    spec = FpMul(a="fp32", b="fp32", out="fp32")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "fp32_mul.v"
        src.write_text(verilog_source(spec))
        netlist = synthesize(verilog=src, top=spec.name, cache_dir=None, progress=None).netlist
    fmt_a, fmt_b = spec.in_formats
    a = operand_stream(fmt=fmt_a, dist="gaussian", n=N_OPS, seed=1)
    b = operand_stream(fmt=fmt_b, dist="gaussian", n=N_OPS, seed=2)
    streams, holds = unit_ports(manifest_entry(spec)["ports"]).drive(a, b)
    small = {k: v[:256] for k, v in streams.items()}
    simulate_timing(netlist, inputs=small, holds=holds)  # compile (numba caches it on disk)
    # CPU times are per core, but a loaded machine still slows them (caches, memory bandwidth)
    report("load average (1 min) before the timed runs", os.getloadavg()[0], "")
    start = time.perf_counter()
    simulate(netlist, inputs=streams, holds=holds)
    zero_s = time.perf_counter() - start
    report(f"zero-delay engine ({len(netlist.instances)} cells)", zero_s, "s")
    start, cpu = time.perf_counter(), time.process_time()
    timing = simulate_timing(netlist, inputs=streams, holds=holds)
    timing_s, timing_cpu = time.perf_counter() - start, time.process_time() - cpu
    report("timing engine, inertial, 1 ps step (wall clock)", timing_s, "s")
    # one core: the kernel is single-threaded, so its CPU time is its time on an idle core
    report(
        "timing engine, inertial, 1 ps step (CPU time, one core)",
        timing_cpu,
        "s",
        baseline=("zero-delay", zero_s),
        target="<= 10 s",
    )
    timing_s = timing_cpu
    report(
        "  gate evaluations (cell x step with an input change, any lane) / s",
        timing.evaluations / timing_s,
        "1/s",
    )
    report(
        "  gate evaluations, bit-parallel (cell x step x 64-op word with an input change) / s",
        64 * timing.word_evaluations / timing_s,
        "1/s",
        target=">= 1e9",
    )
    report(
        "  gate evaluations, only operations whose inputs changed / s",
        timing.lane_evaluations / timing_s,
        "1/s",
    )
    report(
        "  transitions per operation: all / functional",
        timing.toggles.sum() / max(timing.functional.sum(), 1),
        "x",
    )
