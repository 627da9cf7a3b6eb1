"""Sweep files: parsing, axes, explicit points, sampling, and one-line errors for bad files."""

import subprocess
import sys
from pathlib import Path

import pytest

from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.sweep.spec import load_spec

GOOD = """\
[sweep]
seed = 3
voltage = [0.9, 1.1]

[[units]]
kind = "lmul"
format = ["e4m3", "e3m4fnuz"]
variant = ["int_add", "mitchell", "formula"]

[[units]]
kind = "int_add"
width = 6
signed = false
voltage = 1.0

[[tiles]]
core = ["lut", "mac-int"]
wbits = [1, 2]

[[points]]
kind = "fp_mul"
a = "e5m2"
b = "e5m2"
out = "e5m2"
overflow = "sat"
"""


def _write(tmp_path, text, name="spec.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_axes_are_cartesian_per_table_and_points_are_single(tmp_path):
    spec = load_spec(_write(tmp_path, GOOD))
    units = [p for p in spec.points if p["family"] == "units"]
    tiles = [p for p in spec.points if p["family"] == "tiles"]
    assert len(units) == 2 * 3 * 2 + 1 + 2  # lmul grid x voltages, int_add, fp_mul at 2 V
    assert len(tiles) == 2 * 2 * 2
    assert {p["voltage"] for p in units if p["kind"] == "int_add"} == {1.0}  # table wins
    assert {p["voltage"] for p in tiles} == {0.9, 1.1}
    assert spec.settings["seed"] == 3 and spec.settings["vectors"] == 20_000


def test_sample_is_seeded_and_a_subset(tmp_path):
    text = GOOD.replace("seed = 3", "seed = 3\nsample = 5")
    first = load_spec(_write(tmp_path, text)).points
    again = load_spec(_write(tmp_path, text)).points
    full = load_spec(_write(tmp_path, GOOD)).points
    assert len(first) == 5 and first == again
    assert all(p in full for p in first)


BAD = [
    # (what, text, key named in the message, line)
    ("unknown key", GOOD.replace('variant = ["int_add"', 'varaint = ["int_add"'), "varaint", 8),
    ("unknown format", GOOD.replace('"e3m4fnuz"', '"e4m9x"'), "format", 7),
    ("empty axis", GOOD.replace("wbits = [1, 2]", "wbits = []"), "wbits", 18),
    ("wrong type", GOOD.replace("width = 6", 'width = "six"'), "width", 12),
    ("wrong type in [sweep]", GOOD.replace("seed = 3", 'seed = "3"'), "seed", 2),
    ("unknown variant", GOOD.replace('"mitchell", "formula"', '"mitchell", "fast"'), "variant", 8),
    ("tile out of range", GOOD.replace("wbits = [1, 2]", "wbits = [1, 9]"), "wbits", 18),
    ("unknown kind", GOOD.replace('kind = "int_add"', 'kind = "int_div"'), "kind", 11),
    (
        "list in an explicit point",
        GOOD.replace('overflow = "sat"', 'overflow = ["sat"]'),
        "overflow",
        25,
    ),
]


@pytest.mark.parametrize("what,text,key,line", BAD, ids=[b[0] for b in BAD])
def test_bad_files_name_key_and_line_exit_2_and_write_nothing(
    tmp_path, capsys, what, text, key, line
):
    spec = _write(tmp_path, text)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert f"key '{key}'" in err and f"spec.toml:{line}:" in err, err
    assert not out.exists()


def test_missing_tensor_and_library_files_are_errors(tmp_path):
    text = GOOD.replace("voltage = [0.9, 1.1]", 'operands = "acts.npy"')
    with pytest.raises(UserError, match=r"spec.toml:3: sweep key 'operands': cannot read"):
        load_spec(_write(tmp_path, text))
    text = GOOD.replace("voltage = 1.0", 'library = "cells.lib"')
    with pytest.raises(UserError, match=r"spec.toml:14: units\[2\] key 'library'"):
        load_spec(_write(tmp_path, text))


def test_invalid_toml_is_one_line_exit_2(tmp_path):
    spec = _write(tmp_path, "[sweep\nseed = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "picojoule.cli", "sweep", str(spec), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "not valid TOML" in proc.stderr
    assert not (tmp_path / "o").exists()


def test_examples_parse():
    root = Path(__file__).resolve().parents[1] / "examples" / "sweeps"
    sizes = {path.stem: len(load_spec(path).points) for path in sorted(root.glob("*.toml"))}
    assert sizes["smoke"] <= 8
    assert set(sizes) >= {"smoke", "fp8-formats", "lmul-vs-rne", "lut-vs-mac"}


def test_out_folder_of_other_files_is_refused_unless_forced(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(GOOD)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["sweep", str(spec), "--out", str(out), "--list"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "notes.txt" in err[0] and "--force" in err[0]
    assert main(["sweep", str(spec), "--out", str(out), "--list", "--force"]) == 0
    assert (out / "notes.txt").read_text() == "keep me"
    (tmp_path / "afile").write_text("x")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "afile"), "--list"]) == 2
    assert "is a file" in capsys.readouterr().err
    # a folder holding only a sweep's own files is the sweep's: a rerun resumes there
    done = tmp_path / "done"
    done.mkdir()
    for name in ("results.jsonl", "results.csv", "index.html", ".lock"):
        (done / name).write_text("")
    assert main(["sweep", str(spec), "--out", str(done), "--list"]) == 0
