"""`picojoule verilog`: the standard suite as Verilog plus manifest.json."""

import time

HELP = "write the standard suite of units as Verilog (one .v per unit) and manifest.json"


def add_arguments(parser):
    parser.add_argument(
        "--out",
        default="build/verilog",
        metavar="DIR",
        help="output folder, replaced atomically (default: build/verilog)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="export only the suite units whose name contains NAME (repeatable)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="worker processes for converting units (default: the number of CPUs)",
    )


def run(args):
    from picojoule.hw.export import export_suite
    from picojoule.models.units import standard_suite

    specs = standard_suite()
    if args.only:
        specs = [s for s in specs if any(part in s.name for part in args.only)]
        if not specs:
            raise ValueError(
                f"no suite unit matches {', '.join(args.only)}; "
                f"names look like {standard_suite()[0].name}"
            )
    start = time.perf_counter()

    def progress(entry):
        print(f"  {entry['verilog']:<48} latency {entry['latency']}", flush=True)

    if args.jobs is not None and args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    manifest = export_suite(args.out, specs=specs, progress=progress, jobs=args.jobs)
    print(
        f"wrote {len(manifest['units'])} units and manifest.json to {args.out} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0
