"""One content-addressed cache for the results of the flow: Verilog exports, simulator images,
synthesized netlists and energies.

An entry's key (`key`) is the SHA-256 of everything that can change the entry:

* its inputs by content, as the caller passes them (a unit's spec, Verilog text, every figure of
  the cell library, operand streams, voltage and clock);
* the version strings of the external tools that produce it (Amaranth and the Yosys it runs,
  Yosys, Icarus Verilog or Verilator, cocotb);
* the source of the picojoule packages its flow runs (`source_digest`: the bytes of every
  ``.py`` file under those packages, so a module added to a package is covered the day it is
  added).

Nothing is versioned by hand and nothing needs clearing: a changed input, tool or source file
gives a new key, and the stale entry is simply never read again.

Layout under the cache root (`default_dir`, or a folder the caller passes)::

    <root>/<kind>/<key><suffix>      a file: a JSON document or a text (written atomically)
    <root>/<kind>/<name>-<key16>/    a folder built in place under a lock (`folder`)

A ``cache_dir`` argument of ``"default"`` means `default_dir`, None means no cache.
"""

import contextlib
import fcntl
import functools
import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

from picojoule.base import atomic
from picojoule.base.paths import cache_root

__all__ = [
    "default_dir",
    "resolve",
    "source_digest",
    "key",
    "load",
    "load_result",
    "store",
    "load_text",
    "store_text",
    "folder",
    "locked",
]

COMPLETE = "complete.ok"


def default_dir():
    """The cache root, `picojoule.base.paths.cache_root`: ``$PICOJOULE_CACHE`` if set, else
    ``build/cache`` in a picojoule checkout, else ``$XDG_CACHE_HOME/picojoule``."""
    return cache_root()


def resolve(cache_dir):
    """``cache_dir`` as a Path: ``"default"`` -> `default_dir`, None stays None (no cache)."""
    if cache_dir is None:
        return None
    return default_dir() if cache_dir == "default" else Path(cache_dir)


@functools.cache
def source_digest(*packages):
    """SHA-256 of the source of ``packages`` (dotted names): every ``.py`` file below each
    package's folder, by relative path and content, in sorted order."""
    digest = hashlib.sha256()
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"{name} is not an importable package")
        for root in spec.submodule_search_locations:
            root = Path(root)
            for path in sorted(root.rglob("*.py")):
                relative = f"{name}/{path.relative_to(root).as_posix()}"
                _update(digest, relative.encode())
                _update(digest, path.read_bytes())
    return digest.hexdigest()


def _update(digest, part):
    digest.update(len(part).to_bytes(8, "little"))
    digest.update(part)


def _as_bytes(part):
    if isinstance(part, bytes):
        return part
    if isinstance(part, str):
        return part.encode()
    return json.dumps(part, sort_keys=True, default=str).encode()


def key(kind, *parts, sources):
    """The hex key of a ``kind`` entry made from ``parts`` by the code of packages ``sources``.

    ``parts`` are bytes, str or JSON-able values (dict keys sorted; other objects by ``str``),
    each length-prefixed so that no two different sequences collide.
    """
    digest = hashlib.sha256()
    for part in (kind, source_digest(*sources), *parts):
        _update(digest, _as_bytes(part))
    return digest.hexdigest()


def _file(cache_dir, kind, digest, suffix):
    return Path(cache_dir) / kind / f"{digest}{suffix}"


def load_text(cache_dir, kind, digest, *, suffix=".txt"):
    """The cached text, or None (also when ``cache_dir`` is None)."""
    if cache_dir is None:
        return None
    try:
        return _file(cache_dir, kind, digest, suffix).read_text()
    except OSError:
        return None


def store_text(cache_dir, kind, digest, text, *, suffix=".txt"):
    """Write ``text`` atomically (nothing when ``cache_dir`` is None)."""
    if cache_dir is not None:
        atomic.write_text(_file(cache_dir, kind, digest, suffix), text)


def load(cache_dir, kind, digest):
    """The cached JSON document, or None."""
    text = load_text(cache_dir, kind, digest, suffix=".json")
    try:
        return None if text is None else json.loads(text)
    except ValueError:
        return None


def load_result(cache_dir, kind, digest):
    """The cached result dict marked ``"cached": True``, or None (a result is stored with
    ``"cached": False`` by the run that computed it)."""
    result = load(cache_dir, kind, digest)
    if result is not None:
        result["cached"] = True
    return result


def store(cache_dir, kind, digest, document):
    store_text(cache_dir, kind, digest, json.dumps(document), suffix=".json")


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive lock on the file ``path`` (created if missing) while inside."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextlib.contextmanager
def folder(path):
    """A cache entry that is a folder built in place: yields True if it must be built.

    Holds the lock ``<path>.lock`` while inside, so one process builds and the others wait and
    reuse. A folder is complete once the block that built it exits normally (it is then stamped);
    an incomplete one (a build that failed or was killed) is emptied and built again.
    """
    path = Path(path)
    with locked(path.with_name(path.name + ".lock")):
        if (path / COMPLETE).exists():
            yield False
            return
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        yield True
        (path / COMPLETE).write_text("ok\n")
