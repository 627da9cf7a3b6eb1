"""The report run's plan: sections, unit and tile selection, the command it names; the
headline and the verification line computed from the records."""

import pytest

from picojoule.commands.report import command_line
from picojoule.document import Details, Document, Paragraph, Table, render_html, render_markdown
from picojoule.models.units import standard_suite
from picojoule.report_data import (
    SECTIONS,
    ReportData,
    ReportOptions,
    plan,
    select_specs,
    select_tiles,
)
from picojoule.report_document import _verification_summary
from picojoule.report_headline import calibration_sentence, headline_sentences


def test_default_runs_every_section_and_every_tile():
    options = ReportOptions()
    assert options.selected_sections() == SECTIONS
    tiles = select_tiles(options)
    assert len(tiles) == len({t.name for t in tiles}) > 20
    steps = plan(options, specs=select_specs(None), tiles=tiles)
    assert steps == ["export", "verify", "cost", "accuracy", "lut-accuracy", "blocks", "write"]


def test_a_unit_narrows_the_tiles_to_those_using_it():
    options = ReportOptions(units=["lmul_e4m3_int_add_nonsat_s0"])
    assert "accuracy" not in options.selected_sections()  # studies only when asked
    assert [t.core for t in select_tiles(options)] == ["mac-lmul"]
    only_adder = ReportOptions(units=["int_add_int8_int8_int9_s0"])
    assert select_tiles(only_adder) == []
    steps = plan(only_adder, specs=select_specs(only_adder.units), tiles=[])
    assert steps == ["export", "verify", "cost", "write"]


def test_tiles_by_name_and_unknown_names():
    name = select_tiles(ReportOptions())[0].name
    assert [t.name for t in select_tiles(ReportOptions(tiles=[name]))] == [name]
    with pytest.raises(ValueError, match="unknown tile 'tile_nope'"):
        select_tiles(ReportOptions(tiles=["tile_nope"]))
    with pytest.raises(ValueError, match="unknown section 'nope'"):
        ReportOptions(sections=("nope",)).selected_sections()


def test_a_block_unit_is_pointed_to_the_block_section():
    blocks = [s.name for s in standard_suite() if s.kind == "mx_dot"]
    assert blocks and not set(blocks) & {s.name for s in select_specs(None)}
    with pytest.raises(ValueError, match="block-format unit.*--section blocks"):
        select_specs([blocks[0]])


def test_sections_run_alone():
    options = ReportOptions(sections=("accuracy",))
    assert plan(options, specs=[], tiles=[]) == ["accuracy", "write"]
    options = ReportOptions(sections=("lut",), verify=False)
    assert plan(options, specs=[], tiles=select_tiles(options)) == ["export", "cost", "write"]
    # the block-format units are co-verified before they are costed, also when run alone
    options = ReportOptions(sections=("blocks",))
    assert plan(options, specs=[], tiles=[]) == ["verify", "blocks", "write"]
    no_verify = ReportOptions(sections=("blocks",), verify=False)
    assert plan(no_verify, specs=[], tiles=[]) == ["blocks", "write"]


def test_the_report_names_the_command_that_made_it(monkeypatch):
    monkeypatch.delenv("MAKELEVEL", raising=False)
    assert command_line(["report"]) == "picojoule report"
    assert command_line(["report", "--unit", "a b"]) == "picojoule report --unit 'a b'"
    monkeypatch.setenv("MAKELEVEL", "1")
    assert command_line(["report"]) == "make report"
    assert command_line(["report", "--section", "lut"]) == "picojoule report --section lut"


def _data(**fields):
    base = dict(
        options=ReportOptions(),
        specs=[],
        manifest={},
        verdicts=[],
        records=[],
        calibration=[],
        accuracy=[],
        lut={},
        tools={},
    )
    return ReportData(**{**base, **fields})


