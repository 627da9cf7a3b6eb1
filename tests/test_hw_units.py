"""Functional smoke checks of every generator with amaranth.sim against the golden models.

A few hundred vectors per unit (random codes plus directed corners); the exhaustive and
million-vector co-verification is `picojoule.sim`'s job. Pipelined units run with random
input bubbles and random output backpressure; order, values and latency are checked.
"""

import numpy as np
import pytest
from amaranth.sim import Simulator

from picojoule.hw import GENERATORS, build, faults
from picojoule.models import units
from picojoule.models.formats import FloatFormat


def corner_codes(fmt):
    """Zeros, subnormal boundaries, +-1, max finite, Inf and NaN codes of ``fmt``."""
    if not isinstance(fmt, FloatFormat):
        return [
            0,
            1,
            fmt.max_value & ((1 << fmt.width) - 1),
            (1 << fmt.width) - 1,
            1 << (fmt.width - 1),
        ]
    m, s = fmt.mantissa_bits, fmt.sign_mask
    one = fmt.bias << m
    mags = {
        0,
        1,
        fmt.mantissa_mask,
        1 << m,
        one,
        one | 1,
        fmt.max_finite_code,
        fmt.max_finite_code - 1,
        (1 << m) | fmt.mantissa_mask,
    }
    codes = sorted({c for mag in mags for c in (mag, mag | s) if 0 <= mag < s})
    for special in (fmt.inf_code, fmt.nan_code):
        if special is not None:
            codes += [special, special | s]
    return sorted(set(codes))


def vectors(spec, *, n, seed):
    a_fmt, b_fmt = spec.in_formats
    rng = np.random.default_rng(seed)
    ca, cb = corner_codes(a_fmt), corner_codes(b_fmt)
    corner_a, corner_b = (x.ravel() for x in np.meshgrid(ca, cb, indexing="ij"))
    a = np.concatenate([corner_a, rng.integers(0, 1 << a_fmt.width, n)])
    b = np.concatenate([corner_b, rng.integers(0, 1 << b_fmt.width, n)])
    return a.astype(np.int64), b.astype(np.int64)


def reference(spec, a, b):
    """Golden result codes as Python ints (integer units: computed here, independently)."""
    if spec.kind in ("int_mul", "int_add"):
        x, y = spec.a.decode(a).astype(object), spec.b.decode(b).astype(object)
        exact = x * y if spec.kind == "int_mul" else x + y
        return [int(v) % (1 << spec.out.width) for v in exact]
    return [int(v) for v in spec.golden(a.astype(spec.a.code_dtype), b.astype(spec.b.code_dtype))]


def simulate_combinational(spec, a, b, *, fault=None):
    dut = build(spec, fault=fault)
    results = []

    async def testbench(ctx):
        for x, y in zip(a.tolist(), b.tolist()):
            ctx.set(dut.a, x)
            ctx.set(dut.b, y)
            results.append(ctx.get(dut.y))

    sim = Simulator(dut)
    sim.add_testbench(testbench)
    sim.run()
    return results


def simulate_pipelined(spec, a, b, *, seed, fault=None):
    """Drive the stream with random bubbles and backpressure; return (results, latencies)."""
    dut = build(spec, fault=fault)
    rng = np.random.default_rng(seed)
    results, accepted, latencies = [], [], []

    async def testbench(ctx):
        sent, cycle = 0, 0
        while len(results) < len(a):
            steady = cycle < 20  # first cycles: no bubbles, no stalls
            valid = sent < len(a) and (steady or rng.random() < 0.7)
            ready = steady or rng.random() < 0.6
            ctx.set(dut.i.valid, valid)
            if valid:
                ctx.set(dut.i.payload.a, int(a[sent]))
                ctx.set(dut.i.payload.b, int(b[sent]))
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
    sim.add_clock(1e-8)
    sim.add_testbench(testbench)
    sim.run()
    return results, latencies


def _mismatches(spec, a, b, got):
    want = reference(spec, a, b)
    return [(hex(x), hex(y), hex(g), hex(w)) for x, y, g, w in zip(a, b, got, want) if g != w]


