"""The report's float LUT accuracy study: its conclusion computed from the numbers, shown in the
document and the JSON (the study itself: tests/test_models_lut_accuracy.py)."""

import json

import pytest

from picojoule.commands.report import write_report
from picojoule.models.lut_accuracy import KIND, lut_accuracy_records
from picojoule.report_data import ReportData, ReportOptions
from picojoule.report_lut_accuracy import accuracy_summary

TINY = {"m": 2, "k": 64, "n": 3, "seed": 11}


@pytest.fixture(scope="module")
def tiny_records():
    return lut_accuracy_records(
        **TINY, acts=("fp16", "e4m3"), wbits=(1, 2), distributions=("gaussian", "laplace")
    )


def _record(act, table, wbits, lut, mac):
    return {
        "kind": KIND,
        "distribution": "gaussian",
        "gemm_shape": {"m": 1, "k": 8, "n": 1},
        "params": {"act": act, "table": table, "acc": "fp32", "wbits": wbits, "k": 4},
        "table_is_activation_format": act == table,
        "rel_mean": lut,
        "mac_reference": {"rel_mean": mac},
    }


def test_conclusion_is_computed_from_the_numbers():
    records = [
        _record("e4m3", "e4m3", 1, 1e-2, 0.0),
        _record("e4m3", "fp16", 1, 5e-6, 0.0),
        _record("e4m3", "fp32", 1, 0.0, 0.0),
        _record("fp16", "fp16", 1, 1.5e-8, 1e-8),
        _record("fp16", "fp32", 1, 1e-8, 1e-8),
    ]
    e4m3, fp16 = accuracy_summary(records)
    assert e4m3[:4] == ["e4m3", "0.01", "0 (exact) (fp32)", "fp16: 5e-06; fp32: 0 (exact)"]
    assert e4m3[4] == "dominates (the error without it is 0); fp32 tables remove it"
    assert fp16[1] == "1.5e-08" and fp16[4] == "adds at most 1.5x"
    records[3]["rel_mean"] = 1e-4
    assert (
        accuracy_summary(records)[1][4]
        == "dominates (10,000x or more the error without it); fp32 tables remove it"
    )


def test_report_shows_the_study(tiny_records, tmp_path):
    data = ReportData(
        options=ReportOptions(),
        specs=[],
        manifest={},
        verdicts=[],
        records=[],
        calibration=[],
        accuracy=[],
        lut={},
        tools={
            "yosys": "yosys",
            "library": "default",
            "voltage": 1.1,
            "clock_ghz": 1.0,
            "n_ops": 2,
        },
        lut_accuracy=tiny_records,
    )
    out = tmp_path / "reports"
    write_report(data, out)
    md = (out / "report.md").read_text()
    assert "Float activations: LUT error against the exact product" in md
    for row in accuracy_summary(tiny_records):
        assert f"| {row[0]} | {row[1]} |" in md
    for r in tiny_records:
        p = r["params"]
        assert f"| {p['wbits']} | {p['act']} | {p['table']} | {r['distribution']} |" in md
    assert md.count("LUT: LUT mpGEMM W x A: tables in T") == 1  # the contract, stated once
    assert "figures/lut_accuracy.png" in md and (out / "figures/lut_accuracy.png").is_file()
    assert "data:image/png;base64," in (out / "report.html").read_text()
    assert json.loads((out / "summary.json").read_text()) == []  # unit records only
    saved = json.loads((out / "lut.json").read_text())["accuracy"]
    assert saved == tiny_records
    for r in saved:
        assert {
            "name",
            "kind",
            "params",
            "contract",
            "distribution",
            "operands",
            "gemm_shape",
            "rel_mean",
            "rel_max",
            "elem_rel_median",
        } <= set(r)
        assert {"contract", "rel_mean", "rel_max", "elem_rel_median"} <= set(r["mac_reference"])
