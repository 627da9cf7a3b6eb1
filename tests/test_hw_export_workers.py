"""A unit kind registered at run time reaches spawned worker processes: the parallel Verilog
export and the report's job pool build it there (`picojoule.base.workers`)."""

import io
from dataclasses import dataclass

import numpy as np
import pytest

from picojoule.base.pool import run_jobs
from picojoule.hw import export, registry
from picojoule.hw.pipeline import UnitComponent
from picojoule.models import units


@dataclass(frozen=True)
class IntXor(units.IntAdd):
    """Bitwise ``a ^ b`` of two integer codes, zero-extended into ``out``."""

    kind = "int_xor_worker"

    @property
    def contract(self):
        return f"{self.a.name} ^ {self.b.name} (codes) -> {self.out.name}"

    def golden(self, a, b):
        return (np.asarray(a, dtype=np.uint64) ^ np.asarray(b, dtype=np.uint64)).astype(
            self.out.code_dtype
        )


class IntXorUnit(UnitComponent):
    KIND = "int_xor_worker"

    def datapath(self, m, a, b, cut):
        return a.as_unsigned() ^ b.as_unsigned()


@pytest.fixture
def int_xor():
    units.register_unit(IntXor)
    registry.register_generator(IntXorUnit)
    yield IntXor
    del units.UNIT_KINDS[IntXor.kind], registry.GENERATORS[IntXorUnit.KIND]


def test_parallel_export_builds_a_kind_registered_here(tmp_path, int_xor):
    specs = [int_xor(a="uint4", b="uint4"), int_xor(a="uint8", b="uint8", stages=1)]
    for spec in specs:
        export._TEXTS.pop((spec, None), None)
    export.convert_in_parallel(specs, cache_dir=None, jobs=2)
    for spec in specs:  # converted by the workers, not here
        assert f"module {spec.name}(" in export._TEXTS[(spec, None)]
    manifest = export.export_suite(tmp_path / "v", specs=specs, cache_dir=None, jobs=2)
    assert [u["kind"] for u in manifest["units"]] == [IntXor.kind] * 2


def test_the_job_pool_builds_a_kind_registered_here(int_xor):
    specs = [int_xor(a="int4", b="int4"), int_xor(a="int8", b="int8")]
    texts = run_jobs(export.verilog_source, specs, workers=2, label="x", stream=io.StringIO())
    assert [f"module {s.name}(" in t for s, t in zip(specs, texts)] == [True, True]


def test_a_kind_workers_cannot_import_is_one_line_error(tmp_path):
    @dataclass(frozen=True)
    class Local(units.IntAdd):
        kind = "int_local_worker"

    units.register_unit(Local)
    try:
        with pytest.raises(ValueError, match="define it at the top level of a module") as error:
            export.convert_in_parallel(
                [Local(a="int4", b="int4"), Local(a="int8", b="int8")], cache_dir=None, jobs=2
            )
        assert "\n" not in str(error.value) and "Local" in str(error.value)
    finally:
        del units.UNIT_KINDS[Local.kind]


def test_no_run_time_kinds_no_calls():
    from picojoule.base.workers import worker_calls

    assert worker_calls() == []
