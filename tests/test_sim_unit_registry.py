"""The unit registry: a small extra kind registered in one module per layer (a spec class in
the models layer, a generator in hw) is seen by `picojoule generate`, the Verilog export, the
co-verification and the cost flow, with no other change."""

import json
from dataclasses import dataclass

import numpy as np
import pytest

from picojoule.cli import main
from picojoule.cost.units import cost_unit
from picojoule.hw import registry
from picojoule.hw.export import export_suite
from picojoule.hw.pipeline import UnitComponent
from picojoule.models import units
from picojoule.models.formats import IntFormat
from picojoule.sim.design import load_manifest
from picojoule.sim.engine import co_verify


@dataclass(frozen=True)
class IntSub(units.IntAdd):
    """Integer subtractor ``a - b``: the exact difference wrapped modulo 2^out.width."""

    kind = "int_sub"

    @property
    def contract(self):
        return f"{self.a.name} - {self.b.name} -> {self.out.name}, exact, wraps"

    def golden(self, a, b):
        diff = self.a.decode(a).astype(np.int64) - self.b.decode(b).astype(np.int64)
        return self.out.encode(diff)


class IntSubUnit(UnitComponent):
    KIND = "int_sub"

    def datapath(self, m, a, b, cut):
        signed = self.spec.a.signed
        a, b = (a.as_signed(), b.as_signed()) if signed else (a.as_unsigned(), b.as_unsigned())
        return a - b


@pytest.fixture
def int_sub():
    units.register_unit(IntSub)
    registry.register_generator(IntSubUnit)
    yield IntSub
    del units.UNIT_KINDS["int_sub"], registry.GENERATORS["int_sub"]


def test_every_suite_unit_round_trips_through_its_registered_kind():
    for spec in units.standard_suite():
        assert units.unit_from_params(spec.kind, spec.params()) == spec
        assert type(registry.build(spec)).KIND == spec.kind


def test_a_kind_is_registered_once():
    with pytest.raises(ValueError, match="registered twice"):
        units.register_unit(units.FpMul)
    with pytest.raises(ValueError, match="registered twice"):
        registry.register_generator(registry.GENERATORS["lmul"])


def test_extra_kind_through_generate_export_verify_and_cost(tmp_path, capsys, int_sub):
    out = tmp_path / "sub.v"
    argv = ["generate", "--kind", "int_sub", "--width", "6", "--unsigned", "-o", str(out)]
    assert main([*argv, "--manifest", str(tmp_path / "m.json")]) == 0
    entry = json.loads((tmp_path / "m.json").read_text())["units"][0]
    assert entry["kind"] == "int_sub" and entry["name"] == "int_sub_uint6_uint6_uint7_s0"
    assert "module int_sub_uint6_uint6_uint7_s0(" in out.read_text()
    assert main(["generate", "--kind", "int_sub", "--a", "int8", "--variant", "formula",
                 "-o", str(out)]) == 2  # fmt: skip
    assert "--variant applies to lmul, not int_sub" in capsys.readouterr().err

    specs = [int_sub(a="int8", b="int8"), int_sub(a="int16", b="int16", stages=2)]
    manifest = export_suite(tmp_path / "verilog", specs=specs, cache_dir=None, jobs=1)
    assert [u["kind"] for u in manifest["units"]] == ["int_sub", "int_sub"]
    designs = load_manifest(tmp_path / "verilog" / "manifest.json")
    assert [d.spec for d in designs] == specs
    for design in designs:
        verdict = co_verify(design, count=2000, build_root=tmp_path / "sim")
        assert verdict.vectors >= 2000 and verdict.mismatches == 0

    record = cost_unit(
        manifest["units"][0],
        manifest_dir=tmp_path / "verilog",
        distribution="gaussian",
        n=500,
        cache_dir=None,
    )
    assert record["kind"] == "int_sub" and record["energy_pj_per_op"] > 0
    assert record["area_um2"] > 0


def test_extra_kind_golden_is_checked_by_co_verification(tmp_path, int_sub, monkeypatch):
    """A wrong golden model of the extra kind is caught: the registry's golden is the one used."""
    spec = int_sub(a="int8", b="int8")
    export_suite(tmp_path / "v", specs=[spec], cache_dir=None)
    (design,) = load_manifest(tmp_path / "v" / "manifest.json")
    monkeypatch.setattr(IntSub, "golden", lambda self, a, b: IntFormat("uint9", 9, False).encode(
        np.zeros(len(a), dtype=np.int64)))  # fmt: skip
    verdict = co_verify(design, build_root=tmp_path / "sim")
    assert verdict.mismatches > 0
