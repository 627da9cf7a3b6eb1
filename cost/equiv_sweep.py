"""RTL = netlist by exhaustive simulation, for units whose SAT-based check stops undecided.

ABC's ``&cec`` (:mod:`picojoule.cost.equiv`) does not decide some multipliers within its limit
(fp16's 11 x 11 significand product: not within 1200 CPU s). A unit with at most
`picojoule.cost.prove.EXHAUSTIVE_LIMIT` operand bits can instead be decided by enumeration:
its RTL, lowered to Yosys' gate cells exactly as the miter's gold side
(:mod:`picojoule.cost.rtl_gates`, no ABC, no cell library), and its mapped netlist are both
evaluated on every operand pair with the bit-parallel engine and compared bit for bit (NaN
payloads and o__valid included; a pipeline from its all-zero state through its latency, as
`picojoule.cost.prove` does). Every pair equal is a proof of equivalence on the unit's whole
input space, with the same trust in Yosys' reading of the RTL as the miter.

Results are cached (`picojoule.base.cache`, kind ``equiv_sweep``) by the Verilog, the mapped
netlist, the library digest, the spec and the source of `picojoule.cost.prove.SOURCES`.
"""

import os
import time
from pathlib import Path

from picojoule.base import cache
from picojoule.base.errors import UserError
from picojoule.cost.prove import (
    EXHAUSTIVE_LIMIT,
    SOURCES,
    cpu_seconds,
    enumerable,
    plan_tasks,
    run_tasks,
)
from picojoule.cost.rtl_gates import rtl_gate_netlist
from picojoule.cost.sweep_netlist import NetlistSweep

__all__ = ["METHOD", "sweep_equivalence"]

METHOD = "RTL lowered by Yosys (no ABC) and the netlist simulated on every operand pair"


def sweep_equivalence(
    *,
    spec,
    verilog,
    synth,
    jobs=None,
    max_mismatches=10,
    cache_dir="default",
    progress=True,
    lookup_only=False,
):
    """Compare the RTL in ``verilog`` with ``synth``'s mapped netlist on every operand pair.

    Returns a dict in the form of `picojoule.cost.equiv.check_equivalence`'s: ``verdict``
    ("proven" or "not equivalent"), ``method`` (`METHOD`), ``limit_s`` (None: no time limit),
    ``seconds``, ``cpu_seconds``, ``pairs``, ``mismatches``, ``examples`` (codes, values, got =
    netlist, want = RTL), ``rtl_gates`` (cells of the lowered RTL), ``cached``. With
    ``lookup_only`` the cached result or None.
    """
    if not enumerable(spec):
        bits = sum(fmt.width for fmt in spec.in_formats)
        raise UserError(
            f"{spec.name} has {bits} operand bits; an exhaustive equivalence sweep goes up to "
            f"{EXHAUSTIVE_LIMIT}"
        )
    rtl = Path(verilog).read_text()
    cache_dir = cache.resolve(cache_dir)
    digest = cache.key(
        "equiv_sweep",
        spec.kind,
        spec.params(),
        rtl,
        synth.design,
        synth.library.digest,
        max_mismatches,
        sources=SOURCES,
    )
    cached = cache.load_result(cache_dir, "equiv_sweep", digest)
    if cached is not None or lookup_only:
        return cached
    start, cpu_start = time.perf_counter(), cpu_seconds()
    gold = rtl_gate_netlist(verilog=verilog, top=spec.name, cache_dir=cache_dir)
    reference = NetlistSweep(netlist=gold, spec=spec)
    sweep = NetlistSweep(netlist=synth.netlist, spec=spec, reference=reference)
    function, tasks = plan_tasks(sweep, sample=None, seed=0, max_examples=max_mismatches)
    pairs, mismatches, examples = run_tasks(
        sweep,
        function,
        tasks,
        jobs=jobs or len(os.sched_getaffinity(0)),
        max_mismatches=max_mismatches,
        show_progress=progress,
        label=f"{spec.name} RTL = netlist",
    )
    # the sweep stops early only at a mismatch: without one, every pair was compared
    result = {
        "unit": spec.name,
        "verdict": "not equivalent" if mismatches else "proven",
        "method": METHOD,
        "limit_s": None,
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(cpu_seconds() - cpu_start, 2),
        "pairs": pairs,
        "mismatches": mismatches,
        "examples": examples[:max_mismatches],
        "rtl_gates": len(gold.instances),
        "cached": False,
    }
    cache.store(cache_dir, "equiv_sweep", digest, result)
    return result
