"""The report's Block formats section: accuracy study, Pareto front, the flow end to end.

The end-to-end test runs the real section (export, synthesis, timing-aware cost, netlist check,
accuracy, figure, document) on two small formats at k = 2 so that it takes seconds.
"""

import numpy as np
import pytest

from picojoule import report_blocks
from picojoule.base.references import MX_CLAIMS
from picojoule.commands.report import write_report
from picojoule.document import render_markdown
from picojoule.models import mx_accuracy
from picojoule.report_data import ReportOptions, collect
from picojoule.report_document import build


@pytest.fixture(scope="module")
def accuracy():
    return {r["label"]: r for r in report_blocks.accuracy_records()}


def test_block_format_errors_order_by_element_precision(accuracy):
    g = {label: r["rel_rms"]["gaussian"] for label, r in accuracy.items()}
    assert g["MXFP8 e4m3"] < g["MXFP6 e3m2"] < g["MXFP4 e2m1"]
    assert g["MXINT8"] < g["MXFP8 e4m3"] < g["MXFP8 e5m2"]
    assert 0.005 < g["MXFP8 e4m3"] < 0.05 and 0.05 < g["MXFP4 e2m1"] < 0.3
    # NVFP4's finer scales (e4m3, k = 16) beat MXFP4's power-of-two scales at k = 32
    assert g["NVFP4"] < g["MXFP4 e2m1"]
    # an outlier sets its block's scale: the 4-bit elements lose most
    o = {label: r["rel_rms"]["outliers"] for label, r in accuracy.items()}
    assert o["MXFP4 e2m1"] > g["MXFP4 e2m1"]
    assert g["LUT tile W2A8"] > g["LUT tile W4A8"] > g["MXINT8"]
    assert g["e4m3 L-Mul array"] > g["e4m3 MAC array"]


def test_pareto_front():
    points = [("a", 1.0, 0.1), ("b", 2.0, 0.01), ("c", 2.0, 0.2), ("d", 0.5, 0.5)]
    assert report_blocks.pareto(points) == ["a", "b", "d"]


def test_section_end_to_end(tmp_path, monkeypatch):
    units = {k: report_blocks.BLOCK_UNITS[k] for k in ("MXFP4 e2m1", "NVFP4")}
    monkeypatch.setattr(mx_accuracy, "BLOCK_UNITS", units)
    monkeypatch.setattr(mx_accuracy, "COST_K", 2)
    options = ReportOptions(
        sections=("blocks",),
        build_dir=tmp_path / "build",
        cache_dir=tmp_path / "cache",
        jobs=1,
        command="test",
    )
    data = collect(options, progress=lambda line: None)
    rows = {r["label"]: r for r in data.blocks["rows"]}
    assert set(rows) == {"MXFP4 e2m1", "NVFP4", *report_blocks.REFERENCE_TILES}
    for label in units:
        row = rows[label]
        assert row["k"] == 2 and row["pj_per_mac"] > row["pj_per_mac_zero_delay"] > 0
        assert row["netlist_check"] == {"operations": 2000, "mismatches": 0}
        assert row["area_um2_per_mac"] > 0
    assert rows["LUT tile W2A8"]["pj_per_mac"] is None  # the LUT section did not run
    assert [r["kind"] for r in data.block_records] == ["mx_dot", "mx_dot"]
    path = write_report(data, tmp_path / "report")
    text = path.read_text()
    assert "## Block formats" in text and "block_formats.png" in text
    assert (tmp_path / "report" / "figures" / "block_formats.png").stat().st_size > 10_000
    for claim in MX_CLAIMS:
        assert claim.text in text
    assert "published figure (theirs)" in text and "arXiv 2505.13159" in text
    # a rerun reads every figure from the cache
    again = collect(options, progress=lambda line: None)
    assert again.blocks["rows"] == data.blocks["rows"]


def test_losses_name_dominated_formats(accuracy):
    section = {
        "rows": [
            {
                "label": "MXFP8 e4m3",
                "kind": "block",
                "pj_per_mac": 1.0,
                "accuracy": accuracy["MXFP8 e4m3"],
            },
            {
                "label": "MXFP8 e5m2",
                "kind": "block",
                "pj_per_mac": 1.2,
                "accuracy": accuracy["MXFP8 e5m2"],
            },
        ],  # fmt: skip
        "cost_k": 8,
        "shape": report_blocks.SHAPE,
    }
    text = render_markdown(_doc(section))
    assert "MXFP8 e5m2 loses on Gaussian data: MXFP8 e4m3 costs no more energy" in text
    assert np.isfinite(accuracy["MXFP8 e5m2"]["rel_rms"]["gaussian"])


def _doc(section):
    from picojoule.document import Document

    return Document("t").add(*report_blocks.blocks_blocks(section))


def test_report_document_builds_without_blocks():
    """The rest of the report is unchanged when the section did not run."""
    data = collect(
        ReportOptions(sections=("accuracy",), accuracy_samples=1000, cache_dir=None),
        progress=lambda line: None,
    )
    assert data.blocks == {}
    assert "Block formats" not in render_markdown(build(data, figures={}))


def test_headline_names_the_cheapest_the_most_accurate_and_the_dominated_format():
    from picojoule.report_headline import _block_formats

    def row(label, pj, err, kind="block"):
        return {
            "label": label,
            "kind": kind,
            "pj_per_mac": pj,
            "accuracy": {"rel_rms": {"gaussian": err}},
        }

    section = {
        "cost_k": 8,
        "rows": [
            row("MXFP8 e5m2", 1.95, 0.0747),
            row("MXFP6 e3m2", 1.53, 0.0747),
            row("MXFP4 e2m1", 0.751, 0.157),
            row("MXINT8", 2.76, 0.0117),
            row("e4m3 MAC array", 12.3, 0.0423, kind="reference"),
        ],
    }
    text = _block_formats(section)
    assert "MXFP4 e2m1 is the cheapest at 0.751 pJ/MAC with 15.7% error" in text
    assert "MXINT8 the most accurate at 1.2%" in text
    assert "MXFP8 e5m2 is beaten on both energy and error" in text
    assert _block_formats({}) is None


def test_netlist_checks_are_one_line_and_a_mismatch_is_not_hidden():
    ok = {"operations": 2000, "mismatches": 0}
    rows = [
        {"label": "A", "netlist_check": ok},
        {"label": "B", "netlist_check": ok},
        {"label": "T"},
    ]
    assert report_blocks._netlist_notes(rows) == [
        "The netlist of every block unit equals its golden model on all 2,000 costed blocks."
    ]
    rows[1]["netlist_check"] = {"operations": 2000, "mismatches": 3}
    assert report_blocks._netlist_notes(rows) == [
        "The netlist of A equals its golden model on all 2,000 costed blocks."
    ]
