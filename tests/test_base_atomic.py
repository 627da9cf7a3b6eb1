"""Atomic outputs: whole or not at all, with ordinary permissions."""

import os
import stat

import pytest

from picojoule.base import atomic


def test_write_text_replaces_whole_file_with_umask_permissions(tmp_path):
    path = tmp_path / "sub" / "a.txt"
    atomic.write_text(path, "one")
    atomic.write_text(path, "two")
    assert path.read_text() == "two"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in path.parent.iterdir()] == ["a.txt"]


def test_replace_dir_keeps_old_folder_on_failure(tmp_path):
    out = tmp_path / "report"
    with atomic.replace_dir(out) as tmp:
        (tmp / "old.md").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic.replace_dir(out) as tmp:
            (tmp / "new.md").write_text("half")
            raise RuntimeError("step failed")
    assert sorted(p.name for p in out.iterdir()) == ["old.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_replace_dir_replaces_on_success(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "stale.md").write_text("stale")
    with atomic.replace_dir(out) as tmp:
        (tmp / "new.md").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["new.md"]
