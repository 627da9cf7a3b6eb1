"""Atomic outputs: whole or not at all, with ordinary permissions."""

import os
import stat

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
