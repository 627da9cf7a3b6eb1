"""`picojoule sim`: co-verify the standard suite's Verilog against the golden models."""

import time

HELP = (
    "co-verify every unit of the standard suite against its golden model in a Verilog "
    "simulator (cocotb); one line per unit"
)


def add_arguments(parser):
    from picojoule.sim.simulators import DEFAULT_SIMULATOR, SIMULATORS

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
        default="build/sim/verilog",
        metavar="DIR",
        help="where the suite's Verilog is exported (default: build/sim/verilog)",
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
                f"no suite unit matches {name!r}; picojoule sim --list shows the "
                f"names (e.g. {suite[0].name})"
            )
        chosen += [s for s in matches if s not in chosen]
    return chosen


def run(args):
    from picojoule.sim.design import export_designs
    from picojoule.sim.simulators import check_simulator
    from picojoule.sim.suite import verify_designs

    specs = select_specs(args.unit)
    if args.list:
        for spec in specs:
            print(spec.name)
        return 0
    if args.vectors is not None and args.vectors < 1:
        raise ValueError(f"--vectors must be >= 1, got {args.vectors}")
    if args.lanes is not None and args.lanes < 1:
        raise ValueError(f"--lanes must be >= 1, got {args.lanes}")
    check_simulator(args.simulator)
    start = time.perf_counter()
    designs = export_designs(specs, args.verilog)
    print(
        f"exported {len(designs)} units to {args.verilog} "
        f"({time.perf_counter() - start:.1f} s); simulating with {args.simulator}",
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
