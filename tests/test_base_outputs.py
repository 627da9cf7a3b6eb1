"""Output folders a command owns: refused before work when unsafe, only its own files replaced."""

import json

import pytest

from picojoule.base import outputs
from picojoule.base.errors import UserError

OUTS = ("report.md", "figures")


def _write(tmp, names):
    for name in names:
        if name == "figures":
            (tmp / name).mkdir()
            (tmp / name / "a.png").write_text("png")
        else:
            (tmp / name).write_text(name)


def test_new_folder_gets_outputs_and_marker(tmp_path):
    out = tmp_path / "a" / "b"
    with outputs.owned_folder(out, command="report", outputs=OUTS) as tmp:
        _write(tmp, OUTS)
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "figures", "report.md"]
    marker = json.loads((out / outputs.MARKER).read_text())
    assert marker == {"commands": {"report": ["figures", "report.md"]}}


def test_failure_keeps_previous_outputs_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "r"
    with outputs.owned_folder(out, command="report", outputs=OUTS) as tmp:
        (tmp / "report.md").write_text("old")
    for error in (RuntimeError, KeyboardInterrupt):
        with pytest.raises(error):
            with outputs.owned_folder(out, command="report", outputs=OUTS) as tmp:
                (tmp / "report.md").write_text("half")
                raise error("step failed")
    assert (out / "report.md").read_text() == "old"
    assert sorted(p.name for p in out.iterdir()) == [outputs.MARKER, "report.md"]


def test_failure_removes_a_folder_it_created(tmp_path):
    out = tmp_path / "new"
    with pytest.raises(KeyboardInterrupt):
        with outputs.owned_folder(out, command="report", outputs=OUTS):
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_replaces_only_own_outputs_and_drops_own_stale_ones(tmp_path):
    out = tmp_path / "r"
    with outputs.owned_folder(out, command="report", outputs=OUTS) as tmp:
        _write(tmp, OUTS)
    (out / "notes.txt").write_text("mine")  # the user's file, added later
    with outputs.owned_folder(out, command="report", outputs=OUTS) as tmp:
        (tmp / "report.md").write_text("new")
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "report.md").read_text() == "new"
    assert not (out / "figures").exists()  # own output of the previous run, not rewritten


def test_refuses_a_file(tmp_path):
    path = tmp_path / "README.md"
    path.write_text("readme")
    with pytest.raises(UserError, match="is a file, not a folder"):
        with outputs.owned_folder(path, command="report", outputs=OUTS):
            pass
    assert path.read_text() == "readme"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_refuses_a_foreign_folder_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("notes")
    with pytest.raises(UserError, match="did not create and holds notes.txt.*--force"):
        outputs.check_folder(tmp_path, command="report", outputs=OUTS)
    with outputs.owned_folder(tmp_path, command="report", outputs=OUTS, force=True) as tmp:
        (tmp / "report.md").write_text("r")
    assert (tmp_path / "notes.txt").read_text() == "notes"
    assert (tmp_path / "report.md").read_text() == "r"


def test_refuses_another_commands_folder_unless_forced(tmp_path):
    with outputs.owned_folder(tmp_path, command="accuracy", outputs=("accuracy.csv",)) as tmp:
        (tmp / "accuracy.csv").write_text("a")
    with pytest.raises(UserError, match="holds the outputs of picojoule accuracy"):
        outputs.check_folder(tmp_path, command="report", outputs=OUTS)
    with outputs.owned_folder(tmp_path, command="report", outputs=OUTS, force=True) as tmp:
        (tmp / "report.md").write_text("r")
    marker = json.loads((tmp_path / outputs.MARKER).read_text())["commands"]
    assert marker == {"accuracy": ["accuracy.csv"], "report": ["report.md"]}


def test_nested_folder_of_another_command_is_kept(tmp_path):
    """make accuracy writes reports/accuracy/; make report must keep it."""
    reports = tmp_path / "reports"
    with outputs.owned_folder(reports / "accuracy", command="accuracy", outputs=("*.csv",)) as t:
        (t / "accuracy.csv").write_text("a")
    for _ in range(2):
        with outputs.owned_folder(reports, command="report", outputs=OUTS) as tmp:
            _write(tmp, OUTS)
    assert (reports / "accuracy" / "accuracy.csv").read_text() == "a"


def test_folder_of_own_outputs_without_marker_is_own(tmp_path):
    """A report folder written before markers existed (e.g. the committed reports/)."""
    _write(tmp_path, OUTS)
    with outputs.owned_folder(tmp_path, command="report", outputs=OUTS) as tmp:
        (tmp / "report.md").write_text("new")
    assert not (tmp_path / "figures").exists()
    assert (tmp_path / "report.md").read_text() == "new"


def test_missing_parents_are_created_and_file_checks(tmp_path):
    assert outputs.check_file(tmp_path / "x" / "y.json", flag="--json").name == "y.json"
    with pytest.raises(UserError, match="--json .* is a folder"):
        outputs.check_file(tmp_path, flag="--json")
    (tmp_path / "f").write_text("")
    with pytest.raises(UserError, match="is a file, not a folder"):
        outputs.check_file(tmp_path / "f" / "y.json", flag="--json")


def test_os_error_line_names_path_and_fix():
    import errno

    line = outputs.os_error_line(OSError(errno.EROFS, "Read-only file system", "/x/y"))
    assert line == (
        "cannot use /x/y: Read-only file system; that file system is read-only; "
        "choose a path on a writable disk"
    )
