"""Synthesis with Yosys 0.23 + ABC onto a cell library, and the figures of the mapped netlist.

Flow (`yosys_script`): ``read_verilog -sv``; ``synth`` with `SYNTH_OPTIONS` ``-top TOP``;
``dfflibmap -liberty``; ``abc -liberty``; ``opt_clean -purge``; ``write_json``. On request
(``by_sub_block``), a design with repeated sub-blocks (`picojoule.cost.shared_modules`: a
tile's M x N equal accumulators) is synthesized by sub-block: each distinct module once with
`HIER_SYNTH_OPTIONS`, then
``flatten`` and ``opt -fast``, and the library mapping (``dfflibmap``, ``abc -liberty``) on the
flat design, so that ABC still optimizes across the sub-blocks' boundaries. Parameters must
already be baked into the Verilog (Yosys 0.23's ``chparam`` is not used). The library is the
built-in default (:mod:`picojoule.cost.nangate45`, written out as Liberty text for Yosys) or a
user Liberty file (.lib or .lib.gz, decompressed to a temporary file); cells excluded by
:mod:`picojoule.cost.dont_use` are cut out of the text Yosys reads. Netlists are cached
(`picojoule.base.cache`, kind ``synth``) by the Verilog text, the top, the Yosys script, the
library text Yosys reads and the library's content digest, the ``yosys -V`` line and the source
of `NETLIST_MODULES` (not the whole cost flow: an edit to the energy code keeps the netlists).
"""

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from picojoule.base import cache, profile
from picojoule.base.errors import UserError
from picojoule.base.tool_errors import tool_error_line
from picojoule.cost.dont_use import patterns_with_defaults
from picojoule.cost.libgen import liberty_text
from picojoule.cost.library import default_library, read_library, without_cells
from picojoule.cost.netlist import Netlist
from picojoule.cost.shared_modules import merge_repeated_modules

_INSTALL = "install it with `apt-get install yosys` (or run `make setup`)"

#: ``synth`` options. ``-noshare``: Yosys' SAT-based resource sharing spent most of the
#: synthesis time of the float tiles (their many shifters) and saved no area there (the e4m3
#: L-Mul array: 22 s of CPU and 8,439 um^2 without it, 42 s and 8,495 um^2 with it;
#: the fp32 adder: the same area either way).
SYNTH_OPTIONS = "-flatten -noshare"
#: ``synth`` options of a design with repeated sub-blocks (flattened after ``synth``).
HIER_SYNTH_OPTIONS = "-noshare"
#: The packages whose source decides synthesis and energy results (the cost flow).
SOURCES = ("picojoule.base", "picojoule.cost")
#: The modules whose code decides a netlist besides what its cache key holds (the Verilog text,
#: top, Yosys script, library text and digest, Yosys version): this one and the sub-block merge.
NETLIST_MODULES = ("picojoule.cost.synth", "picojoule.cost.shared_modules")


@functools.cache
def netlist_code():
    """SHA-256 of the source files of `NETLIST_MODULES` (part of the synthesis cache key: an
    edit elsewhere in the cost flow keeps cached netlists)."""
    digest = hashlib.sha256()
    for name in NETLIST_MODULES:
        digest.update(Path(importlib.util.find_spec(name).origin).read_bytes())
    return digest.hexdigest()


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


@contextlib.contextmanager
def slow_step(progress, start_message, *, after=2.0):
    """Report ``start_message`` only if the step is still running after ``after`` seconds,
    and then its duration when it ends."""
    if progress is None:
        yield
        return
    timer = threading.Timer(after, progress, args=(start_message,))
    timer.daemon = True
    begin = time.perf_counter()
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
    elapsed = time.perf_counter() - begin
    if elapsed >= after:
        progress(f"  done in {elapsed:.1f} s")


def _yosys():
    exe = shutil.which("yosys")
    if exe is None:
        raise UserError(f"yosys not found on PATH; {_INSTALL}")
    if shutil.which("yosys-abc") is None and shutil.which("berkeley-abc") is None:
        raise UserError(f"yosys-abc not found on PATH; {_INSTALL}")
    return exe


