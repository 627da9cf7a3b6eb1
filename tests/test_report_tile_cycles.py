"""Cycles simulated per tile: shorter for the cores whose figures are stable, stated in the report."""

from picojoule.cost.suite_jobs import SHORT_TILE_CYCLES, TILE_CYCLES, tile_cycles
from picojoule.cost.tiles import cost_tiles
from picojoule.report_lut import _cycles_sentence


def test_lut_tiles_and_the_fp8_array_run_shorter():
    cycles = {entry.core: tile_cycles(entry) for entry in cost_tiles()}
    assert cycles["lut"] == cycles["mac-fp8"] == SHORT_TILE_CYCLES
    for core in ("mac-int", "mac-int8", "mac-int16", "mac-lmul"):
        assert cycles[core] == TILE_CYCLES


def test_the_report_names_the_cycles_of_each_core():
    tiles = [
        {"core": "lut", "cycles": 2048},
        {"core": "lut", "cycles": 2048},
        {"core": "mac-int", "cycles": 4096},
        {"core": "mac-fp8", "cycles": 2048},
    ]
    text = _cycles_sentence(tiles)
    assert "2,048 for lut, mac-fp8; 4,096 for mac-int" in text
    assert "within 0.5%" in text
    assert _cycles_sentence([{"core": "lut"}]) == ""
