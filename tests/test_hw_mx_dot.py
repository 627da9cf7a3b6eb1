"""The mx_dot generator in amaranth.sim against the golden model (smoke checks, small k).

The 100,000-block and exhaustive k = 1 co-verification in cocotb is `picojoule.sim.mx_verify`'s
job (tests/test_sim_mx_dot.py); here a few hundred blocks per configuration catch datapath
bugs quickly, combinational and pipelined under backpressure.
"""

import numpy as np
import pytest
from amaranth.sim import Simulator

from picojoule.hw import build
from picojoule.models.mx_unit import MxDot
from picojoule.sim.mx_vectors import block_vectors


def _simulate(spec, a, b, *, fault=None, seed=0):
    dut = build(spec, fault=fault)
    results, latencies = [], []
    rng = np.random.default_rng(seed)

    async def combinational(ctx):
        for x, y in zip(a, b):
            ctx.set(dut.a, x)
            ctx.set(dut.b, y)
            results.append(ctx.get(dut.y))

    async def stream(ctx):
        sent, cycle, accepted = 0, 0, []
        while len(results) < len(a):
            steady = cycle < 10
            valid = sent < len(a) and (steady or rng.random() < 0.7)
            ready = steady or rng.random() < 0.6
            ctx.set(dut.i.valid, valid)
            if valid:
                ctx.set(dut.i.payload.a, a[sent])
                ctx.set(dut.i.payload.b, b[sent])
            ctx.set(dut.o.ready, ready)
            if valid and ctx.get(dut.i.ready):
                accepted.append(cycle)
                sent += 1
            if ready and ctx.get(dut.o.valid):
                latencies.append(cycle - accepted[len(results)])
                results.append(ctx.get(dut.o.payload))
            await ctx.tick()
            cycle += 1
            assert cycle < 20 * len(a) + 100, "pipeline stalled"

    sim = Simulator(dut)
    if spec.stages:
        sim.add_clock(1e-8)
        sim.add_testbench(stream)
    else:
        sim.add_testbench(combinational)
    sim.run()
    return results, latencies


def _sample(vectors, n):
    """n blocks spread over the directed and random ones (amaranth.sim is slow on wide units)."""
    return vectors.subset(np.linspace(0, len(vectors) - 1, n).astype(int))


def _mismatches(spec, vectors, got):
    want = spec.golden(vectors.a, vectors.b).tolist()
    return [
        (hex(x), hex(y), hex(g), hex(w))
        for x, y, g, w in zip(vectors.a, vectors.b, got, want)
        if g != w
    ]


SPECS = [
    MxDot(a="e5m2", k=3),
    MxDot(a="int8", k=2),
    MxDot(a="e2m1", k=3, scale="e4m3"),
    MxDot(a="e4m3", b="e2m1", k=2, products="exact", out="bf16"),
    MxDot(a="e4m3", k=3, products="lmul"),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_combinational_matches_golden(spec):
    vectors = _sample(block_vectors(spec, count=40, seed=1), 60)
    got, _ = _simulate(spec, vectors.a, vectors.b)
    assert not _mismatches(spec, vectors, got)[:5]


@pytest.mark.parametrize(
    "spec",
    [MxDot(a="e4m3", k=2, stages=2), MxDot(a="e2m1", k=3, scale="e4m3", stages=3)],
    ids=lambda s: s.name,
)
def test_pipelined_under_backpressure(spec):
    vectors = _sample(block_vectors(spec, count=30, seed=2), 40)
    got, latencies = _simulate(spec, vectors.a, vectors.b, seed=3)
    assert not _mismatches(spec, vectors, got)[:5]
    assert min(latencies) == spec.stages and min(latencies) == max(latencies[:5])


def test_yosys_synthesizes_small_units(tmp_path):
    """Every datapath variant (scale formats, product types, mixed, int8, pipelined) at small k."""
    import subprocess

    from picojoule.hw import tools
    from picojoule.hw.export import export_unit

    yosys = tools.require_tool("yosys")
    specs = [
        MxDot(a="int8", k=2),
        MxDot(a="e2m1", k=2, scale="e4m3"),
        MxDot(a="e4m3", b="e5m2", k=2, out="bf16"),
        MxDot(a="e4m3", k=2, products="lmul", stages=2),
    ]
    for spec in specs:
        entry = export_unit(spec, tmp_path)
        script = f"read_verilog {tmp_path / entry['verilog']}; synth -top {entry['top']}; stat"
        run = subprocess.run([yosys, "-q", "-p", script], capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-500:]
