"""The one reader of ``manifest.json``, the index `picojoule.hw.export` writes beside the Verilog.

A manifest is ``{"units": [entry, ...]}``; each entry names a unit (``name``, ``kind``,
``params``, ``top``, ``verilog`` file relative to the manifest, ``ports``, ``latency``). The
co-verification (`picojoule.sim.design`) and the cost flow read it through `read_manifest`.
"""

import json
from pathlib import Path

from picojoule.base.errors import UserError

__all__ = ["read_manifest"]


def read_manifest(path):
    """``(folder, entries)`` of a manifest; `UserError` naming ``make verilog`` if it is missing
    or malformed."""
    path = Path(path)
    if not path.is_file():
        raise UserError(
            f"no manifest at {path}; run make verilog (picojoule verilog --out {path.parent})"
        )
    try:
        entries = json.loads(path.read_text())["units"]
        if not isinstance(entries, list):
            raise ValueError("'units' is not a list")
    except (ValueError, KeyError, TypeError) as error:
        raise UserError(
            f"{path} is not a picojoule manifest ({error}); rerun make verilog"
        ) from None
    return path.parent, entries
