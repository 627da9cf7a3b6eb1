"""Results cached under ``build/cache`` by the SHA-256 of everything that determines them."""

import hashlib
import json
import os
from pathlib import Path

from picojoule.base import atomic

FLOW_VERSION = "cost-flow-1"


def default_dir():
    return Path(os.environ.get("PICOJOULE_CACHE", "build/cache"))


def key(*parts):
    """A hex digest of ``parts`` (bytes, str or JSON-able values) and the flow version."""
    h = hashlib.sha256(FLOW_VERSION.encode())
    for part in parts:
        if isinstance(part, str):
            part = part.encode()
        elif not isinstance(part, bytes):
            part = json.dumps(part, sort_keys=True, default=str).encode()
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def load(cache_dir, kind, digest):
    """The cached JSON document, or None."""
    if cache_dir is None:
        return None
    path = Path(cache_dir) / kind / f"{digest}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def store(cache_dir, kind, digest, document):
    if cache_dir is None:
        return
    atomic.write_text(Path(cache_dir) / kind / f"{digest}.json", json.dumps(document))


def source_digest(*packages):
    """A hex digest of the source of ``packages`` (imported modules): every ``.py`` file under
    each package's folder, by relative path and bytes, so results computed by that code are
    recomputed when any of it changes."""
    h = hashlib.sha256()
    for package in packages:
        for root in sorted(package.__path__):
            for path in sorted(Path(root).rglob("*.py")):
                h.update(path.relative_to(root).as_posix().encode())
                h.update(path.read_bytes())
    return h.hexdigest()
