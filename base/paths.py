"""Where picojoule keeps what it generates for itself: the cache and the work folders.

Inside a picojoule checkout (the working directory holds picojoule's ``pyproject.toml``) both
live under ``./build`` as the Makefile expects. Anywhere else they live in the user's cache
folder, ``$XDG_CACHE_HOME/picojoule`` (default ``~/.cache/picojoule``), so that a command run
in a read-only or unrelated working directory writes nothing there but the outputs asked for.
``PICOJOULE_CACHE`` overrides the cache folder in both cases.
"""

import os
import re
from pathlib import Path

__all__ = ["is_checkout", "cache_root", "build_root"]

_PROJECT_NAME = re.compile(r'^name\s*=\s*"picojoule"\s*$', re.MULTILINE)


def is_checkout(folder=None):
    """True if ``folder`` (default: the working directory) is a picojoule source checkout."""
    pyproject = Path(folder or Path.cwd()) / "pyproject.toml"
    try:
        return bool(_PROJECT_NAME.search(pyproject.read_text(errors="replace")))
    except OSError:
        return False


def _user_cache():
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "picojoule"


def cache_root():
    """The folder of every cache (``synth/``, ``energy/``, ``verilog/``, ...).

    ``$PICOJOULE_CACHE`` if set; else ``build/cache`` in a picojoule checkout; else
    ``$XDG_CACHE_HOME/picojoule``.
    """
    override = os.environ.get("PICOJOULE_CACHE")
    if override:
        return Path(override)
    return Path("build") / "cache" if is_checkout() else _user_cache()


def build_root():
    """The folder of simulator builds and other work files: ``build`` in a picojoule checkout,
    else ``build`` inside `cache_root` (never an unrelated working directory)."""
    return Path("build") if is_checkout() else cache_root() / "build"
