"""Accuracy study: analytic properties of its records, and the `picojoule accuracy` command."""

import csv

import numpy as np
import pytest

from picojoule.cli import main
from picojoule.models import accuracy


@pytest.fixture(scope="module")
def records():
    return accuracy.accuracy_records(samples=20_000, seed=3)


def _find(records, **match):
    found = [r for r in records if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, match
    return found[0]


def test_every_case_is_present(records):
    for m in accuracy.M_RANGE:
        for variant in ("int_add", "formula", "mitchell"):
            _find(records, study="gaussian", method="lmul", m=m, variant=variant)
    for name in accuracy.FP8_FORMATS:
        _find(records, study="gaussian", method="fp_mul", format=name)
        for variant in ("int_add", "formula", "mitchell", "rne"):
            _find(records, study="fp8_pairs", format=name, variant=variant)
    assert all(set(r) == set(accuracy.FIELDS) for r in records)


def test_analytic_maxima_on_fp8_pairs(records):
    # Mitchell's worst case is xm = ym = 1/2: 2 against 2.25, an error of exactly 1/9.
    assert _find(records, study="fp8_pairs", format="e4m3", variant="mitchell")[
        "max_rel_error"
    ] == pytest.approx(1 / 9, rel=1e-12)
    # int_add with offset 2^-3 is worst at xm = ym = 0: 1.125 against 1.
    assert (
        _find(records, study="fp8_pairs", format="e4m3", variant="int_add")["max_rel_error"]
        == 0.125
    )
    # One rounding to nearest: at most half an ULP relative to the significand, 2^-(m+1).
    for name, m in (("e4m3", 3), ("e5m2", 2)):
        rne = _find(records, study="fp8_pairs", format=name, variant="rne")
        assert 0 < rne["mean_rel_error"] < rne["max_rel_error"] <= 2.0 ** -(m + 1)
        assert rne["samples"] > 50_000 and rne["excluded"] == 0


def test_error_shrinks_with_mantissa_bits(records):
    rows = [
        _find(records, study="gaussian", method="lmul", m=m, variant="int_add")
        for m in accuracy.M_RANGE
    ]
    vs_input = [r["mean_rel_error_vs_input"] for r in rows]
    assert vs_input[0] > vs_input[1] > vs_input[2]  # m = 2, 3, 4


def test_deterministic_for_a_seed():
    a = accuracy.accuracy_records(samples=2000, seed=5)
    b = accuracy.accuracy_records(samples=2000, seed=5)
    assert a == b


def test_truncate_mantissa():
    x = np.array([1.9999, -1.3, 0.0, 3.75])
    assert accuracy.truncate_mantissa(x, m=1).tolist() == [1.5, -1.0, 0.0, 3.0]


def test_cli_writes_csv_and_png(tmp_path, capsys):
    out = tmp_path / "acc"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    argv = ["accuracy", "--out", str(out), "--samples", "3000", "--seed", "1"]
    assert main(argv) == 2  # a folder picojoule did not create: refused before any work
    assert main([*argv, "--force"]) == 0
    assert (out / "stale.txt").read_text() == "old"  # the user's file is never touched
    with open(out / "accuracy.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == accuracy.FIELDS
    assert len(rows) == len(accuracy.accuracy_records(samples=3000, seed=1))
    assert (out / "accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "wrote" in capsys.readouterr().out


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    out = tmp_path / "acc"
    assert main(["accuracy", "--out", str(out), "--samples", "10"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--samples 10 is out of range" in err
    assert not out.exists()