@functools.lru_cache(maxsize=None)
def _version_of(exe):
    out = subprocess.run([exe, "-V"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or out.stderr.strip()


def yosys_version():
    """The ``yosys -V`` line; UserError naming the package if Yosys is missing."""
    return _version_of(_yosys())


@dataclass
class SynthResult:
    """A synthesized unit: figures plus the mapped netlist (Yosys JSON)."""

    top: str
    library_label: str
    cells: dict
    area_um2: float
    transistors: int
    logic_depth: int
    delay_ns: float
    yosys_version: str
    design: dict = field(repr=False)
    library: object = field(repr=False)
    excluded_cells: tuple = ()

    @functools.cached_property
    def netlist(self):
        return Netlist(self.design, top=self.top, library=self.library)

    def summary(self):
        """The figures as a JSON-able dict (no netlist)."""
        return {
            "top": self.top,
            "library": self.library_label,
            "cells": self.cells,
            "n_cells": sum(self.cells.values()),
            "area_um2": round(self.area_um2, 3),
            "transistors": self.transistors,
            "logic_depth": self.logic_depth,
            "delay_ns": round(self.delay_ns, 4),
            "yosys": self.yosys_version,
            "excluded_cells": len(self.excluded_cells),
        }


def _library_for(liberty, patterns):
    """(label, library text for Yosys, CellLibrary, excluded cells) for the default (None) or
    a Liberty path, without the cells ``patterns`` (and Liberty ``dont_use``) exclude."""
    if liberty is None:
        library, excluded = without_cells(default_library(), patterns)
        return "default", liberty_text(library), library, excluded
    path = Path(liberty).resolve()
    try:
        content = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        raise UserError(
            f"cannot read Liberty file {liberty}; pass an existing .lib or .lib.gz"
        ) from None
    return _liberty_file(str(path), content, patterns)


@functools.lru_cache(maxsize=8)
def _liberty_file(path, content, patterns):
    """Parsed once per process per file content (``content``: the SHA-256 of its bytes)."""
    library, text, excluded = read_library(path, dont_use=patterns)
    return Path(path).name, text, library, excluded


def synthesize(
    *,
    verilog,
    top,
    liberty=None,
    dont_use=(),
    cache_dir="default",
    progress=_stderr,
    by_sub_block=False,
):
    """Synthesize ``top`` from ``verilog`` onto the default library or a Liberty file.

    Parameters
    ----------
    verilog : path-like or list of path-like
    top : str
    liberty : path-like, optional
        A Liberty file (.lib or .lib.gz); None selects the built-in default library.
    dont_use : iterable of str
        Cell-name patterns (globs) ABC and ``dfflibmap`` must not use, in addition to the cells
        marked ``dont_use : true`` and :data:`picojoule.cost.dont_use.DEFAULT_DONT_USE`.
    cache_dir : path-like or None
        The cache root; ``"default"`` = `picojoule.base.cache.default_dir`; None disables
        caching.
    progress : callable or None
        Receives one-line progress messages for slow steps.
    by_sub_block : bool
        Merge repeated sub-blocks (`picojoule.cost.shared_modules`) and synthesize each once,
        then flatten before the library mapping; the flat flow if there are none. Off by
        default: Yosys no longer narrows a merged sub-block to the constants one instance gets
        (an int multiplier fed W-bit codes stays int8 x int8), so it is for designs whose
        sub-blocks get no constant operand bits (the float tiles).

    Returns
    -------
    SynthResult
    """
    exe = _yosys()
    version = _version_of(exe)
    paths = [Path(verilog)] if isinstance(verilog, (str, Path)) else [Path(p) for p in verilog]
    sources = []
    for p in paths:
        try:
            sources.append((p.name, p.read_text()))
        except OSError as error:
            raise UserError(f"cannot read Verilog file {p}: {error.strerror}") from None
    label, lib_text, library, excluded = _library_for(liberty, patterns_with_defaults(dont_use))
    if by_sub_block:
        merged = [(name, *merge_repeated_modules(text)) for name, text in sources]
    else:
        merged = [(name, text, 0) for name, text in sources]
    sources = [(name, text) for name, text, _ in merged]
    script = yosys_script(
        files=[_src_name(k, name) for k, (name, _) in enumerate(sources)],
        top=top,
        by_sub_block=any(n for _, _, n in merged),
    )
    cache_dir = cache.resolve(cache_dir)
    digest = cache.key(
        "synth", sources, top, lib_text, library.digest, version, script, netlist_code(), sources=()
    )
    with profile.phase("cache read/write"):
        design = cache.load(cache_dir, "synth", digest)
    if design is None:
        with slow_step(progress, f"synthesizing {top} onto {label} with yosys ..."):
            design = _run_yosys(exe, sources, top, lib_text, script)
        with profile.phase("cache read/write"):
            cache.store(cache_dir, "synth", digest, design)
    with profile.phase("netlist load + static timing"):
        netlist = Netlist(design, top=top, library=library)
        depth, delay = netlist.timing()
        result = SynthResult(
            top=top,
            library_label=label,
            cells=netlist.cell_counts(),
            area_um2=netlist.area_um2(),
            transistors=netlist.transistors(),
            logic_depth=depth,
            delay_ns=delay,
            yosys_version=version,
            design=design,
            library=library,
            excluded_cells=excluded,
        )
    result.__dict__["netlist"] = netlist
    return result


def _children_cpu():
    t = os.times()
    return t.children_user + t.children_system


#: A pass's share of Yosys' run in its closing ``Time spent:`` line (CPU time, ABC included).
_PASS_SHARE = re.compile(r"(\d+)% \d+x (\S+) \(")


def _credit_passes(log_path, cpu, wall):
    """Credit a Yosys run's ``cpu`` and ``wall`` seconds to the profile phases ``yosys abc``
    (the ``abc`` pass, by its share in the log's ``Time spent`` line) and ``yosys synth``."""
    share = 0.0
    try:
        for line in Path(log_path).read_text().splitlines():
            if line.startswith("Time spent:"):
                share = sum(int(p) for p, name in _PASS_SHARE.findall(line) if name == "abc")
    except OSError:
        pass
    share = min(share, 100) / 100
    profile.credit("yosys abc", cpu=cpu * share, wall=wall * share)
    profile.credit("yosys synth", cpu=cpu * (1 - share), wall=wall * (1 - share))


def _src_name(k, name):
    return f"src{k}_{Path(name).stem}.v"


def yosys_script(*, files, top, by_sub_block=False):
    """The Yosys script that synthesizes ``top`` from the Verilog ``files`` onto ``cells.lib``
    and writes ``netlist.json``; ``by_sub_block``: each distinct module once, then flattened."""
    read = "read_verilog -sv " + " ".join(files)
    if by_sub_block:
        steps = [read, f"synth {HIER_SYNTH_OPTIONS} -top {top}", "flatten", "opt -fast"]
    else:
        steps = [read, f"synth {SYNTH_OPTIONS} -top {top}"]
    steps += [
        "dfflibmap -liberty cells.lib",
        "abc -liberty cells.lib",
        "opt_clean -purge",
        "write_json netlist.json",
    ]
    return "\n".join(steps) + "\n"


def run_yosys_script(exe, folder, script):
    """Run Yosys quietly on the script file ``script`` in ``folder`` (its log in
    ``folder/yosys.log``); ``(exit status, its output and log text)``."""
    run = subprocess.run(
        [exe, "-q", "-l", "yosys.log", "-s", script],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    log = run.stdout + run.stderr
    with contextlib.suppress(OSError):
        log += (Path(folder) / "yosys.log").read_text()
    return run.returncode, log


def _run_yosys(exe, sources, top, lib_text, script):
    with tempfile.TemporaryDirectory(prefix="picojoule-synth-") as tmp:
        tmp = Path(tmp)
        rename = {}
        for k, (name, text) in enumerate(sources):
            f = tmp / _src_name(k, name)
            f.write_text(text)
            rename[f.name] = name
        (tmp / "cells.lib").write_text(lib_text)
        (tmp / "flow.ys").write_text(script)
        cpu, wall = _children_cpu(), time.perf_counter()
        status, log = run_yosys_script(exe, tmp, "flow.ys")
        _credit_passes(tmp / "yosys.log", _children_cpu() - cpu, time.perf_counter() - wall)
        if status != 0:
            detail = tool_error_line(log, rename=rename) or f"exit status {status}"
            if "cannot be legalized" in detail:
                raise UserError(
                    f"the library lacks a flip-flop that {top}'s registers can map to; "
                    "pass a Liberty file with a D flip-flop"
                )
            if "ABC output file" in detail:
                raise UserError(
                    f"ABC could not map {top} onto the library (ABC needs cells with "
                    "timing tables and lu_table_templates); pass a complete Liberty file"
                )
            raise UserError(f"yosys failed on {top}: {detail}")
        return json.loads((tmp / "netlist.json").read_text())
