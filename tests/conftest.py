"""Tests marked ``full_liberty`` need ``$PICOJOULE_LIBERTY_DIR``; without it they are deselected.

A clone without the full Liberty files thus runs every test it collects, none skipped
(see tests/liberties.py and tests/data/README.md).
"""

import os


def pytest_collection_modifyitems(config, items):
    if os.environ.get("PICOJOULE_LIBERTY_DIR"):
        return
    extra = [item for item in items if item.get_closest_marker("full_liberty")]
    if extra:
        config.hook.pytest_deselected(items=extra)
        items[:] = [item for item in items if not item.get_closest_marker("full_liberty")]
