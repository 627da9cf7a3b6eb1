"""The standard suite's netlist proofs and RTL-netlist equivalence checks, run or read back.

`suite_proofs` exports the units (`picojoule.hw.export`), synthesizes them (cached) and, per
unit, sweeps the gate netlist against the golden model (`picojoule.cost.prove`): every operand
pair when the unit has at most 32 operand bits, else a seeded sample of `SAMPLE_WIDE` pairs;
and checks the RTL equivalent to the netlist (`picojoule.cost.equiv`; where ABC stops undecided
on a unit of at most 32 operand bits, by simulating the RTL and the netlist on every operand
pair, `picojoule.cost.equiv_sweep`). With ``run=False``
nothing is computed: the cached results are read back (None where there is none), which is
what the report does after `make prove`.

Units with block operands (mx_dot) are neither swept (the sweep drives scalar codes) nor
checked for equivalence (`NOT_ATTEMPTED`: ABC's ``&cec -m`` proved none of those tried within
120 CPU s, the report's k = 8 e2m1 and e4m3 units and the suite's k = 32 e2m1 and e4m3 and
k = 16 NVFP4 units, and their operands are far beyond an exhaustive sweep); cocotb
co-verifies them against their golden model, and they are not synthesized here.

A run does its work in two phases that each keep every core busy: synthesis and the
equivalence check (one Yosys / ABC process per unit) on a pool of ``jobs`` worker processes,
then the sweeps one unit after another, each on ``jobs`` workers.
"""

import os
import time
from pathlib import Path

from picojoule.base.pool import run_jobs
from picojoule.cost.equiv import DEFAULT_LIMIT_S, check_equivalence
from picojoule.cost.equiv_sweep import METHOD as SWEEP_METHOD
from picojoule.cost.equiv_sweep import sweep_equivalence
from picojoule.cost.prove import cpu_seconds, enumerable, prove, sweeps_operands
from picojoule.cost.synth import synthesize

__all__ = [
    "SAMPLE_WIDE",
    "SAMPLE_SEED",
    "NOT_SWEPT",
    "COSTED_BLOCKS",
    "costed_blocks_check",
    "NOT_ATTEMPTED",
    "suite_proofs",
    "decide_by_sweep",
    "netlist_label",
    "equivalence_label",
]

#: Pairs sampled from units above 32 operand bits, and the seed.
SAMPLE_WIDE = 1_000_000
SAMPLE_SEED = 1


#: The netlist record of a unit with block operands (mx_dot): the sweep drives scalar codes.
NOT_SWEPT = {"mode": "none", "verdict": "not swept", "pairs": 0, "mismatches": 0}
#: The equivalence record of a unit with block operands: no check is run (see the module).
NOT_ATTEMPTED = {
    "verdict": "not attempted",
    "reason": "block unit: ABC &cec proved no mx_dot unit within 120 CPU s, k = 8 included",
}

#: The netlist ``mode`` of a check on the blocks a unit was costed on (not a proof).
COSTED_BLOCKS = "blocks"


def costed_blocks_check(name, *, operations, mismatches):
    """The proof-table record of a block unit whose costed netlist was compared with the golden
    model on its ``operations`` costed blocks (the report's Block formats units): a netlist
    check in the `netlist_label` form, and equivalence `NOT_ATTEMPTED`."""
    netlist = {
        "mode": COSTED_BLOCKS,
        "verdict": "no mismatch" if not mismatches else "mismatch",
        "pairs": operations,
        "mismatches": mismatches,
    }
    return {"name": name, "netlist": netlist, "equivalence": dict(NOT_ATTEMPTED)}


def _proof_mode(spec):
    return None if enumerable(spec) else SAMPLE_WIDE


def suite_proofs(
    specs,
    *,
    verilog_dir,
    run=True,
    jobs=None,
    limit_s=DEFAULT_LIMIT_S,
    liberty=None,
    progress=None,
    equivalence=True,
):
    """One dict per spec: ``name``, ``netlist`` (a `prove` result, `NOT_SWEPT` or None),
    ``equivalence`` (a `check_equivalence` result, `NOT_ATTEMPTED` or None) and, for a unit
    run now, ``prepare`` (wall and CPU seconds of its synthesis and equivalence check).
    ``verilog_dir`` holds the exported units (``<name>.v``); ``progress(str)`` gets one line
    per unit. ``jobs``: worker processes (default: every core the process may use)."""
    jobs = jobs or len(os.sched_getaffinity(0))
    scalar = [spec for spec in specs if sweeps_operands(spec)]
    prepared = {}
    if run:
        tasks = [
            {
                "spec": spec,
                "verilog": str(Path(verilog_dir) / f"{spec.name}.v"),
                "liberty": liberty,
                "limit_s": limit_s,
                "equivalence": equivalence,
            }
            for spec in scalar
        ]
        # the widest units first: their synthesis and equivalence checks are the longest
        tasks.sort(key=lambda t: -sum(fmt.width for fmt in t["spec"].in_formats))
        results = run_jobs(
            _prepare, tasks, workers=jobs, label="synthesis + RTL = netlist", unit="unit"
        )
        prepared = {t["spec"].name: r for t, r in zip(tasks, results)}
    records = []
    for spec in specs:
        if not sweeps_operands(spec):
            netlist, equiv = dict(NOT_SWEPT), dict(NOT_ATTEMPTED) if equivalence else None
            record = {"name": spec.name, "netlist": netlist, "equivalence": equiv}
        else:
            record = _unit_record(
                spec,
                verilog=Path(verilog_dir) / f"{spec.name}.v",
                prepared=prepared.get(spec.name),
                run=run,
                jobs=jobs,
                limit_s=limit_s,
                liberty=liberty,
                progress=run and progress is not None,
                equivalence=equivalence,
            )
        if progress is not None and run:
            progress(_line(record))
        records.append(record)
    return records


