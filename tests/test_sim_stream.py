"""Pipelined units: random input valid and output backpressure, order and latency checked."""

import dataclasses

import pytest

from picojoule.models.units import FpMul, IntMul
from picojoule.sim.design import export_designs
from picojoule.sim.engine import co_verify, co_verify_per_vector
from picojoule.sim.vectors import vector_set

INT_MUL_S2 = IntMul(a="int8", b="int8", stages=2)


@pytest.fixture(scope="module")
def designs(tmp_path_factory):
    out = tmp_path_factory.mktemp("stream")
    specs = [INT_MUL_S2, FpMul(a="e4m3", b="e4m3", out="e4m3", stages=2)]
    return {d.spec.name: d for d in export_designs(specs, out / "verilog")}, out


def test_heavy_backpressure_keeps_order_and_latency(designs):
    found, out = designs
    design = found[INT_MUL_S2.name]
    verdict = co_verify(design, p_valid=48, p_ready=40, seed=5, build_root=out / "sim")
    assert verdict.passed, verdict.examples
    assert verdict.vectors == 65536
    # with rare ready the pipeline must stall: far more cycles than transfers
    assert verdict.cycles > 3 * verdict.vectors


def test_wrong_latency_is_reported(designs):
    found, out = designs
    design = dataclasses.replace(found[INT_MUL_S2.name], latency=3)
    verdict = co_verify(design, count=2000, build_root=out / "sim")
    assert not verdict.passed
    assert any("latency is 3" in e for e in verdict.examples)


def test_python_driven_stream_testbench(designs):
    found, out = designs
    design = found["fp_mul_e4m3_e4m3_e4m3_nonsat_s2"]
    spec = design.spec
    vectors = vector_set(spec)
    short = dataclasses.replace(vectors, a=vectors.a[::23], b=vectors.b[::23])
    verdict = co_verify_per_vector(
        design, vectors=short, seed=3, p_valid=100, p_ready=100, build_root=out / "sim"
    )
    assert verdict.passed, verdict.examples
    assert verdict.vectors == short.a.size and verdict.cycles > verdict.vectors


def test_python_driven_stream_catches_wrong_latency(designs):
    found, out = designs
    design = dataclasses.replace(found[INT_MUL_S2.name], latency=1)
    vectors = vector_set(INT_MUL_S2)
    short = dataclasses.replace(vectors, a=vectors.a[:500], b=vectors.b[:500])
    verdict = co_verify_per_vector(design, vectors=short, build_root=out / "sim")
    assert not verdict.passed and any("latency is 1" in e for e in verdict.examples)
