"""`picojoule sweep SPEC.toml --out DIR`: a design-space sweep (see `picojoule.sweep`)."""

import os
import sys

HELP = (
    "run every design point of a TOML sweep file (generate, verify, synthesize, energy, "
    "accuracy) on local processes or a Dask cluster; resumable; writes DIR/results.jsonl, "
    "results.csv and index.html"
)
DESCRIPTION = (
    f"{HELP}. Writes only those files (and the sweep's resumable state) into the --out folder. "
    "Refuses before any work: a sweep file that does not parse, an --out that is a file or "
    "cannot be written, a non-empty --out folder holding anything but a sweep's files (unless "
    "--force; nothing else is touched), --jobs below 1, --jobs together with --scheduler."
)


#: What a sweep writes into its folder (a folder holding only these is a sweep's own).
SWEEP_OUTPUTS = ("results.jsonl", "results.csv", "index.html", ".lock")


def add_arguments(parser):
    parser.add_argument("spec", metavar="SPEC.toml", help="the sweep file")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="local worker processes (default: the number of CPUs)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="run the points on this Dask scheduler's workers instead of local processes",
    )
    parser.add_argument("--list", action="store_true", help="print the points and exit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty folder that holds other files (they are left alone)",
    )


def run(args):
    from picojoule.base.errors import UserError
    from picojoule.sweep.flow import point_label
    from picojoule.sweep.session import run_sweep
    from picojoule.sweep.spec import load_spec

    spec = load_spec(args.spec)
    from picojoule.base.outputs import check_folder

    check_folder(args.out, command="sweep", outputs=SWEEP_OUTPUTS, force=args.force)
    if args.jobs is not None and args.jobs < 1:
        raise UserError(f"--jobs must be >= 1, got {args.jobs}")
    if args.scheduler is not None and args.jobs is not None:
        raise UserError("--jobs sets local workers; with --scheduler the cluster's workers run")
    if args.list:
        for point in spec.points:
            print(point_label(point))
        return 0
    outcome = run_sweep(
        spec,
        out=args.out,
        workers=args.jobs or os.cpu_count() or 1,
        scheduler=args.scheduler,
        progress=not args.no_progress,
    )
    done = outcome.skipped + outcome.finished
    print(
        f"sweep {spec.name}: {done} of {outcome.total} points done "
        f"({outcome.skipped} from earlier runs), {len(outcome.failed)} failed; "
        f"{args.out}/results.jsonl, results.csv, index.html"
    )
    for record in outcome.failed[:20]:
        print(f"  FAILED {record['label']}: {record['error']}", file=sys.stderr)
    if len(outcome.failed) > 20:
        print(f"  ... and {len(outcome.failed) - 20} more (results.csv)", file=sys.stderr)
    if outcome.interrupted:
        print(
            f"picojoule sweep: {outcome.interrupted}; {outcome.total - done} points not run; "
            "finished points are kept, rerun the same command to resume",
            file=sys.stderr,
        )
        return 130 if outcome.interrupted == "interrupted" else 1
    return 1 if outcome.failed else 0
