"""Calibration against Horowitz' 45 nm figures (his) and costing from a unit manifest."""

import json

import pytest

from picojoule.base.errors import UserError
from picojoule.base.manifest import read_manifest
from picojoule.base.references import HOROWITZ_45NM
from picojoule.cost.calibration import calibrate, markdown_table
from picojoule.cost.units import cost_unit
from picojoule.models.formats import get_format
from picojoule.models.units import IntAdd, IntMul

RTL = """
module int8_add(input [7:0] a, input [7:0] b, output [8:0] y); assign y = a + b; endmodule
module int32_add(input [31:0] a, input [31:0] b, output [32:0] y); assign y = a + b; endmodule
module int8_mul(input signed [7:0] a, input signed [7:0] b, output signed [15:0] y); assign y = a * b; endmodule
"""


def test_integer_units_within_3x_of_horowitz(tmp_path):
    src = tmp_path / "int.v"
    src.write_text(RTL)
    int8, int32 = get_format("int8"), get_format("int32")
    rows = calibrate(
        {
            "int8 add": (src, "int8_add", int8, int8),
            "int32 add": (src, "int32_add", int32, int32),
            "int8 mul": (src, "int8_mul", int8, int8),
        },
        n=20_000,
        cache_dir=tmp_path / "cache",
    )
    for row in rows:
        assert row.horowitz_pj == HOROWITZ_45NM[row.operation][0]
        # zero-delay toggles: within 3x of his figure; glitches only add energy on top
        assert 1 / 3 <= row.energy_pj_zero_delay / row.horowitz_pj <= 3, row
        assert row.energy_pj >= row.energy_pj_zero_delay
        assert row.ratio <= 4, (row.operation, row.energy_pj)
        assert 1 / 3 <= row.area_ratio <= 3, (row.operation, row.area_um2)
    assert rows[0].energy_pj < rows[1].energy_pj  # wider adder costs more
    assert "Horowitz" in markdown_table(rows)


def test_cost_unit_from_manifest(tmp_path):
    src = tmp_path / "units.v"
    src.write_text(RTL)
    specs = {"int8_add": IntAdd(a="int8", b="int8"), "int8_mul": IntMul(a="int8", b="int8")}
    manifest = {
        "units": [
            {
                "name": spec.name,
                "kind": spec.kind,
                "top": top,
                "verilog": "units.v",
                "params": spec.params(),
                "ports": {
                    "a": {"direction": "in", "width": 8, "role": "operand"},
                    "b": {"direction": "in", "width": 8, "role": "operand"},
                    "y": {"direction": "out", "width": spec.out_format.width, "role": "result"},
                },
                "latency": 0,
            }
            for top, spec in specs.items()
        ]
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    folder, units = read_manifest(tmp_path / "manifest.json")
    records = [
        cost_unit(u, manifest_dir=folder, distribution="gaussian", n=5000, cache_dir=tmp_path / "c")
        for u in units
    ]
    for record, spec in zip(records, specs.values()):
        assert record["name"] == spec.name and record["params"] == spec.params()
        assert record["library"] == "default" and record["distribution"] == "gaussian"
        assert record["energy_pj_per_op"] > 0 and record["power_mw"] == pytest.approx(
            record["energy_pj_per_op"]
        )
    assert records[1]["energy_pj_per_op"] > records[0]["energy_pj_per_op"]
    with pytest.raises(UserError, match="run make verilog"):
        read_manifest(tmp_path / "missing.json")
    for text in ('{"unit": []}', '{"units": 3}', "not json"):
        (tmp_path / "bad.json").write_text(text)
        with pytest.raises(UserError, match="not a picojoule manifest"):
            read_manifest(tmp_path / "bad.json")
