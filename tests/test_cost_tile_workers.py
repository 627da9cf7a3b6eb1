"""A tile core registered at run time (spec, generator, cost facts) reaches the report's spawned
export workers, which build its tile there."""

import dataclasses
import io

import pytest

from picojoule.base.pool import run_jobs
from picojoule.cost.suite_jobs import run_export_job
from picojoule.cost.tiles import COST_FACTS, TileEntry
from picojoule.hw.tiles import TILE_GENERATORS
from picojoule.models.lut_gemm import LutGemmSpec
from picojoule.models.tiles import TILE_CORES, register_core

CORE = "lut-worker"


@pytest.fixture
def lut_alias():
    """The LUT core once more, under another name, in all three registries."""
    register_core(dataclasses.replace(TILE_CORES["lut"], name=CORE))
    TILE_GENERATORS[CORE] = TILE_GENERATORS["lut"]
    COST_FACTS[CORE] = COST_FACTS["lut"]
    yield
    del TILE_CORES[CORE], TILE_GENERATORS[CORE], COST_FACTS[CORE]


def test_export_workers_build_a_core_registered_here(tmp_path, lut_alias):
    entries = [
        TileEntry(core=CORE, spec=LutGemmSpec(m=1, n=2, k=4, wbits=w, act="int8")) for w in (1, 2)
    ]
    jobs = [("tile", entry, str(tmp_path), None) for entry in entries]
    records = run_jobs(run_export_job, jobs, workers=2, label="x", stream=io.StringIO())
    assert [r["name"] for r in records] == [e.name for e in entries]
    assert [r["kind"] for r in records] == ["lut_tile", "lut_tile"]
    for record in records:
        assert f"module {record['name']}(" in (tmp_path / record["verilog"]).read_text()
