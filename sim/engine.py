"""Batch co-verification of one exported unit against its golden model.

`co_verify(design)` builds (or reuses) a simulator image of the unit inside a batch wrapper
(`picojoule.sim.wrapper`), writes the operand memories, runs the cocotb test
`picojoule.sim.batch_tb` through cocotb's runner, loads the results and compares them bit for
bit with ``design.spec.golden(a, b)``. Pipelined units also have their transfer order and
latency checked: in the warm-up transfers (input valid and output ready held high) every
result must appear exactly ``latency`` cycles after its input; afterwards, under random valid
and backpressure, never earlier.

Simulator images are built and run by `picojoule.sim.harness`: cached by content (the
simulator's version, its build flags, the wrapper and the unit's Verilog), so an unchanged unit
reuses its image, and a failing build or run raises `SimulationError` naming the simulator's
error line.
"""

import re
import time
from dataclasses import dataclass, field

import numpy as np

from picojoule.sim import harness, simulators, wrapper
from picojoule.sim.harness import SimulationError
from picojoule.sim.hexio import write_memh
from picojoule.sim.vectors import vector_set

__all__ = [
    "Verdict",
    "SimulationError",
    "co_verify",
    "co_verify_per_vector",
    "DEFAULT_LANES",
]

DEFAULT_LANES = {"icarus": 1, "verilator": 8}
EXAMPLES = 5


@dataclass
class Verdict:
    """The outcome of one co-verification run.

    Attributes
    ----------
    name : str
        The unit's name (its spec's ``name``).
    vectors : int
        Operand pairs compared.
    mismatches : int
        Results that differ from the golden model (or are X/Z), plus, for pipelined units,
        results missing or out of time.
    seconds : float
        Wall-clock seconds of the whole run (vectors, build or reuse, simulation, comparison).
    sim_seconds : float
        Seconds from ``start`` to ``done`` inside the simulator (the batch itself).
    examples : list of str
        A few mismatches, decoded.
    """

    name: str
    simulator: str
    vectors: int
    mismatches: int
    seconds: float
    sim_seconds: float
    build_seconds: float
    description: str = ""
    examples: list = field(default_factory=list)
    latency: int = 0
    cycles: int = 0

    @property
    def passed(self):
        return self.mismatches == 0

    def line(self):
        """The one-line summary `picojoule sim` prints."""
        status = "ok" if self.passed else "FAIL"
        return (
            f"{self.name:<40} {self.vectors:>9} vectors {self.mismatches:>7} mismatches "
            f"{self.seconds:7.2f} s  {status}"
        )


def _fmt_code(fmt, code):
    code = int(code)
    digits = (fmt.width + 3) // 4
    value = fmt.decode(np.array([code]))[0]
    shown = f"{value:.9g}" if isinstance(value, (float, np.floating)) else f"{int(value)}"
    return f"0x{code:0{digits}x} ({shown})"


def describe_mismatch(spec, a, b, got, want, unknown=False):
    """One decoded mismatch, e.g. ``a=0x38 (1) b=0x40 (2): got 0x47 (3.75), expected 0x48 (4)``."""
    a_fmt, b_fmt = spec.in_formats
    out = spec.out_format
    shown_got = "X/Z" if unknown else _fmt_code(out, got)
    return (
        f"a={_fmt_code(a_fmt, a)} b={_fmt_code(b_fmt, b)}: got {shown_got}, "
        f"expected {_fmt_code(out, want)}"
    )


def run_plusargs(*, pipelined, count, rows, warm, p_valid, p_ready, seed):
    """``(plusargs, time limit in ns)`` of one wrapper run: a batch of ``rows`` memory rows, or a
    stream of ``count`` operations with ``warm`` warm-up ones and valid/ready probabilities in
    percent. The bound on simulated time is generous: 1 ns per row (batch) or 10 ns per cycle
    (stream)."""
    if not pipelined:
        return [f"+rows={rows}"], 2 * rows + 100
    max_cycles = 16 * count + 64
    plusargs = [
        f"+count={count}",
        f"+warm={warm}",
        f"+p_valid={p_valid}",
        f"+p_ready={p_ready}",
        f"+seed={(seed * 2654435761 + 1) % (1 << 31) or 1}",
        f"+max_cycles={max_cycles}",
    ]
    return plusargs, 10 * max_cycles + 1000


def _image(design, *, simulator, top, wrapper_text, build_root):
    """The simulator image of ``design``'s Verilog (inside ``wrapper_text`` unless None)."""
    sources = {"unit.v": design.verilog.read_bytes()}
    if wrapper_text is not None:
        sources["wrapper.v"] = wrapper_text
    try:
        return harness.build(
            simulator=simulator, top=top, name=design.top, sources=sources, build_root=build_root
        )
    except harness.SimulationError as error:  # name the user's file, not the image's copy
        text = re.sub(r"\S*/unit\.v(?=:\d)", lambda _: str(design.verilog), str(error))
        raise harness.SimulationError(text) from None


