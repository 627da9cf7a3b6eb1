"""Outputs a command owns: checked before any work, replaced atomically, nothing else touched.

An output folder is written through `owned_folder`. Before any work, `check_folder` refuses

- a path that is an existing file (picojoule never turns a file into a folder);
- a non-empty folder that picojoule did not create, unless ``force``: a folder counts as
  created by a command when its marker file (`MARKER`) lists that command, or, for folders
  written before markers existed, when every entry matches the command's output names;
- a folder whose marker lists only other commands, unless ``force``;
- a target in which a file cannot be created (read-only, missing permission, full disk).

`owned_folder` then yields a temporary folder inside the target; on success each output is
moved into place with one rename (files and folders alike), the command's own previous
outputs that this run did not write again are removed, and the marker is updated. Entries the
command does not own are never removed or changed; with ``force``, an entry that bears one of
the new output names is replaced. On any exit path (an exception, Ctrl-C) the temporary folder
is removed, and a target folder this run created is removed again if it is still empty.

`check_file` does the same checks for a single output file, which `picojoule.base.atomic`
then writes through a temporary file and a rename. `os_error_line` turns an `OSError` into
the one line the CLI prints: the path, what went wrong and how to fix it.
"""

import contextlib
import errno
import fnmatch
import json
import os
import shutil
import tempfile
from pathlib import Path

from picojoule.base.atomic import write_text
from picojoule.base.errors import UserError

__all__ = [
    "MARKER",
    "os_error_line",
    "check_writable",
    "check_file",
    "check_folder",
    "owned_folder",
]

MARKER = ".picojoule-outputs.json"
_OWN_PREFIX = ".picojoule-"  # temporary entries of this module (and the marker)

_FIXES = {
    errno.EACCES: "make it writable (chmod u+w) or choose another path",
    errno.EPERM: "make it writable or choose another path",
    errno.EROFS: "that file system is read-only; choose a path on a writable disk",
    errno.ENOSPC: "the disk is full; free some space or choose a path on another disk",
    errno.EDQUOT: "the disk quota is exhausted; free some space or choose another disk",
    errno.ENOENT: "the file or its folder does not exist; check the path",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the path",
    errno.EISDIR: "it is a folder; name a file",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter path",
}


def os_error_line(error, *, fix=None):
    """One line for ``error``: the path, the system's reason and the fix."""
    path = error.filename if error.filename is not None else "a file"
    reason = error.strerror or str(error)
    fix = fix or _FIXES.get(error.errno, "check the path and its permissions")
    return f"cannot use {path}: {reason}; {fix}"


def _nearest_existing(path):
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor)


def check_writable(folder, *, fix=None, context=None):
    """`UserError` unless a file can be created and written in the existing ``folder``;
    ``context`` (e.g. ``"--out DIR"``) starts the message."""
    where = f"{context}: " if context else ""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f"{_OWN_PREFIX}probe-")
    except OSError as error:
        error.filename = str(folder)
        raise UserError(where + os_error_line(error, fix=fix)) from None
    try:
        with os.fdopen(fd, "wb") as probe:
            probe.write(b"\0" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        error.filename = str(folder)
        raise UserError(where + os_error_line(error, fix=fix)) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)


def check_creatable(target, *, flag=None, shown=None):
    """`UserError` unless ``target`` (a folder, existing or to be created with its parents)
    can be written: its nearest existing ancestor must be a writable folder."""
    target = Path(os.path.abspath(target))
    ancestor = _nearest_existing(target)
    if not ancestor.is_dir():
        where = f"{flag} {shown}: " if flag else ""
        raise UserError(f"{where}{ancestor} is a file, not a folder; check the path")
    check_writable(ancestor, context=f"{flag} {shown}" if flag else None)


def check_file(path, *, flag):
    """The absolute path of an output file, after the checks; missing folders are created
    later by the write. `UserError` for a folder at ``path`` or an unwritable location."""
    target = Path(os.path.abspath(Path(path).expanduser()))
    if target.is_dir():
        raise UserError(f"{flag} {path} is a folder; name a file to write")
    check_creatable(target.parent, flag=flag, shown=path)
    return target


def _read_marker(folder):
    try:
        commands = json.loads((folder / MARKER).read_text()).get("commands")
    except (OSError, ValueError, AttributeError):
        return None
    return commands if isinstance(commands, dict) else None


def _matches(name, outputs):
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in outputs)


def _entries(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(_OWN_PREFIX))


def _foreign(folder, outputs):
    """Entries that are neither ``outputs`` nor another picojoule command's marked folder."""
    return [
        name
        for name in _entries(folder)
        if not _matches(name, outputs) and not (folder / name / MARKER).is_file()
    ]


def check_folder(path, *, command, outputs, force=False, flag="--out"):
    """The absolute path of an output folder after the checks above (before any work)."""
    target = Path(os.path.abspath(Path(path).expanduser()))
    if target.exists() and not target.is_dir():
        raise UserError(
            f"{flag} {path} is a file, not a folder; choose a folder path "
            "(picojoule never replaces a file by a folder)"
        )
    if target.is_dir():
        marker = _read_marker(target)
        if not force and marker is not None and command not in marker:
            raise UserError(
                f"{flag} {path} holds the outputs of picojoule {', '.join(sorted(marker))}; "
                f"choose another folder, or pass --force to add {command}'s outputs beside them"
            )
        foreign = _foreign(target, outputs) if marker is None else []
        if foreign and not force:
            more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
            raise UserError(
                f"{flag} {path} is a folder picojoule did not create and holds {foreign[0]}{more}; "
                f"choose a new or empty folder, or pass --force to write {command}'s outputs "
                "beside them (nothing else is touched)"
            )
    check_creatable(target, flag=flag, shown=path)
    return target


def _install(target, tmp, *, command, outputs):
    """Move every entry of ``tmp`` into ``target``, drop stale own outputs, update the marker."""
    marker = _read_marker(target)
    if marker is None:
        previous = {name for name in _entries(target) if _matches(name, outputs)}
        marker = {}
    else:
        previous = set(marker.get(command, ()))
    written = sorted(p.name for p in tmp.iterdir())
    trash = Path(tempfile.mkdtemp(dir=target, prefix=f"{_OWN_PREFIX}old-"))
    try:
        for name in written:
            dest = target / name
            if dest.is_dir() and not dest.is_symlink() or (tmp / name).is_dir() and dest.exists():
                os.replace(dest, trash / name)
            os.replace(tmp / name, dest)
        for name in sorted(previous - set(written)):
            dest = target / name
            if dest.exists() or dest.is_symlink():
                os.replace(dest, trash / name)
        marker[command] = written
        write_text(target / MARKER, json.dumps({"commands": marker}, indent=1) + "\n")
    finally:
        shutil.rmtree(trash, ignore_errors=True)


@contextlib.contextmanager
def owned_folder(path, *, command, outputs, force=False, flag="--out"):
    """Yield a temporary folder; on success its entries become ``command``'s outputs in ``path``.

    ``outputs`` are glob patterns of the names ``command`` writes (used to recognise its
    outputs from before markers existed).
    """
    target = check_folder(path, command=command, outputs=outputs, force=force, flag=flag)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        tmp = Path(tempfile.mkdtemp(dir=target, prefix=f"{_OWN_PREFIX}tmp-"))
        yield tmp
        _install(target, tmp, command=command, outputs=outputs)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                target.rmdir()  # only if this run created it and left it empty