def _unit_record(spec, *, verilog, prepared, run, jobs, limit_s, liberty, progress, equivalence):
    synth = synthesize(verilog=verilog, top=spec.name, liberty=liberty, progress=None)
    netlist = prove(
        spec=spec,
        verilog=verilog,
        synth=synth,
        sample=_proof_mode(spec),
        seed=SAMPLE_SEED,
        jobs=jobs,
        progress=progress,
        lookup_only=not run,
    )
    record = {"name": spec.name, "netlist": netlist, "equivalence": None}
    if prepared is not None:
        record["equivalence"] = prepared["equivalence"]
        record["prepare"] = {k: prepared[k] for k in ("seconds", "cpu_seconds")}
    elif equivalence:
        record["equivalence"] = check_equivalence(
            verilog=verilog,
            synth=synth,
            top=spec.name,
            liberty=liberty,
            limit_s=limit_s,
            lookup_only=not run,
        )
    record["equivalence"] = decide_by_sweep(
        record["equivalence"],
        spec=spec,
        verilog=verilog,
        synth=synth,
        jobs=jobs,
        progress=progress,
        lookup_only=not run,
    )
    return record


def decide_by_sweep(equiv, *, spec, verilog, synth, jobs, progress, lookup_only):
    """``equiv`` (a `check_equivalence` result or None), or, when ABC stopped undecided on a
    unit of at most 32 operand bits, the `sweep_equivalence` result with ``equiv`` as its
    ``sat`` entry (None in ``lookup_only`` mode when the sweep is not cached)."""
    if equiv is None or equiv["verdict"] != "not proven within the limit" or not enumerable(spec):
        return equiv
    swept = sweep_equivalence(
        spec=spec,
        verilog=verilog,
        synth=synth,
        jobs=jobs,
        progress=progress,
        lookup_only=lookup_only,
    )
    if swept is None:
        return equiv
    return {**swept, "sat": equiv}


def _prepare(task):
    """A worker's job: synthesize one unit (cached) and check its equivalence (cached);
    the wall and CPU seconds (this process and its Yosys / ABC runs) of both."""
    start, cpu = time.perf_counter(), cpu_seconds()
    spec, verilog = task["spec"], Path(task["verilog"])
    synth = synthesize(verilog=verilog, top=spec.name, liberty=task["liberty"], progress=None)
    equiv = None
    if task["equivalence"]:
        equiv = check_equivalence(
            verilog=verilog,
            synth=synth,
            top=spec.name,
            liberty=task["liberty"],
            limit_s=task["limit_s"],
        )
    return {
        "equivalence": equiv,
        "seconds": time.perf_counter() - start,
        "cpu_seconds": cpu_seconds() - cpu,
    }


def _line(record):
    """The progress line of one unit: its sweep, its equivalence and their times."""
    netlist, equiv = record["netlist"], record["equivalence"]
    line = (
        f"{record['name']}: netlist {netlist_label(netlist)}{_times(netlist)}; "
        f"equivalence {equivalence_label(equiv)}"
    )
    if "prepare" in record:
        prep = record["prepare"]
        line += f"; synthesis + equivalence {_seconds(prep['seconds'], prep['cpu_seconds'])}"
    return line


def _seconds(wall, cpu):
    digits = 0 if min(wall, cpu) >= 100 else 1
    return f"{wall:,.{digits}f} s wall, {cpu:,.{digits}f} s CPU"


def _times(result):
    """' (812 s wall, 1,570 s CPU)' of a sweep run now, '' for a cached one."""
    if result.get("cached") or result.get("cpu_seconds") is None:  # cached, or not swept
        return " (cached)" if result.get("cached") else ""
    return f" ({_seconds(result['seconds'], result['cpu_seconds'])})"


def netlist_label(result):
    """'exhaustive 4,294,967,296, proven', 'sample 1,000,000, no mismatch', ... or 'not run'."""
    if result is None:
        return "not run (`make prove`)"
    if result["verdict"] == NOT_SWEPT["verdict"]:
        return "not swept (block operands: co-verified in cocotb)"
    what = {"exhaustive": "exhaustive", COSTED_BLOCKS: "costed blocks"}.get(
        result["mode"], "sample"
    )
    if result["mismatches"]:
        return f"{what} {result['pairs']:,}: {result['mismatches']} mismatches"
    verdict = "proven" if result["verdict"] == "proven" else "no mismatch"
    return f"{what} {result['pairs']:,}, {verdict}"


def equivalence_label(result):
    """'proven (ABC &cec -m, 3.2 s)' or 'not proven within 120 CPU s (...)' or 'not run'."""
    if result is None:
        return "not run (`make prove`)"
    if result["verdict"] == NOT_ATTEMPTED["verdict"]:
        return f"not attempted ({result['reason']})"
    if result["method"] == SWEEP_METHOD:
        sat = result["sat"]
        return (
            f"{result['verdict']} (RTL and netlist simulated on every operand pair, "
            f"{result['seconds']:.0f} s; {sat['method'].split('-> ')[-1]}: undecided within "
            f"{sat['limit_s']} CPU s)"
        )
    method = result["method"].split("-> ")[-1]
    if result["verdict"] == "not proven within the limit":
        return f"not proven within {result['limit_s']} CPU s ({method})"
    return f"{result['verdict']} ({method}, {result['seconds']:.0f} s)"
