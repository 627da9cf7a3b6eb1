"""`picojoule report` on a small subset: every output, the records' fields, atomicity."""

import json

import pytest

from picojoule.cli import main
from picojoule.commands.report import write_report
from picojoule.report_data import ReportOptions, collect

UNITS = ["int_add_int8_int8_int9_s0", "lmul_e4m3_int_add_nonsat_s0"]
FIELDS = {
    "name",
    "kind",
    "params",
    "library",
    "cells",
    "area_um2",
    "energy_pj_per_op",
    "power_mw",
    "distribution",
    "delay_ns",
    "energy_pj_per_op_zero_delay",
    "glitch_fraction",
    "glitch_pj",
    "delay_model",
}


def _options(build, cache_dir, jobs=1):
    return ReportOptions(
        units=UNITS,
        n_ops=2000,
        accuracy_samples=2000,
        sections=("units", "calibration", "accuracy"),
        build_dir=build,
        jobs=jobs,
        cache_dir=cache_dir,
    )


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def data(tmp_path_factory, cache_dir):
    build = tmp_path_factory.mktemp("build")
    return collect(_options(build, cache_dir), progress=lambda line: None)


def test_a_warm_rerun_reads_everything_from_the_cache(data, cache_dir, tmp_path, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a warm rerun started worker processes")

    monkeypatch.setattr("picojoule.base.pool.spawn_pool", no_pool)
    monkeypatch.setattr("picojoule.sim.suite.co_verify", no_pool)
    lines = []
    again = collect(_options(tmp_path / "build", cache_dir, jobs=2), progress=lines.append)
    assert again.records == data.records and again.accuracy == data.accuracy
    assert [v["cached"] for v in again.verdicts] == [True, True]
    assert lines[0].startswith("[1/5] exporting 2 units and 0 tiles")


def test_report_writes_every_output(data, tmp_path):
    out = tmp_path / "reports"
    write_report(data, out)
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {
        "report.md",
        "report.html",
        "summary.json",
        "accuracy.csv",
        "figures/area_energy.png",
        "figures/energy_vs_error.png",
        "figures/glitch_energy.png",
    } <= set(names)
    records = json.loads((out / "summary.json").read_text())
    calibration = [r for r in records if "purpose" in r]
    records = [r for r in records if "purpose" not in r]
    assert {r["voltage"] for r in calibration} == {0.9}  # int8 add: Horowitz' operation
    assert [r["name"] for r in calibration] == ["int_add_int8_int8_int9_s0"]
    assert {r["name"] for r in records} == set(UNITS)
    assert {r["distribution"] for r in records} == {"uniform", "gaussian", "laplace"}
    for r in records:
        assert FIELDS <= set(r)
        assert r["library"] == "default"
        assert r["cells"] > 0 and r["area_um2"] > 0 and r["energy_pj_per_op"] > 0
        assert r["delay_model"] == "inertial"
        assert r["energy_pj_per_op"] >= r["energy_pj_per_op_zero_delay"] > 0
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "src='figures" not in html
    md = (out / "report.md").read_text()
    assert "lmul_e4m3_int_add_nonsat_s0" in md and "(his)" in md
    # the calibration states its measured causes: transitions per op and energy per transition
    assert "fJ per transition" in md and "no accounting error was found" in md
    row = [line for line in md.splitlines() if line.startswith("| int8 add | ")][-1]
    transitions, fj = (float(v) for v in row.strip(" |").split(" | ")[-2:])
    parts = calibration[0]["energy_parts_pj"]
    toggles = calibration[0]["toggles_per_op"]["total"]
    assert transitions == pytest.approx(toggles, rel=5e-3)
    assert fj == pytest.approx(1e3 * (parts["switching"] + parts["internal"]) / toggles, rel=5e-3)


def test_report_verifies_units(data):
    assert [v["name"] for v in data.verdicts] == UNITS
    assert all(v["mismatches"] == 0 and v["vectors"] == 65536 for v in data.verdicts)


def test_failed_step_leaves_previous_report(data, tmp_path, monkeypatch):
    out = tmp_path / "reports"
    write_report(data, out)
    before = (out / "report.md").read_text()

    def broken(*args, **kwargs):
        raise RuntimeError("plot failed")

    monkeypatch.setattr("picojoule.report_plots.area_energy", broken)
    with pytest.raises(RuntimeError):
        write_report(data, out)
    assert (out / "report.md").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_unknown_unit_is_one_line_error(capsys):
    assert main(["report", "--unit", "no_such_unit", "--out", "unused"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown unit 'no_such_unit'" in err[0]


def test_multiplier_errors_match_golden(data):
    (point,) = data.errors
    assert point["name"] == "lmul_e4m3_int_add_nonsat_s0"
    assert 0 < point["mean_rel_error"] < 0.2 and point["max_rel_error"] <= 1.0


def test_lut_summary_says_where_the_lut_tile_loses():
    from picojoule.report_lut import lut_summary, paper_comparison

    ratios = [
        {"wbits": 2, "act": "int8", "baseline": "mac-int", "area_ratio": 0.7, "energy_ratio": 0.68},
        {"wbits": 2, "act": "int8", "baseline": "mac-int8", "area_ratio": 0.6, "energy_ratio": 1.5},
    ]
    same_peak, general = lut_summary({"ratios": ratios})
    assert same_peak[0].startswith("int8 x uintW") and same_peak[1] == "0.68x"
    assert same_peak[3] == "0.70x"  # area; [2] is the zero-delay energy ratio
    assert same_peak[5] == "nowhere" and general[5] == "W2A8"
    # glitches moving where the LUT tile wins are named beside the timing-aware verdict
    zero = [{**ratios[0], "energy_ratio_zero_delay": 1.1}, ratios[1]]
    same_peak, _ = lut_summary({"ratios": zero})
    assert same_peak[2] == "1.10x" and same_peak[5] == "nowhere (zero delay: W2A8)"
    assert "0.70x area and 0.68x energy against mac-int;" in paper_comparison({"ratios": ratios})


def test_lut_ratios_compare_per_mac_and_pair_float_tiles_with_fp8_arrays():
    from picojoule.report_lut import _pipelined_sentence, lut_ratios, lut_summary

    def tile(core, w, act, mpc, area, pj, delay=2.0):
        return {
            "core": core,
            "wbits": w,
            "act": act,
            "macs_per_cycle": mpc,
            "area_um2": area,
            "area_um2_per_mac": area / mpc,
            "pj_per_mac": pj,
            "delay_ns": delay,
            "tops_per_mm2_at_fmax": 2 * mpc * 1e3 / (delay * area),
        }

    tiles = [
        tile("lut", 2, "int8", 32, 12000, 0.66, 7.6),
        tile("mac-int", 2, "int8", 32, 8600, 0.45),
        tile("mac-int8", 2, "int8", 8, 7200, 0.99),
        tile("lut", 1, "e4m3", 16, 20000, 0.75),
        tile("lut", 4, "e4m3", 4, 23000, 2.0),
        tile("mac-fp8", 4, "e4m3", 8, 9900, 1.5),
        tile("mac-lmul", 4, "e4m3", 8, 8500, 1.25),
    ]
    ratios = {(r["wbits"], r["act"], r["baseline"]): r for r in lut_ratios(tiles)}
    assert set(ratios) == {
        (2, "int8", "mac-int"),
        (2, "int8", "mac-int8"),
        (1, "e4m3", "mac-fp8"),
        (1, "e4m3", "mac-lmul"),
        (4, "e4m3", "mac-fp8"),
        (4, "e4m3", "mac-lmul"),
    }
    general = ratios[(2, "int8", "mac-int8")]
    assert general["area_ratio"] == pytest.approx((7200 / 8) / (12000 / 32))  # per MAC: 2.4x
    assert general["energy_ratio"] == pytest.approx(0.99 / 0.66)
    assert ratios[(1, "e4m3", "mac-fp8")]["area_ratio"] == pytest.approx((9900 / 8) / 1250)
    # at its own 7.6 ns path the LUT tile delivers 2.4 x 2 / 7.6 = 0.63x the int8 array's TOPS/mm^2
    assert general["fmax_density_ratio"] == pytest.approx(2.4 * 2.0 / 7.6)
    rows = {row[0].split(",")[0]: row for row in lut_summary({"ratios": list(ratios.values())})}
    assert rows["e4m3 multiplier array"][5] == "W1 e4m3"
    # the LUT tile's longer path turns its 2.4x area advantage into a loss at its own clock
    assert rows["general integer MAC array (weights widened to the activation width)"][4] == "0.63x"
    assert _pipelined_sentence({"ratios": list(ratios.values()), "tiles": tiles}) == ""
    piped = dict(tile("lut", 2, "int8", 32, 13000, 0.70, 2.6), pipelined=True)
    tiles.append(piped)
    ratios = lut_ratios(tiles)
    assert [r["pipelined"] for r in ratios].count(True) == 2
    text = _pipelined_sentence({"ratios": ratios, "tiles": tiles})
    assert "clock limit rises by 192-192% for 1.08x the area and 1.06x the energy" in text


def test_calibration_units_come_from_the_registry():
    from picojoule.base.references import HOROWITZ_45NM
    from picojoule.models.units import standard_suite
    from picojoule.report_data import calibration_units

    units = calibration_units(standard_suite())
    assert set(units) == set(HOROWITZ_45NM)
    assert units["int8 mul"] == "int_mul_int8_int8_int16_s0"
    assert units["fp32 add"] == "fp_add_fp32_fp32_fp32_nonsat_s0"
    assert calibration_units([]) == {}