# mx_dot units have their own smoke checks (tests/test_hw_mx_dot.py)
SCALAR_SUITE = [spec for spec in units.standard_suite() if spec.kind != "mx_dot"]
COMBINATIONAL = [spec for spec in SCALAR_SUITE if spec.stages == 0] + [
    units.FpMul(a="e4m3", b="e5m2", out="bf16"),
    units.FpMul(a="e5m2", b="e4m3", out="e4m3", overflow="sat"),
    units.FpMul(a="e4m3fnuz", b="e5m2fnuz", out="e4m3fnuz"),
    units.FpMul(a="e2m1", b="e2m3", out="e3m2"),
    units.FpMul(a="fp16", b="fp16", out="e5m2"),
    units.FpAdd(a="e4m3", b="e4m3", out="e4m3"),
    units.FpAdd(a="e5m2", b="e4m3", out="fp16", overflow="sat"),
    units.FpAdd(a="fp16", b="bf16", out="e4m3"),
    units.LMul(fmt="e4m3fnuz", variant="formula", overflow="sat"),
    units.LMul(fmt="e2m1"),
    # bias 0: the largest magnitudes' sum plus the offset sets the adder's top bit
    units.LMul(fmt="e1m6fn"),
    units.LMul(fmt="e1m4finite", overflow="sat"),
    units.LMul(fmt="e1m6", variant="mitchell", overflow="sat"),
    units.LMul(fmt="e1m6fnuz", variant="formula"),
    units.IntMul(a="int8", b="uint8"),
    units.IntMul(a="uint4", b="int16"),
    units.IntAdd(a="uint8", b="int4"),
    units.IntAdd(a="uint16", b="uint16"),
]
PIPELINED = [spec for spec in SCALAR_SUITE if spec.stages > 0] + [
    units.LMul(fmt="bf16", variant="formula", stages=1),
    units.FpMul(a="fp16", b="fp16", out="fp16", stages=4),
    units.IntMul(a="uint8", b="uint8", stages=1),
]


@pytest.mark.parametrize(
    "spec", [s for s in COMBINATIONAL if s.kind in GENERATORS], ids=lambda s: s.name
)
def test_combinational_unit_matches_golden(spec):
    a, b = vectors(spec, n=300, seed=1)
    assert not _mismatches(spec, a, b, simulate_combinational(spec, a, b))[:5]


@pytest.mark.parametrize(
    "spec", [s for s in PIPELINED if s.kind in GENERATORS], ids=lambda s: s.name
)
def test_pipelined_unit_under_backpressure(spec):
    a, b = vectors(spec, n=200, seed=2)
    results, latencies = simulate_pipelined(spec, a, b, seed=3)
    assert not _mismatches(spec, a, b, results)[:5]
    assert min(latencies) == spec.stages  # steady start: exactly the latency
    assert all(lat >= spec.stages for lat in latencies)


# Each fault, on every unit where it is observable (`faults.FAULTS`), must change some results
# (the coverage of faults by units is asserted once, in tests/test_hw_faults.py).
# mx_dot units (block ports) are injected and caught in cocotb: tests/test_sim_mx_dot.py.
FAULTY = [
    (spec, name)
    for name, fault in faults.FAULTS.items()
    for spec in fault.observable_on
    if spec.kind != "mx_dot"
]


@pytest.mark.parametrize(
    "spec, fault",
    [f for f in FAULTY if f[0].kind in GENERATORS],
    ids=lambda x: getattr(x, "name", x),
)
def test_fault_changes_results(spec, fault):
    a, b = vectors(spec, n=600, seed=4)
    if spec.stages:
        got, _ = simulate_pipelined(spec, a, b, seed=5, fault=fault)
    else:
        got = simulate_combinational(spec, a, b, fault=fault)
    assert _mismatches(spec, a, b, got)


def test_unknown_or_unsupported_fault_is_refused():
    with pytest.raises(ValueError, match="unknown fault 'nope'; choose from invert_signal"):
        build(units.IntAdd(a="int8", b="int8"), fault="nope")
    with pytest.raises(ValueError, match="does not apply to lmul"):
        build(units.LMul(fmt="e4m3"), fault="drop_round_increment")
