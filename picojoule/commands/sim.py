"""`picojoule sim`: co-verify the standard suite's Verilog against the golden models."""

import time

HELP = (
    "co-verify units against their golden models in a Verilog simulator (cocotb): the "
    "standard suite, one unit given by generate's flags, or Verilog files with their manifest"
)
DESCRIPTION = (
    f"{HELP}. Prints one line per unit (exit 1 if any differs); writes nothing but simulator "
    "builds and exported Verilog under its work folders (build/sim in a checkout, else the "
    "user cache; see PICOJOULE_CACHE). Units: SOURCE... (a manifest.json, or a .v file with "
    "manifest.json beside it, as picojoule verilog or generate --manifest write them); or "
    "--kind with generate's flags (e.g. --kind lmul --a e3m2); or --unit NAME from the suite "
    "(default: the whole suite). Refuses: more than one of these, a name no unit matches, "
    "out-of-range numbers, a missing simulator."
)


def add_arguments(parser):
    from picojoule.commands.generate import add_unit_arguments
    from picojoule.sim.simulators import DEFAULT_SIMULATOR, SIMULATORS

    parser.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="a manifest.json, or a Verilog file with manifest.json beside it (or --manifest)",
    )
    parser.add_argument(
        "--manifest",
        metavar="FILE.json",
        help="the manifest of the Verilog SOURCE files (default: manifest.json beside each)",
    )
    unit = parser.add_argument_group("one unit from generate's flags (instead of the suite)")
    add_unit_arguments(unit, required=False)

    parser.add_argument(
        "--simulator",
        choices=SIMULATORS,
        default=DEFAULT_SIMULATOR,
        help=f"HDL simulator (default: {DEFAULT_SIMULATOR})",
    )
    parser.add_argument(
        "--unit",
        action="append",
        metavar="NAME",
        help="verify only this unit (exact name, or a part of names; repeatable)",
    )
    parser.add_argument(
        "--vectors",
        type=int,
        default=None,
        metavar="N",
        help="random vectors per unit that is not verified exhaustively "
        "(default: 1000000, plus the directed corners)",
    )
    parser.add_argument("--seed", type=int, default=0, help="vector seed (default: 0)")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="units simulated in parallel (default: the number of CPUs)",
    )
    parser.add_argument(
        "--lanes",
        type=int,
        default=None,
        help="copies of a combinational unit per simulated step (default: 1 on "
        "Icarus, 8 on Verilator)",
    )
    parser.add_argument(
        "--verilog",
        default=None,
        metavar="DIR",
        help="where suite or --kind units are exported (default: sim/verilog in the work "
        "folder: build/sim/verilog in a checkout)",
    )
    parser.add_argument("--list", action="store_true", help="list the unit names and exit")


def select_specs(names):
    """The suite specs named by ``names`` (exact names, else name parts); all if empty."""
    from picojoule.models.units import standard_suite

    suite = standard_suite()
    if not names:
        return suite
    chosen = []
    for name in names:
        exact = [s for s in suite if s.name == name]
        matches = exact or [s for s in suite if name in s.name]
        if not matches:
            raise ValueError(
                f"no suite unit matches {name!r}; picojoule sim --list shows the suite's names "
                f"(e.g. {suite[0].name}); any other unit: picojoule sim --kind KIND --a FMT ... "
                "(generate's flags) or picojoule sim FILE.v with its manifest.json"
            )
        chosen += [s for s in matches if s not in chosen]
    return chosen


def designs_from_sources(sources, *, manifest=None):
    """The `Design` of each SOURCE: every unit of a manifest.json, or the unit of a .v file
    listed in its manifest (``manifest`` or manifest.json beside it)."""
    from pathlib import Path

    from picojoule.base.errors import UserError
    from picojoule.sim.design import load_manifest

    designs = []
    for source in sources:
        path = Path(source)
        if path.suffix == ".json":
            designs += load_manifest(path)
            continue
        index = Path(manifest) if manifest else path.parent / "manifest.json"
        if not index.is_file():
            raise UserError(
                f"{source} has no manifest ({index} is missing); write one with picojoule "
                "generate ... -o FILE.v --manifest manifest.json, or pass --manifest"
            )
        found = [d for d in load_manifest(index) if d.verilog == path.resolve()]
        if not found:
            raise UserError(f"{index} does not list {source}; pass the manifest that does")
        designs += found
    return designs


def _designs(args):
    """(designs, where) from SOURCE..., generate's flags or the suite; one of them only."""
    from picojoule.base.errors import UserError
    from picojoule.base.paths import build_root
    from picojoule.sim.design import export_designs

    given = [bool(args.sources), args.kind is not None, bool(args.unit)]
    if sum(given) > 1:
        raise UserError("give units one way: SOURCE files, --kind with its flags, or --unit")
    if args.sources:
        return designs_from_sources(args.sources, manifest=args.manifest), "the manifest"
    if args.manifest:
        raise UserError("--manifest applies to SOURCE Verilog files; pass them too")
    where = args.verilog or str(build_root() / "sim" / "verilog")
    if args.kind is not None:
        from picojoule.commands.generate import spec_from_args

        spec = spec_from_args(args)
        return export_designs([spec], where, fault=args.fault), where
    if args.fault:
        raise UserError("--fault applies to a unit given by --kind; pass --kind too")
    return export_designs(select_specs(args.unit), where), where


def run(args):
    from picojoule.commands._checks import in_range
    from picojoule.sim.simulators import check_simulator
    from picojoule.sim.suite import verify_designs

    if args.list:
        for spec in select_specs(args.unit):
            print(spec.name)
        return 0
    in_range(args.vectors, flag="--vectors", minimum=1)
    in_range(args.lanes, flag="--lanes", minimum=1)
    in_range(args.jobs, flag="--jobs", minimum=1)
    check_simulator(args.simulator)
    start = time.perf_counter()
    designs, where = _designs(args)
    for design in designs:
        design.check_ports()
    print(
        f"{len(designs)} units from {where} ({time.perf_counter() - start:.1f} s); "
        f"simulating with {args.simulator}",
        flush=True,
    )
    failed = 0
    total = 0
    for _, verdict in verify_designs(
        designs,
        jobs=args.jobs,
        simulator=args.simulator,
        count=args.vectors,
        seed=args.seed,
        lanes=args.lanes,
    ):
        print(verdict.line(), flush=True)
        for example in verdict.examples:
            print(f"    {example}", flush=True)
        failed += not verdict.passed
        total += verdict.vectors
    print(
        f"{len(designs) - failed} of {len(designs)} units match their golden models; "
        f"{total} vectors in {time.perf_counter() - start:.1f} s"
    )
    return 1 if failed else 0
