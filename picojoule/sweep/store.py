"""DIR/results.jsonl: one JSON record per finished point, appended and flushed as it finishes.

A point's ``key`` is the SHA-256 of the point (its parameters and the content of every file it
names) and of the flow (`flow_digest`: the settings that change results, the picojoule sources
of every layer the chain runs and the tool versions). A rerun loads the file and skips the keys
whose record says ``ok``; failed records are dropped (rewritten atomically) and those points
run again, so every key appears at most once. A line cut short by a kill is dropped the same
way. One sweep writes to a folder at a time (an advisory lock on DIR/.lock).
"""

import fcntl
import hashlib
import json
import os
from importlib import metadata
from pathlib import Path

from picojoule.base import atomic
from picojoule.base.errors import UserError

__all__ = ["ResultStore", "point_key", "flow_digest"]

#: Settings that change a point's figures (``name`` and ``sample`` do not).
FLOW_SETTINGS = ("seed", "vectors", "ops", "simulator")
#: The packages whose source the chain runs (hashed whole, subpackages and new modules too).
FLOW_PACKAGES = (
    "picojoule.base",
    "picojoule.models",
    "picojoule.hw",
    "picojoule.sim",
    "picojoule.cost",
    "picojoule.sweep",
)


def flow_digest(settings):
    """The content hash of the flow: settings, sources, tool versions."""
    from picojoule.base.cache import source_digest
    from picojoule.cost.synth import yosys_version
    from picojoule.sim.simulators import simulator_version

    versions = {name: metadata.version(name) for name in ("amaranth", "cocotb", "numpy")}
    document = {
        "settings": {k: settings[k] for k in FLOW_SETTINGS},
        "sources": source_digest(*FLOW_PACKAGES),
        "tools": {
            **versions,
            "yosys": yosys_version(),
            "simulator": simulator_version(settings["simulator"]),
        },
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def point_key(point, *, files, flow):
    """The key of ``point``: its parameters, the hashes of the files it names, the flow."""
    named = {v: files[v] for v in point.values() if isinstance(v, str) and v in files}
    text = json.dumps({"point": point, "files": named, "flow": flow}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ResultStore:
    """The records of one output folder (see the module docstring)."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.path = self.directory / "results.jsonl"
        self._file = None
        self._lock = None

    def __enter__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.directory / ".lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise UserError(
                f"another sweep is writing {self.directory}; wait for it or use another --out"
            ) from None
        return self

    def __exit__(self, *exc):
        if self._file is not None:
            self._file.close()
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def load(self):
        """Records by key (the last one of a key wins), and whether the file needs rewriting."""
        records, dirty = {}, False
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return records, False
        for line in text.splitlines(keepends=True):
            try:
                record = json.loads(line) if line.endswith("\n") else None
            except ValueError:
                record = None
            if not isinstance(record, dict) or "key" not in record:
                dirty = True
                continue
            dirty |= record["key"] in records
            records[record["key"]] = record
        return records, dirty

    def resume(self):
        """The finished (``ok``) records; failed and broken lines are removed from the file."""
        records, dirty = self.load()
        finished = {k: r for k, r in records.items() if r.get("status") == "ok"}
        if dirty or len(finished) < len(records):
            lines = "".join(json.dumps(r) + "\n" for r in finished.values())
            atomic.write_text(self.path, lines)
        return finished

    def append(self, record):
        """Append one record as one line, flushed and synced before returning."""
        if self._file is None:
            self._file = open(self.path, "a")
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())
