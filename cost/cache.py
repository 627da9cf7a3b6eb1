"""Results cached in `picojoule.base.paths.cache_root` by the SHA-256 of everything that
determines them."""

import hashlib
import json
from pathlib import Path

from picojoule.base import atomic
from picojoule.base.paths import cache_root

FLOW_VERSION = "cost-flow-1"


def default_dir():
    """`picojoule.base.paths.cache_root`: ``build/cache`` in a checkout, else the user's cache."""
    return cache_root()


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
