"""The standard suite's netlist proofs and RTL-netlist equivalence checks, run or read back.

`suite_proofs` exports the units (`picojoule.hw.export`), synthesizes them (cached) and, per
unit, sweeps the gate netlist against the golden model (`picojoule.cost.prove`): every operand
pair when the unit has at most 32 operand bits, else a seeded sample of `SAMPLE_WIDE` pairs;
and checks the RTL equivalent to the netlist (`picojoule.cost.equiv`). With ``run=False``
nothing is computed: the cached results are read back (None where there is none), which is
what the report does after `make prove`.
"""

from pathlib import Path

from picojoule.cost.equiv import DEFAULT_LIMIT_S, check_equivalence
from picojoule.cost.prove import EXHAUSTIVE_LIMIT, prove, sweeps_operands
from picojoule.cost.synth import synthesize

__all__ = ["SAMPLE_WIDE", "SAMPLE_SEED", "suite_proofs", "netlist_label", "equivalence_label"]

#: Pairs sampled from units above 32 operand bits, and the seed.
SAMPLE_WIDE = 1_000_000
SAMPLE_SEED = 1


#: The netlist record of a unit with block operands (mx_dot): the sweep drives scalar codes.
NOT_SWEPT = {"mode": "none", "verdict": "not swept", "pairs": 0, "mismatches": 0}


def _proof_mode(spec):
    bits = sum(fmt.width for fmt in spec.in_formats)
    return None if bits <= EXHAUSTIVE_LIMIT else SAMPLE_WIDE


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
    """One dict per spec: ``name``, ``netlist`` (a `prove` result or None), ``equivalence``
    (a `check_equivalence` result or None). ``verilog_dir`` holds the exported units
    (``<name>.v``); ``progress(str)`` gets one line per unit."""
    records = []
    for spec in specs:
        verilog = Path(verilog_dir) / f"{spec.name}.v"
        synth = synthesize(verilog=verilog, top=spec.name, liberty=liberty, progress=None)
        if sweeps_operands(spec):
            netlist = prove(
                spec=spec,
                verilog=verilog,
                synth=synth,
                sample=_proof_mode(spec),
                seed=SAMPLE_SEED,
                jobs=jobs,
                progress=run and progress is not None,
                lookup_only=not run,
            )
        else:
            netlist = dict(NOT_SWEPT)
        equiv = None
        if equivalence:
            equiv = check_equivalence(
                verilog=verilog,
                synth=synth,
                top=spec.name,
                liberty=liberty,
                limit_s=limit_s,
                lookup_only=not run,
            )
        if progress is not None and run:
            progress(
                f"{spec.name}: netlist {netlist_label(netlist)}{_times(netlist)}; "
                f"equivalence {equivalence_label(equiv)}"
            )
        records.append({"name": spec.name, "netlist": netlist, "equivalence": equiv})
    return records


def _times(result):
    """' (812 s wall, 1,570 s CPU)' of a sweep run now, '' for a cached one."""
    if result.get("cached") or result.get("cpu_seconds") is None:  # cached, or not swept
        return " (cached)" if result.get("cached") else ""
    wall, cpu = result["seconds"], result["cpu_seconds"]
    digits = 0 if min(wall, cpu) >= 100 else 1
    return f" ({wall:,.{digits}f} s wall, {cpu:,.{digits}f} s CPU)"


def netlist_label(result):
    """'exhaustive 4,294,967,296, proven', 'sample 1,000,000, no mismatch', ... or 'not run'."""
    if result is None:
        return "not run (`make prove`)"
    if result["verdict"] == NOT_SWEPT["verdict"]:
        return "not swept (block operands: co-verified in cocotb)"
    what = "exhaustive" if result["mode"] == "exhaustive" else "sample"
    if result["mismatches"]:
        return f"{what} {result['pairs']:,}: {result['mismatches']} mismatches"
    verdict = "proven" if result["verdict"] == "proven" else "no mismatch"
    return f"{what} {result['pairs']:,}, {verdict}"


def equivalence_label(result):
    """'proven (ABC &cec -m, 3.2 s)' or 'not proven within 120 CPU s (...)' or 'not run'."""
    if result is None:
        return "not run (`make prove`)"
    method = result["method"].split("-> ")[-1]
    if result["verdict"] == "not proven within the limit":
        return f"not proven within {result['limit_s']} CPU s ({method})"
    return f"{result['verdict']} ({method}, {result['seconds']:.0f} s)"
