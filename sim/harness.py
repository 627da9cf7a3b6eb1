"""The one cocotb harness: build a simulator image once per content, run a testbench in it.

Unit co-verification (`picojoule.sim.engine`) and GEMMs (`picojoule.sim.gemm`) both go through
here, so they share how images are cached and locked and how failures are reported.

* `build` compiles Verilog sources into an image folder ``<root>/<name>-<simulator>-<key16>``;
  the key (`picojoule.base.cache.key`) covers the simulator's version strings (and cocotb's),
  its build flags, the top module, the source of the flow's packages and the caller's content
  (the Verilog itself, or what generates it). Concurrent builders of one image wait on its
  lock; a completed image is reused, an incomplete one rebuilt. The root defaults to
  ``<cache>/sim`` (`picojoule.base.cache.default_dir`).
* `run_folder` + `run`: a scratch folder inside the image holding ``job.json`` and the inputs;
  the cocotb test module finds it through ``$PICOJOULE_SIM_RUN`` and leaves its results there.
* Failures raise `SimulationError` whose first line is the simulator's own error line (file and
  line of the Verilog or of the failing test), followed by the log's tail.
"""

import contextlib
import json
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from picojoule.base import cache
from picojoule.base.atomic import write_text
from picojoule.base.errors import UserError
from picojoule.sim import simulators

__all__ = ["SimulationError", "Image", "build", "run_folder", "run", "error_line", "SOURCES"]

#: The packages whose source every image key covers; flows that generate their Verilog at
#: build time add their own (see `build`).
SOURCES = ("picojoule.base", "picojoule.sim")
ENV_RUN = "PICOJOULE_SIM_RUN"


class SimulationError(UserError):
    """The simulator failed to build or run (not a mismatch): the first line is its error."""


@dataclass(frozen=True)
class Image:
    """A built simulator image: its folder, top module, simulator and the seconds the build
    took in this call (0 when reused)."""

    folder: Path
    top: str
    simulator: str
    build_seconds: float


def _root(build_root):
    return Path(build_root) if build_root is not None else cache.default_dir() / "sim"


def build(*, simulator, top, name, sources, content=(), packages=(), build_root=None):
    """Build (or reuse) the image of ``top``; return an `Image`.

    Parameters
    ----------
    sources : dict or callable
        File name -> Verilog text (or bytes), or a callable returning that dict, called only
        when the image must be built (for sources that are costly to generate).
    content : tuple
        JSON-able values that, with ``packages``, determine the sources (required when
        ``sources`` is a callable; the sources themselves are keyed when it is a dict).
    packages : tuple of str
        Packages whose source determines the image besides `SOURCES`.
    name : str
        Readable prefix of the image folder.
    """
    simulators.check_simulator(simulator)
    if callable(sources) and not content:
        raise ValueError("generated sources need the content that determines them")
    if not callable(sources):  # the sources by content: each name and its exact bytes
        content = (*content, *(part for item in sorted(sources.items()) for part in item))
    digest = cache.key(
        "sim",
        simulators.simulator_version(simulator),
        simulators.BUILD_ARGS[simulator],
        simulators.TIMESCALE,
        top,
        *content,
        sources=(*SOURCES, *packages),
    )
    root = _root(build_root).resolve()
    folder = root / f"{name}-{simulator}-{digest[:16]}"
    start = time.perf_counter()
    with cache.folder(folder) as needed:
        if not needed:
            return Image(folder, top, simulator, 0.0)
        files = []
        for file_name, text in (sources() if callable(sources) else sources).items():
            files.append(folder / file_name)
            files[-1].write_bytes(text if isinstance(text, bytes) else text.encode())
        _compile(Image(folder, top, simulator, 0.0), files=files, name=name, root=root)
    return Image(folder, top, simulator, time.perf_counter() - start)


def _compile(image, *, files, name, root):
    simulator = image.simulator
    runtime = _verilator_runtime(root) if simulator == "verilator" else None
    log = image.folder / "build.log"
    try:
        with simulators.simulator_env(simulator):
            reuse = runtime if runtime is not None and _complete(runtime) else None
            runner = simulators.get_runner(simulator, runtime_objects=reuse)
            runner.build(
                sources=files,
                hdl_toplevel=image.top,
                build_dir=image.folder,
                build_args=simulators.BUILD_ARGS[simulator],
                timescale=simulators.TIMESCALE,
                log_file=log,
                always=True,
            )
    except (RuntimeError, SystemExit, OSError) as error:
        raise SimulationError(_failure(f"{simulator} could not build {name}", log, error)) from None
    if runtime is not None:
        _keep_runtime(image.folder, runtime)


