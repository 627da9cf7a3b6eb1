"""Liberty files for tests: the committed sky130hd excerpt and the optional full libraries.

Tests marked ``full_liberty`` read the full files from ``$PICOJOULE_LIBERTY_DIR``; without that
variable conftest.py deselects them (they are extra, not skipped).
"""

import os
from pathlib import Path

SKY130_EXCERPT = Path(__file__).parent / "data" / "sky130hd_excerpt.lib.gz"


def full_liberty(name):
    """Path of a full library (``nangate45_typ.lib.gz``, ``sky130hd_tt.lib.gz``) in the folder."""
    path = Path(os.environ["PICOJOULE_LIBERTY_DIR"]) / name
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: PICOJOULE_LIBERTY_DIR must hold {name}")
    return path
