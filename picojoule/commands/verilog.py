"""`picojoule verilog`: the standard suite as Verilog plus manifest.json."""

import time

from picojoule.commands._checks import add_force_argument, in_range

HELP = "write the standard suite of units as Verilog (one .v per unit) and manifest.json"
DESCRIPTION = (
    f"{HELP}. Writes them into the --out folder, replacing only this command's previous .v "
    "files and manifest.json there. Refuses before any work: an --out that is a file, a non-empty folder picojoule "
    "did not create (unless --force), an unwritable location, an --only that matches no unit."
)


def add_arguments(parser):
    parser.add_argument(
        "--out",
        default="build/verilog",
        metavar="DIR",
        help="output folder (default: build/verilog); only its .v files and manifest.json "
        "are replaced",
    )
    add_force_argument(parser)
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
    from picojoule.base import outputs
    from picojoule.hw.export import VERILOG_OUTPUTS, export_suite
    from picojoule.models.units import standard_suite

    specs = standard_suite()
    if args.only:
        specs = [s for s in specs if any(part in s.name for part in args.only)]
        if not specs:
            raise ValueError(
                f"no suite unit matches {', '.join(args.only)}; "
                f"names look like {standard_suite()[0].name}"
            )
    in_range(args.jobs, flag="--jobs", minimum=1)
    outputs.check_folder(args.out, command="verilog", outputs=VERILOG_OUTPUTS, force=args.force)
    start = time.perf_counter()

    def progress(entry):
        print(f"  {entry['verilog']:<48} latency {entry['latency']}", flush=True)

    manifest = export_suite(
        args.out, specs=specs, progress=progress, jobs=args.jobs, force=args.force
    )
    print(
        f"wrote {len(manifest['units'])} units and manifest.json to {args.out} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0
