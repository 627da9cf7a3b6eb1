"""Test strength: every injected fault makes the co-verification fail.

Each fault of `picojoule.hw.faults` is exported into a unit where it applies and verified
exhaustively (8-bit units) or on seeded random vectors plus corners; the run must report
mismatches, with decoded examples. The same units without a fault pass (the suite test).
"""

import pytest

from picojoule.hw.faults import FAULTS, faults_for
from picojoule.models.units import FpAdd, FpMul, IntAdd, LMul
from picojoule.sim.design import export_designs
from picojoule.sim.engine import co_verify

E4M3_MUL = FpMul(a="e4m3", b="e4m3", out="e4m3")
CASES = [
    ("invert_signal", IntAdd(a="int8", b="int8")),
    ("invert_signal", E4M3_MUL),
    ("invert_signal", LMul(fmt="e4m3")),
    ("drop_round_increment", E4M3_MUL),
    ("drop_round_increment", FpAdd(a="fp16", b="fp16", out="fp16")),
    ("lmul_offset_off_by_one", LMul(fmt="e4m3")),
    ("lmul_offset_off_by_one", LMul(fmt="bf16", variant="formula")),
    ("subnormal_shift", E4M3_MUL),
    ("subnormal_shift", FpAdd(a="fp16", b="fp16", out="fp16")),
    ("swap_nan_inf", FpMul(a="e5m2", b="e5m2", out="e5m2")),
    ("swap_nan_inf", E4M3_MUL),
    ("swap_nan_inf", LMul(fmt="e5m2", variant="mitchell")),
    ("drop_round_increment", FpMul(a="e4m3", b="e4m3", out="e4m3", stages=2)),
]

#: Faults that apply to a scalar unit kind (all but those only mx_dot takes).
_SCALAR_FAULTS = {
    name
    for name in FAULTS
    if any(name in faults_for(kind) for kind in ("fp_mul", "fp_add", "lmul", "int_mul", "int_add"))
}


def test_every_fault_is_exercised():
    """Every fault is injected into a scalar unit here or, for faults that only mx_dot units
    take, into a block unit in tests/test_sim_mx_dot.py (every fault of `faults_for("mx_dot")`)."""
    mx_only = {name for name in faults_for("mx_dot") if name not in _SCALAR_FAULTS}
    assert {fault for fault, _ in CASES} | mx_only == set(FAULTS)
    assert {fault for fault, _ in CASES} == _SCALAR_FAULTS


@pytest.mark.parametrize("fault,spec", CASES, ids=[f"{f}-{s.name}" for f, s in CASES])
def test_fault_makes_co_verification_fail(fault, spec, tmp_path):
    design = export_designs([spec], tmp_path / "verilog", fault=fault)[0]
    verdict = co_verify(design, count=20_000, seed=1, build_root=tmp_path / "sim")
    assert not verdict.passed, f"{fault} in {spec.name} went unnoticed"
    assert verdict.mismatches > 0 and verdict.examples
    assert "expected" in verdict.examples[0]