def _complete(folder):
    return (folder / cache.COMPLETE).exists()


def _verilator_runtime(root):
    """Where Verilator's runtime objects (the same for every design) are kept between builds.

    Compiling Verilator's own runtime (verilated*.cpp) takes about 20 s of CPU; it depends only
    on the Verilator version and the build flags, so one compiled copy serves every image.
    """
    digest = cache.key(
        "verilator-runtime",
        simulators.simulator_version("verilator"),
        simulators.BUILD_ARGS["verilator"],
        sources=(),
    )
    return root / f"verilator-runtime-{digest[:16]}"


def _keep_runtime(image, runtime):
    if _complete(runtime):
        return
    with cache.folder(runtime) as needed:
        if needed:
            for obj in image.glob("verilated*.[od]"):
                shutil.copyfile(obj, runtime / obj.name)


@contextlib.contextmanager
def run_folder(image, *, keep=False):
    """A fresh scratch folder inside ``image`` for one run, removed afterwards unless ``keep``
    or the run failed (then it holds the log a `SimulationError` names)."""
    folder = Path(tempfile.mkdtemp(dir=image.folder, prefix="run-"))
    yield folder
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)


def run(image, *, folder, module, job, expect, testcase=None, plusargs=()):
    """Run the cocotb test ``module`` on ``image`` in ``folder``; return ``folder / expect``.

    ``job`` is written to ``folder/job.json``; the test finds the folder through
    ``$PICOJOULE_SIM_RUN`` and must leave the file ``expect`` there.
    """
    folder = Path(folder)
    write_text(folder / "job.json", json.dumps(job))
    log = folder / "sim.log"
    what = f"{image.simulator} run of {image.top}"
    try:
        with simulators.simulator_env(image.simulator):
            runner = simulators.get_runner(image.simulator)
            runner.test(
                test_module=module,
                hdl_toplevel=image.top,
                hdl_toplevel_lang="verilog",
                build_dir=image.folder,
                test_dir=folder,
                plusargs=list(plusargs),
                extra_env={ENV_RUN: str(folder)},
                log_file=log,
                testcase=testcase,
                results_xml=str(folder / "results.xml"),
                timescale=simulators.TIMESCALE,
            )
    except (RuntimeError, SystemExit, OSError) as error:
        raise SimulationError(_failure(f"{what} failed", log, error)) from None
    result = folder / expect
    if not result.exists():
        raise SimulationError(_failure(f"{what} left no results", log, None))
    return result


# A tool's error with its location: Verilator "%Error: f.v:3:5: ...", Icarus "f.v:3: syntax
# error", vvp "ERROR: f.v:12: ...".
_HDL_ERROR = re.compile(r"(%Error.*|\S+\.s?v:\d+:.*\berror\b.*|ERROR: \S+:\d+:.*)", re.IGNORECASE)
_PY_LOCATION = re.compile(r'File "([^"]+)", line (\d+)')
_PY_ERROR = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception|Timeout)\w*)(?::\s*(.*))?$")


def error_line(log_text):
    """The line of a simulator log that says what failed, with its file and line.

    An HDL tool error (Icarus, vvp, Verilator) if there is one; else the exception that ended
    a failing cocotb test, as ``file:line: Exception: message`` at the innermost frame outside
    installed packages (the testbench's line, not cocotb's); else the first line naming an
    error or a failure; else None.
    """
    lines = [line.strip() for line in log_text.splitlines()]
    for line in lines:
        match = _HDL_ERROR.search(line)
        if match:
            return match.group(1).strip()
    frames = []
    for line in lines:
        where = _PY_LOCATION.search(line)
        if where:
            frames.append((where.group(1), where.group(2)))
            continue
        match = _PY_ERROR.match(line)
        if match and frames:
            ours = [f for f in frames if "site-packages" not in f[0]] or frames
            path, number = ours[-1]
            message = f"{match.group(1)}: {match.group(2)}" if match.group(2) else match.group(1)
            return f"{Path(path).name}:{number}: {message}"
    return next((line for line in lines if re.search("error|fail", line, re.I)), None)


def _failure(what, log, error):
    try:
        text = Path(log).read_text(errors="replace")
    except OSError:
        text = ""
    line = error_line(text) or (str(error) if error else "no error line")
    tail = "\n".join(text.splitlines()[-15:])
    return f"{what}: {line} (log: {log})\n{tail}"
