"""Issue 11 outputs and errors: each case a user hit, reproduced through the command line."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from picojoule.base.outputs import MARKER
from picojoule.cli import main

PICOJOULE = [sys.executable, "-m", "picojoule.cli"]
UNIT = "int_add_int8_int8_int9_s0"
QUICK_REPORT = ["--no-verify", "--no-lut", "--unit", UNIT, "--ops", "100"]
QUICK_REPORT += ["--accuracy-samples", "1000"]
ADDER = "module add2(input [1:0] a, input [1:0] b, output [2:0] y); assign y = a + b; endmodule\n"


def _env(tmp_path):
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "PICOJOULE_CACHE": ""}


def _error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working directory that is not a picojoule checkout, with its own user cache."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PICOJOULE_CACHE", raising=False)
    return work


def test_accuracy_refuses_a_foreign_folder_and_keeps_its_files(elsewhere, capsys):
    mydata = elsewhere / "mydata"
    mydata.mkdir()
    (mydata / "notes.txt").write_text("notes")
    assert main(["accuracy", "--samples", "1000", "--out", "mydata"]) == 2
    assert "did not create and holds notes.txt" in _error_line(capsys)
    assert sorted(p.name for p in mydata.iterdir()) == ["notes.txt"]
    assert main(["accuracy", "--samples", "1000", "--out", "mydata", "--force"]) == 0
    assert (mydata / "notes.txt").read_text() == "notes"
    assert {"accuracy.csv", "accuracy.png", MARKER} <= {p.name for p in mydata.iterdir()}


def test_report_refuses_a_file_before_any_work(elsewhere, capsys):
    readme = elsewhere / "README.md"
    readme.write_text("readme")
    assert main(["report", "--out", "README.md", *QUICK_REPORT]) == 2
    line = _error_line(capsys)
    assert "README.md is a file, not a folder" in line
    assert readme.read_text() == "readme"
    assert sorted(p.name for p in elsewhere.iterdir()) == ["README.md"]  # no work, no .old
    assert "[1/5]" not in capsys.readouterr().out


def test_out_dot_is_refused_in_one_line_or_works_in_an_empty_folder(elsewhere, capsys):
    (elsewhere / "keep.txt").write_text("k")
    assert main(["accuracy", "--samples", "1000", "--out", "."]) == 2
    assert "--out . is a folder picojoule did not create" in _error_line(capsys)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    (elsewhere / "keep.txt").unlink()
    assert main(["accuracy", "--samples", "1000", "--out", "."]) == 0
    assert sorted(p.name for p in elsewhere.iterdir()) == [
        MARKER,
        "accuracy.csv",
        "accuracy.png",
    ]


def test_report_keeps_the_accuracy_folder_and_replaces_only_its_outputs(elsewhere, capsys):
    assert main(["accuracy", "--samples", "1000", "--out", "reports/accuracy"]) == 0
    before = (elsewhere / "reports" / "accuracy" / "accuracy.csv").read_text()
    for _ in range(2):
        assert main(["report", "--out", "reports", *QUICK_REPORT]) == 0
    reports = elsewhere / "reports"
    assert (reports / "accuracy" / "accuracy.csv").read_text() == before
    assert {"report.md", "summary.json", "figures", "accuracy"} <= {
        p.name for p in reports.iterdir()
    }
    assert not [p for p in reports.iterdir() if p.name.startswith(".picojoule-tmp")]


def test_ctrl_c_leaves_no_temporary_and_no_created_folder(elsewhere, monkeypatch, capsys):
    from picojoule import report_accuracy

    def interrupted(records, path):
        Path(path).write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(report_accuracy, "accuracy_plot", interrupted)
    assert main(["accuracy", "--samples", "1000", "--out", "new/acc"]) == 130
    assert "interrupted" in _error_line(capsys)
    assert not (elsewhere / "new" / "acc").exists()


def test_sigterm_during_the_work_leaves_nothing(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    run = subprocess.Popen(
        [*PICOJOULE, "accuracy", "--samples", "20000000", "--out", "acc"],
        cwd=work,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(6)
    run.send_signal(signal.SIGTERM)
    _, err = run.communicate(timeout=120)
    assert run.returncode == 130, err
    assert list(work.iterdir()) == []


def test_numeric_flags_out_of_range_name_the_flag(elsewhere, capsys):
    for argv, flag in (
        (["gemm", "--m", "-4", "--out", "g"], "--m -4"),
        (["gemm", "--wbits", "5", "--out", "g"], "--wbits 5"),
        (["accuracy", "--samples", "10"], "--samples 10"),
        (["report", "--accuracy-samples", "100"], "--accuracy-samples 100"),
        (["sim", "--vectors", "0"], "--vectors 0"),
        (["generate", "--kind", "lmul", "--a", "e4m3", "--stages", "-1", "-o", "x.v"], "--stages"),
    ):
        assert main(argv) == 2, argv
        assert f"error: {flag}" in _error_line(capsys), argv
    assert list(elsewhere.iterdir()) == []


def test_synth_in_a_working_directory_that_is_not_a_checkout_uses_the_user_cache(
    elsewhere, tmp_path, capsys
):
    (elsewhere / "add2.v").write_text(ADDER)
    assert main(["synth", "add2.v", "--top", "add2", "--json", "out/add2.json"]) == 0
    assert (elsewhere / "out" / "add2.json").is_file()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["add2.v", "out"]  # no build/
    assert any((tmp_path / "xdg" / "picojoule").rglob("*.json"))


def test_output_paths_that_cannot_be_used_are_one_line(elsewhere, capsys):
    (elsewhere / "add2.v").write_text(ADDER)
    (elsewhere / "plain").write_text("")
    for argv, words in (
        (["synth", "add2.v", "--top", "add2", "--json", "plain/x.json"], "is a file, not a folder"),
        (["synth", "add2.v", "--top", "add2", "--json", "."], "is a folder; name a file"),
        (["synth", "missing.v", "--top", "add2"], "missing.v: No such file"),
        (["energy", "add2.v", "--top", "add2", "--liberty", "no.lib"], "no.lib: No such file"),
    ):
        assert main(argv) == 2, argv
        assert words in _error_line(capsys), argv


# -- operating-system failures: read-only target and working directory, full disk ------------


def _run_with_mount(tmp_path, folder, options, argv, *, cwd):
    """Run the CLI with ``folder`` mounted per ``options`` in a private mount namespace
    (root), or made read-only with chmod (other users)."""
    if os.geteuid() != 0:
        if options != "ro":
            pytest.skip("a full disk is simulated with a tmpfs mount, which needs root")
        folder.chmod(0o555)
        try:
            return subprocess.run(
                [*PICOJOULE, *argv], cwd=cwd, env=_env(tmp_path), capture_output=True, text=True
            )
        finally:
            folder.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is needed to mount a read-only or full folder as root")
    if options == "ro":
        mount = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1"'
    else:  # a tiny tmpfs, filled up
        mount = 'mount -t tmpfs -o size=64k tmpfs "$1" && (head -c 1M /dev/zero > "$1/fill" 2>/dev/null; true)'
    script = f'{mount} && shift && cd "$0" && exec "$@"'
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no mount namespace available (unshare -m failed)")
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, str(cwd), str(folder), *PICOJOULE, *argv],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
    )


def _one_line(run, *words):
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["accuracy", "--samples", "1000", "--out", "ro/acc"],
        ["gemm", "--m", "2", "--n", "2", "--k", "4", "--out", "ro/g"],
        ["report", "--out", "ro/r", *QUICK_REPORT],
        ["verilog", "--out", "ro/v", "--only", UNIT],
        ["generate", "--kind", "lmul", "--a", "e4m3", "-o", "ro/l.v"],
        ["synth", "add2.v", "--top", "add2", "--json", "ro/s.json"],
        ["energy", "add2.v", "--top", "add2", "--json", "ro/e.json"],
    ],
    ids=lambda argv: argv[0],
)
def test_read_only_target_is_one_line_before_the_work(tmp_path, argv):
    work = tmp_path / "work"
    (work / "ro").mkdir(parents=True)
    (work / "add2.v").write_text(ADDER)
    run = _run_with_mount(tmp_path, work / "ro", "ro", argv, cwd=work)
    _one_line(run, "ro", "choose")
    assert list((work / "ro").iterdir()) == []


def test_read_only_working_directory(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "add2.v").write_text(ADDER)
    out = tmp_path / "elsewhere" / "add2.json"
    argv = ["synth", "add2.v", "--top", "add2", "--json", str(out)]
    run = _run_with_mount(tmp_path, work, "ro", argv, cwd=work)
    assert run.returncode == 0, run.stderr
    assert out.is_file()
    run = _run_with_mount(tmp_path, work, "ro", ["accuracy", "--samples", "1000"], cwd=work)
    _one_line(run, "reports/accuracy", "choose")


def test_full_disk_is_one_line(tmp_path):
    work = tmp_path / "work"
    (work / "full").mkdir(parents=True)
    run = _run_with_mount(
        tmp_path,
        work / "full",
        "full",
        ["accuracy", "--samples", "1000", "--out", "full/a"],
        cwd=work,
    )
    _one_line(run, "full", "No space left on device", "disk is full")
