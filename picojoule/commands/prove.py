"""`picojoule prove`: a unit's synthesized gate netlist against its golden model, every pair."""

import json
import tempfile
import time
from pathlib import Path

from picojoule.commands import generate

HELP = (
    "sweep a unit's synthesized gate netlist over every operand pair (or a sample) and "
    "compare it with the golden model"
)
DESCRIPTION = (
    f"{HELP}. Prints one verdict line per unit (and up to --max-mismatches mismatching pairs: "
    "codes, decoded values, got, want) and a progress bar on stderr; writes only the cache "
    "under build/cache and, with --json, that file (--suite also exports the suite's Verilog "
    "to --build-dir/verilog). Exits 1 on a mismatch or a disproven equivalence. Refuses before "
    "any work: an exhaustive sweep of a unit above 32 operand bits (use --sample N), a unit "
    "both named and described by flags, an unknown unit, a unit with block operands (mx_dot: "
    "`picojoule sim` co-verifies it; --suite lists it as not swept and its equivalence as not "
    "attempted), --sample or --max-mismatches below 1, a missing Yosys."
)


def add_arguments(parser):
    parser.add_argument(
        "unit",
        nargs="?",
        metavar="UNIT",
        help="a standard-suite unit name (see `picojoule verilog`), or describe one with the "
        "flags of `picojoule generate`",
    )
    generate.add_unit_arguments(parser, required=False)
    parser.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="compare N random pairs (uniform, with replacement) instead of every pair",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of --sample (default 1)")
    parser.add_argument(
        "--max-mismatches",
        type=int,
        default=10,
        metavar="N",
        help="stop after N mismatches (default 10)",
    )
    parser.add_argument(
        "--jobs", type=int, metavar="J", help="worker processes (default: every usable core)"
    )
    parser.add_argument(
        "--liberty",
        metavar="PATH",
        help="Liberty file (.lib or .lib.gz); default: the built-in Nangate45 table",
    )
    parser.add_argument(
        "--equiv",
        action="store_true",
        help="also prove the RTL equivalent to the netlist (Yosys miter + ABC; where ABC stops "
        "undecided on a unit of at most 32 operand bits, by simulating both on every pair)",
    )
    parser.add_argument(
        "--equiv-limit",
        type=int,
        default=120,
        metavar="S",
        help="CPU seconds allowed per equivalence check (default 120)",
    )
    parser.add_argument(
        "--suite",
        action="store_true",
        help="every standard-suite unit (`make prove`): exhaustive up to 32 operand bits, a "
        "1M-pair sample above, and the equivalence check (synthesis and equivalence checks on "
        "--jobs workers first, then the sweeps); block units (mx_dot) are co-verified in "
        "cocotb only; results cached",
    )
    parser.add_argument(
        "--build-dir", default="build", metavar="DIR", help="--suite: where Verilog goes"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def spec_from_args(args):
    """The unit spec named by UNIT or described by the generate flags (ValueError otherwise)."""
    from picojoule.models.units import standard_suite

    if args.unit and args.kind:
        raise ValueError("give a suite unit name or --kind and its flags, not both")
    if args.unit:
        suite = {spec.name: spec for spec in standard_suite()}
        if args.unit not in suite:
            close = [name for name in suite if args.unit in name][:3]
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ValueError(
                f"unknown unit {args.unit!r}{hint}; `picojoule verilog` lists the suite, or "
                "describe a unit with --kind and the flags of `picojoule generate`"
            )
        return suite[args.unit]
    if not args.kind:
        raise ValueError("name a suite unit (e.g. lmul_bf16_int_add_nonsat_s0) or give --kind")
    return generate.spec_from_args(args)


def _describe(example, spec):
    fmt_a, fmt_b = spec.in_formats
    width = -(-spec.out_format.width // 4)
    line = (
        f"    a=0x{example['a']:0{-(-fmt_a.width // 4)}x} ({example['a_value']:g}) "
        f"b=0x{example['b']:0{-(-fmt_b.width // 4)}x} ({example['b_value']:g}): "
        f"got 0x{example['got']:0{width}x} ({example['got_value']:g}), "
        f"want 0x{example['want']:0{width}x} ({example['want_value']:g})"
    )
    if example.get("valid") == 0:
        line += ", o__valid low"
    return line


def _check_arguments(args):
    """One-line errors for the numeric flags and the --json path, before any work."""
    from picojoule.base import outputs
    from picojoule.commands._checks import in_range

    in_range(args.max_mismatches, flag="--max-mismatches", minimum=1)
    in_range(args.equiv_limit, flag="--equiv-limit", minimum=1, what="CPU seconds")
    in_range(args.jobs, flag="--jobs", minimum=1)
    if args.json:
        outputs.check_file(args.json, flag="--json")


def _pairs_to_check(spec):
    from picojoule.cost.prove import enumerable
    from picojoule.verification import SAMPLE_WIDE

    return 1 << sum(fmt.width for fmt in spec.in_formats) if enumerable(spec) else SAMPLE_WIDE


def _run_suite(args):
    from picojoule.base import atomic
    from picojoule.cost.synth import yosys_version
    from picojoule.hw.export import export_suite
    from picojoule.models.units import standard_suite
    from picojoule.verification import suite_proofs

    if args.unit or args.kind or args.sample:
        raise ValueError("--suite proves the whole standard suite; drop UNIT, --kind and --sample")
    yosys_version()
    specs = standard_suite()
    verilog_dir = Path(args.build_dir) / "verilog"
    export_suite(verilog_dir, specs=specs)
    # the cheapest sweeps first, so that an interrupted run leaves the most units cached
    order = sorted(specs, key=lambda s: (_pairs_to_check(s), s.kind != "lmul"))
    start = time.perf_counter()
    records = suite_proofs(
        order,
        verilog_dir=verilog_dir,
        jobs=args.jobs,
        limit_s=args.equiv_limit,
        liberty=args.liberty,
        progress=lambda line: print(line, flush=True),
    )
    failed = [
        r["name"]
        for r in records
        if r["netlist"]["mismatches"] or r["equivalence"]["verdict"] == "not equivalent"
    ]
    proven = sum(r["netlist"]["verdict"] == "proven" for r in records)
    equivalent = sum(r["equivalence"]["verdict"] == "proven" for r in records)
    print(
        f"{len(records)} units: {proven} netlists proven on every operand pair, "
        f"{equivalent} RTL-netlist equivalences proven, {len(failed)} failing"
        + (f" ({', '.join(failed)})" if failed else "")
        + f"; {time.perf_counter() - start:,.0f} s wall"
    )
    if args.json:
        atomic.write_text(args.json, json.dumps(records, indent=2) + "\n")
    return 1 if failed else 0


def run(args):
    from picojoule.base import atomic
    from picojoule.cost.equiv import check_equivalence
    from picojoule.cost.prove import check_mode, prove
    from picojoule.cost.synth import synthesize, yosys_version
    from picojoule.hw.export import verilog_source
    from picojoule.verification import decide_by_sweep, equivalence_label

    _check_arguments(args)
    if args.suite:
        return _run_suite(args)
    spec = spec_from_args(args)
    check_mode(spec, sample=args.sample)
    yosys_version()  # one line naming the package if Yosys is missing
    with tempfile.TemporaryDirectory(prefix="picojoule-prove-") as tmp:
        path = Path(tmp) / f"{spec.name}.v"
        path.write_text(verilog_source(spec, fault=args.fault))
        synth = synthesize(verilog=path, top=spec.name, liberty=args.liberty)
        result = prove(
            spec=spec,
            verilog=path,
            synth=synth,
            sample=args.sample,
            seed=args.seed,
            max_mismatches=args.max_mismatches,
            jobs=args.jobs,
            liberty=args.liberty,
            progress=not args.quiet,
        )
        equiv = None
        if args.equiv:
            equiv = check_equivalence(
                verilog=path,
                synth=synth,
                top=spec.name,
                liberty=args.liberty,
                limit_s=args.equiv_limit,
            )
            if args.sample is None:  # an exhaustive run: decide what ABC left undecided
                equiv = decide_by_sweep(
                    equiv,
                    spec=spec,
                    verilog=path,
                    synth=synth,
                    jobs=args.jobs,
                    progress=not args.quiet,
                    lookup_only=False,
                )
            result["equivalence"] = equiv
    space = f"2^{result['bits']} = {result['space']:,}"
    how = "every pair" if result["mode"] == "exhaustive" else f"sample, seed {result['seed']}"
    rate = (
        "cached result"
        if result["cached"]
        else f"{result['seconds']:.1f} s, {result['pairs_per_second'] / 1e6:.1f} M pairs/s "
        f"on {result['jobs']} workers"
    )
    print(
        f"{spec.name}: {result['verdict']}: {result['pairs']:,} pairs of {space} ({how}) "
        f"through the {result['cells']}-cell netlist ({result['library']} library), "
        f"{result['mismatches']} mismatches; {rate}"
    )
    if not result["complete"]:
        print(f"  stopped at the limit of {result['max_mismatches']} mismatches (--max-mismatches)")
    for example in result["examples"]:
        print(_describe(example, spec))
    if equiv is not None:
        print(f"{spec.name}: RTL-netlist equivalence {equivalence_label(equiv)}")
    if args.json:
        atomic.write_text(args.json, json.dumps(result, indent=2) + "\n")
    failed = result["mismatches"] or (equiv is not None and equiv["verdict"] == "not equivalent")
    return 1 if failed else 0
