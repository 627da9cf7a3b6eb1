"""Test strength: every injected fault makes the co-verification fail.

Each fault of `picojoule.hw.faults` is exported into a unit where it applies and verified
exhaustively (8-bit units) or on seeded random vectors plus corners; the run must report
mismatches, with decoded examples. The same units without a fault pass (the suite test).
"""

import pytest

from picojoule.hw.faults import FAULTS
from picojoule.sim.design import export_designs
from picojoule.sim.engine import co_verify

#: Every fault on every unit where it is observable (the coverage is asserted once, in
#: tests/test_hw_faults.py).
#: (mx_dot units run in tests/test_sim_mx_dot.py).
CASES = [
    (name, spec)
    for name, fault in FAULTS.items()
    for spec in fault.observable_on
    if spec.kind != "mx_dot"
]


@pytest.mark.parametrize("fault,spec", CASES, ids=[f"{f}-{s.name}" for f, s in CASES])
def test_fault_makes_co_verification_fail(fault, spec, tmp_path):
    design = export_designs([spec], tmp_path / "verilog", fault=fault)[0]
    verdict = co_verify(design, count=20_000, seed=1, build_root=tmp_path / "sim")
    assert not verdict.passed, f"{fault} in {spec.name} went unnoticed"
    assert verdict.mismatches > 0 and verdict.examples
    assert "expected" in verdict.examples[0]
