"""Formal equivalence of a unit's RTL and its synthesized gate netlist (Yosys + ABC).

Method (`METHOD`): Yosys reads the exported Verilog (``prep -flatten``: the gold design) and the
mapped netlist (``read_json`` with the cells' Liberty functions from ``read_liberty``: the gate
design), builds a miter (``miter -equiv -flatten``: one output, high when any output bit
differs), lowers it to an and-inverter graph (``techmap``, ``dffunmap``, ``aigmap``) and writes
it as AIGER with every register starting at 0 (``write_aiger -zinit``). Yosys' ABC
(``yosys-abc``) then proves the miter's output constant 0:

- combinational units: ``&cec -m`` (combinational equivalence: simulation, SAT sweeping and
  SAT on the miter);
- units with registers: ``dprove`` (sequential equivalence from the all-zero register state:
  bounded model checking, then induction and interpolation).

The result is ``"proven"`` only when ABC reports the networks equivalent, ``"not equivalent"``
when it finds a distinguishing input, and ``"not proven within the limit"`` when it stops
undecided or runs out of its CPU-time limit (``limit_s`` CPU seconds, set with RLIMIT_CPU so it
does not depend on the machine's load). Results are cached (`picojoule.base.cache`, kind
``equiv``) by the Verilog, the netlist, the library text, the limit, the Yosys version and the
source of `SOURCES`.
"""

import json
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from picojoule.base import cache
from picojoule.base.errors import UserError
from picojoule.base.tool_errors import tool_error_line
from picojoule.cost.dont_use import patterns_with_defaults
from picojoule.cost.rtl_gates import LOWERING, READ_RTL
from picojoule.cost.synth import _library_for, _yosys, run_yosys_script, yosys_version

__all__ = ["METHOD", "DEFAULT_LIMIT_S", "check_equivalence"]

SOURCES = ("picojoule.base", "picojoule.cost")
METHOD = {
    "combinational": "Yosys miter -> AIGER -> ABC &cec -m",
    "sequential": "Yosys miter -> AIGER (registers from 0) -> ABC dprove",
}
DEFAULT_LIMIT_S = 120

_MITER_SCRIPT = """{read_rtl}
rename {top} gold
design -stash gold
read_liberty -ignore_miss_func cells.lib
read_json netlist.json
hierarchy -top {top}
flatten
rename {top} gate
design -stash gate
design -copy-from gold -as gold gold
design -copy-from gate -as gate gate
miter -equiv -flatten gold gate miter
hierarchy -top miter
flatten
{lowering}
aigmap
tee -q -o registers.txt select -count t:$_DFF_*
write_aiger -zinit miter.aig
"""


def _abc_exe():
    for name in ("yosys-abc", "berkeley-abc"):
        exe = shutil.which(name)
        if exe:
            return exe
    raise UserError("yosys-abc not found on PATH; install it with `apt-get install yosys`")


def _cpu_limit(seconds):
    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))

    return apply


def _verdict(output, returncode):
    if "Networks are equivalent" in output:
        return "proven"
    if "NOT EQUIVALENT" in output.upper() or "Networks are not equivalent" in output:
        return "not equivalent"
    if "SATISFIABLE" in output and "UNSATISFIABLE" not in output:
        return "not equivalent"
    return "not proven within the limit"


def check_equivalence(
    *,
    verilog,
    synth,
    top,
    liberty=None,
    limit_s=DEFAULT_LIMIT_S,
    cache_dir="default",
    lookup_only=False,
):
    """Prove the RTL in ``verilog`` equivalent to ``synth``'s mapped netlist (module ``top``).

    Returns a dict: ``verdict`` ("proven", "not equivalent", "not proven within the limit"),
    ``method``, ``limit_s`` (CPU seconds), ``seconds`` (wall clock), ``registers`` (in the
    miter), ``cached``. With ``lookup_only`` the cached result or None (nothing is run).
    """
    yosys = _yosys()
    abc = _abc_exe()
    rtl = Path(verilog).read_text()
    _, lib_text, _, _ = _library_for(liberty, patterns_with_defaults(()))
    cache_dir = cache.resolve(cache_dir)
    digest = cache.key(
        "equiv", rtl, top, synth.design, lib_text, limit_s, yosys_version(), sources=SOURCES
    )
    cached = cache.load_result(cache_dir, "equiv", digest)
    if cached is not None or lookup_only:
        return cached
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="picojoule-equiv-") as tmp:
        tmp = Path(tmp)
        (tmp / "rtl.v").write_text(rtl)
        (tmp / "netlist.json").write_text(json.dumps(synth.design))
        (tmp / "cells.lib").write_text(lib_text)
        read_rtl = READ_RTL.format(top=top)
        script = _MITER_SCRIPT.format(read_rtl=read_rtl, lowering=LOWERING, top=top)
        (tmp / "miter.ys").write_text(script)
        status, log = run_yosys_script(yosys, tmp, "miter.ys")
        if status != 0:
            detail = tool_error_line(log) or f"exit status {status}"
            raise UserError(f"yosys could not build the miter of {top}: {detail}")
        registers = int((tmp / "registers.txt").read_text().split()[0] or 0)
        kind = "sequential" if registers else "combinational"
        command = "&get -n; &cec -m" if kind == "combinational" else "dprove"
        try:
            abc_run = subprocess.run(
                [abc, "-c", f"read_aiger miter.aig; {command}"],
                cwd=tmp,
                capture_output=True,
                text=True,
                check=False,
                timeout=20 * limit_s,
                preexec_fn=_cpu_limit(limit_s),
            )
            output, code = abc_run.stdout + abc_run.stderr, abc_run.returncode
        except subprocess.TimeoutExpired:
            output, code = "", -1
    result = {
        "unit": top,
        "verdict": _verdict(output, code),
        "method": METHOD[kind],
        "limit_s": limit_s,
        "seconds": round(time.perf_counter() - start, 2),
        "registers": registers,
        "cached": False,
    }
    cache.store(cache_dir, "equiv", digest, result)
    return result