def test_headline_sentences_carry_their_numbers():
    savings = [
        {
            "format": "e4m3",
            "variant": "int_add",
            "energy_saving": 0.686,
            "energy_saving_zero_delay": -0.05,
        },
        {
            "format": "fp32",
            "variant": "int_add",
            "energy_saving": 0.931,
            "energy_saving_zero_delay": 0.9,
        },
    ]
    lut = {
        "dot_product_saving": {"saving": 0.173, "lmul_pj_per_mac": 1.24, "fp8_pj_per_mac": 1.5},
        "ratios": [
            {"wbits": 1, "act": "int8", "baseline": "mac-int8", "energy_ratio": 2.4},
            {"wbits": 4, "act": "int8", "baseline": "mac-int8", "energy_ratio": 0.97},
            {"wbits": 1, "act": "int8", "baseline": "mac-int", "energy_ratio": 0.8},
        ],
    }
    errors = [
        {
            "format": "e4m3",
            "variant": v,
            "overflow": "nonsat",
            "mean_rel_error": e,
            "pairs": 100,
            "zero_results": z,
        }
        for v, e, z in (("int_add", 0.102, 5), ("rne", 0.027, 1))
    ]
    per_multiply, dot, tile, accuracy = headline_sentences(
        _data(lut=lut, errors=errors), savings=savings
    )
    assert "68.6% (e4m3) to 93.1% (fp32)" in per_multiply and "only at fp32" in per_multiply
    assert "(-5.0% to 90.0% counting settled values only" in per_multiply
    assert "flips the conclusion at e4m3)" in per_multiply
    assert "17.3%, not the paper's 80%" in dot
    assert "general int8 MAC array at W1 (2.4x less; 1.0x more at W4)" in tile
    assert "same peak throughput at every W (1.2x more)" in tile
    assert "10.2% against 2.7%" in accuracy and "5 vs 1 of 100 products" in accuracy
    assert headline_sentences(_data(), savings=[]) == []
    # one sentence per family: no full stop before the end
    assert all(". " not in s.replace("vs. ", "") for s in (per_multiply, dot, tile, accuracy))


def test_calibration_is_one_sentence_beside_the_method():
    rows = [
        {"operation": op, "ratio": r, "ratio_zero_delay": z, "voltage": 0.9}
        for op, r, z in (("int8 add", 2.3, 1.3), ("fp32 mul", 5.8, 2.8), ("fp16 add", 1.5, 1.1))
    ]
    text = calibration_sentence(rows)
    assert text.startswith("Absolute energies: ours for 3 of Horowitz' 45 nm")
    assert "1.5-5.8x his figures" in text and "(1.1-2.8x with zero-delay toggles)" in text
    assert "2 of 3 lie outside the 2x goal" in text
    assert calibration_sentence([]) is None


def test_verification_is_one_line_counting_extra_columns():
    verdicts = [
        {"name": "a", "vectors": 10, "mismatches": 0, "netlist_proved": True},
        {"name": "b", "vectors": 5, "mismatches": 0, "netlist_proved": False},
        {"name": "c", "vectors": 1, "mismatches": 0, "rtl_equals_netlist": True},
    ]
    line = _verification_summary(verdicts, vectors=100)
    assert "all 3 units" in line and "16 vectors, 0 mismatches" in line
    assert "netlist proved: 1 of 2 units" in line
    assert "RTL = netlist proven: 1 of 1 units" in line
    assert "block-format" not in line
    line = _verification_summary(verdicts, vectors=100, blocks=20_000)
    assert "the block-format units 20,000 random blocks plus directed ones" in line


def test_details_collapse_in_html_and_notes_follow_tables(tmp_path):
    doc = Document("t").add(
        Paragraph("answer", css="headline"),
        Details("Appendix: rows", [Table(["x"], [[1.23456]], notes=["* a note"])]),
    )
    html = render_html(doc, root=tmp_path)
    assert "<p class='headline'>answer</p>" in html
    assert "<details><summary>Appendix: rows</summary>" in html and "</details>" in html
    assert "<td class='n'>1.23</td>" in html and "<p class='note'>* a note</p>" in html
    md = render_markdown(doc)
    assert "## Appendix: rows" in md and "| 1.23 |" in md and "<sub>* a note</sub>" in md


def test_a_tile_alone_runs_no_units(tmp_path, monkeypatch):
    from picojoule import report_data

    name = select_tiles(ReportOptions())[0].name
    seen = {}

    def stop(options, *, specs, tiles):
        seen["specs"], seen["tiles"] = specs, tiles
        raise RuntimeError("planned")

    monkeypatch.setattr(report_data, "plan", stop)
    with pytest.raises(RuntimeError, match="planned"):
        report_data.collect(ReportOptions(tiles=[name], build_dir=tmp_path), progress=print)
    assert seen["specs"] == [] and [t.name for t in seen["tiles"]] == [name]