def _load(results):
    with np.load(results) as data:
        return {k: data[k] for k in data.files}


def gray_order(words):
    """Indices that visit ``words`` (uint64) in reflected-Gray-code order.

    A combinational unit's results do not depend on the order of its vectors, but the
    simulator's work does: Icarus re-evaluates only the logic whose inputs change, and in Gray
    order consecutive exhaustive operand words differ in one bit (random sets get the same
    locality, roughly). Results are put back in the caller's order after the run.
    """
    rank = np.asarray(words, dtype=np.uint64).copy()
    for shift in (1, 2, 4, 8, 16, 32):  # inverse Gray code: the word's rank
        rank ^= rank >> np.uint64(shift)
    return np.argsort(rank, kind="stable")


def co_verify(
    design,
    *,
    simulator=simulators.DEFAULT_SIMULATOR,
    vectors=None,
    count=None,
    seed=0,
    lanes=None,
    build_root=None,
    p_valid=160,
    p_ready=160,
    warm=64,
    keep_run=False,
):
    """Verify ``design`` (a `picojoule.sim.design.Design`) against its golden model.

    Parameters
    ----------
    simulator : {"icarus", "verilator"}
    vectors : VectorSet, optional
        Operands to use; by default ``vector_set(design.spec, count=count, seed=seed)``.
    lanes : int, optional
        Copies of a combinational unit evaluated per time step (default per simulator,
        `DEFAULT_LANES`).
    p_valid, p_ready : int
        Pipelined units: probability (in 1/256) that the input is valid / the output ready
        in a cycle, after the first ``warm`` transfers.
    build_root : path-like, optional
        Folder of simulator images (default ``<cache>/sim``, see `picojoule.sim.harness`).

    Returns
    -------
    Verdict
    """
    start = time.perf_counter()
    simulators.check_simulator(simulator)
    spec = design.spec
    design.check_ports()
    if vectors is None:
        vectors = vector_set(spec, count=count, seed=seed)
    a, b = vectors.a, vectors.b
    n = len(vectors)
    if n == 0:
        raise ValueError("no vectors to verify; give a count >= 1")
    a_fmt, b_fmt = spec.in_formats
    y_width = spec.out_format.width
    widths = dict(a_width=a_fmt.width, b_width=b_fmt.width, y_width=y_width)
    if design.pipelined:
        lanes = 1
        depth = 1 << max(10, (n - 1).bit_length())
        top = wrapper.STREAM_TOP
        text = wrapper.stream_wrapper(top=design.top, ports=design.port_map, depth=depth, **widths)
    else:
        lanes = lanes or DEFAULT_LANES[simulator]
        rows = -(-n // lanes)
        depth = 1 << max(10, (rows - 1).bit_length())
        top = wrapper.BATCH_TOP
        text = wrapper.combinational_wrapper(
            top=design.top, ports=design.port_map, lanes=lanes, depth=depth, **widths
        )
    image = _image(design, simulator=simulator, top=top, wrapper_text=text, build_root=build_root)
    with harness.run_folder(image, keep=keep_run) as run_dir:
        if design.pipelined:
            write_memh(run_dir / "a.hex", a, width=a_fmt.width, lanes=lanes)
            rows = write_memh(run_dir / "b.hex", b, width=b_fmt.width, lanes=lanes)
        else:
            words = wrapper.operand_words(a, b, a_width=a_fmt.width, b_width=b_fmt.width)
            order = gray_order(words)
            rows = write_memh(
                run_dir / "ab.hex",
                words[order],
                width=wrapper.operand_stride(a_width=a_fmt.width, b_width=b_fmt.width),
                lanes=lanes,
            )
        plusargs, limit = run_plusargs(
            pipelined=design.pipelined,
            count=n,
            rows=rows,
            warm=warm,
            p_valid=p_valid,
            p_ready=p_ready,
            seed=seed,
        )
        job = {
            "mode": "stream" if design.pipelined else "batch",
            "count": n,
            "lanes": lanes,
            "y_width": y_width,
            "time_limit_ns": limit,
        }
        results = _load(
            harness.run(
                image,
                folder=run_dir,
                module="picojoule.sim.batch_tb",
                job=job,
                plusargs=plusargs,
                expect="results.npz",
            )
        )
        if not design.pipelined:  # back to the caller's vector order
            for key in ("y", "unknown"):
                restored = np.empty_like(results[key])
                restored[order] = results[key]
                results[key] = restored
    return _judge(
        design,
        a=a,
        b=b,
        results=results,
        vectors=vectors,
        simulator=simulator,
        build_seconds=image.build_seconds,
        warm=warm,
        start=start,
    )


def _judge(design, *, a, b, results, vectors, simulator, build_seconds, warm, start):
    spec = design.spec
    a_fmt, b_fmt = spec.in_formats
    want = np.asarray(spec.golden(a.astype(a_fmt.code_dtype), b.astype(b_fmt.code_dtype))).astype(
        np.uint64
    )
    verdict = Verdict(
        name=spec.name,
        simulator=simulator,
        vectors=len(vectors),
        mismatches=0,
        seconds=0.0,
        sim_seconds=float(results["sim_seconds"]),
        build_seconds=build_seconds,
        description=vectors.description,
        latency=design.latency,
    )
    if design.pipelined:
        _check_stream(
            verdict,
            spec=spec,
            a=a,
            b=b,
            want=want,
            results=results,
            latency=design.latency,
            warm=warm,
        )
    else:
        got, unknown = results["y"], results["unknown"]
        bad = np.flatnonzero((got != want) | unknown)
        verdict.mismatches = int(bad.size)
        verdict.examples = [
            describe_mismatch(spec, a[i], b[i], got[i], want[i], unknown[i]) for i in bad[:EXAMPLES]
        ]
    verdict.seconds = time.perf_counter() - start
    return verdict


def _check_stream(verdict, *, spec, a, b, want, results, latency, warm):
    n = want.size
    got_count = int(results["got"])
    verdict.cycles = int(results["cycles"])
    problems = []
    mismatches = n - got_count  # results that never came out
    if results["timeout"]:
        problems.append(
            f"only {got_count} of {n} results left the pipeline before the cycle "
            f"limit (stalled or lost transfers)"
        )
    if got_count:
        got, unknown = results["y"][:got_count], results["unknown"][:got_count]
        bad = np.flatnonzero((got != want[:got_count]) | unknown)
        mismatches += int(bad.size)
        problems += [
            describe_mismatch(spec, a[i], b[i], got[i], want[i], unknown[i]) + f" (transfer {i})"
            for i in bad[:EXAMPLES]
        ]
        delay = results["t_out"][:got_count].astype(np.int64) - results["t_in"][:got_count].astype(
            np.int64
        )
        head = min(warm, got_count)
        wrong_latency = np.flatnonzero(delay[:head] != latency)
        too_early = np.flatnonzero(delay < latency)
        late = np.union1d(wrong_latency, too_early)
        mismatches += int(late.size)
        problems += [
            f"transfer {i}: result {int(delay[i])} cycles after its input, latency is {latency}"
            for i in late[:EXAMPLES]
        ]
    verdict.mismatches = mismatches
    verdict.examples = problems[: 2 * EXAMPLES]


def _driver_ports(ports):
    """The port names and operand places `picojoule.sim.driver_tb` drives (JSON-ready)."""
    return {
        "operands": {k: list(v) for k, v in ports.operands.items()},
        "result": ports.result,
        "clock": ports.clock,
        "reset": ports.reset,
        "in_valid": ports.in_valid,
        "in_ready": ports.in_ready,
        "out_valid": ports.out_valid,
        "out_ready": ports.out_ready,
    }


def co_verify_per_vector(
    design,
    *,
    vectors,
    simulator=simulators.DEFAULT_SIMULATOR,
    seed=0,
    build_root=None,
    p_valid=160,
    p_ready=160,
    warm=64,
):
    """Verify ``design`` with the Python-driven testbenches of `picojoule.sim.driver_tb`.

    One cocotb await per vector (combinational) or per clock cycle (pipelined, random valid
    and backpressure from Python). Slow; the baseline for the batch wrappers, and an
    independent check of the stream protocol. Same `Verdict` as `co_verify`.
    """
    start = time.perf_counter()
    simulators.check_simulator(simulator)
    design.check_ports()
    a, b = vectors.a, vectors.b
    image = _image(
        design, simulator=simulator, top=design.top, wrapper_text=None, build_root=build_root
    )
    with harness.run_folder(image) as run_dir:
        np.save(run_dir / "a.npy", a)
        np.save(run_dir / "b.npy", b)
        job = {
            "seed": seed,
            "warm": warm,
            "p_valid": p_valid / 256,
            "p_ready": p_ready / 256,
            "max_cycles": 16 * len(vectors) + 64,
            "ports": _driver_ports(design.port_map),
        }
        test = "drive_stream" if design.pipelined else "drive_each_vector"
        results = _load(
            harness.run(
                image,
                folder=run_dir,
                module="picojoule.sim.driver_tb",
                job=job,
                testcase=test,
                expect="results.npz",
            )
        )
    return _judge(
        design,
        a=a,
        b=b,
        results=results,
        vectors=vectors,
        simulator=simulator,
        build_seconds=image.build_seconds,
        warm=warm,
        start=start,
    )
