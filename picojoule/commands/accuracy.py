"""`picojoule accuracy`: the L-Mul / fp8 accuracy study as CSV and a plot."""

from picojoule.base import outputs
from picojoule.commands._checks import add_force_argument, in_range

HELP = "accuracy study: mean and max relative error of L-Mul (m = 2..7) and fp8 multiplication"
DESCRIPTION = (
    f"{HELP}. Writes accuracy.csv and accuracy.png into the --out folder, replacing only this "
    "command's previous outputs there. Refuses before any work: an --out that is a file, a "
    "non-empty folder picojoule did not create (unless --force), an unwritable location, "
    "--samples below 1000."
)
OUTPUTS = ("accuracy.csv", "accuracy.png")


def add_arguments(parser):
    parser.add_argument(
        "--out",
        default="reports/accuracy",
        metavar="DIR",
        help="output folder (default: reports/accuracy); only accuracy.csv and accuracy.png "
        "are replaced",
    )
    add_force_argument(parser)
    parser.add_argument(
        "--samples",
        type=int,
        default=1_000_000,
        help="Gaussian input pairs, >= 1000 (default: 1000000)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")


def run(args):
    from picojoule.models import accuracy
    from picojoule.report_accuracy import accuracy_csv, accuracy_plot

    in_range(args.samples, flag="--samples", minimum=1000)
    outputs.check_folder(args.out, command="accuracy", outputs=OUTPUTS, force=args.force)
    records = accuracy.accuracy_records(samples=args.samples, seed=args.seed)
    with outputs.owned_folder(
        args.out, command="accuracy", outputs=OUTPUTS, force=args.force
    ) as tmp:
        (tmp / "accuracy.csv").write_text(accuracy_csv(records))
        accuracy_plot(records, tmp / "accuracy.png")
    width = max(len(r["format"]) for r in records)
    print(
        f"{'study':<10} {'method':<7} {'format':<{width}} {'variant':<9} {'mean %':>8} "
        f"{'max %':>8} {'vs input %':>10}"
    )
    for r in records:
        vs_input = r["mean_rel_error_vs_input"]
        vs_input = f"{100 * vs_input:10.2f}" if vs_input != "" else f"{'':>10}"
        print(
            f"{r['study']:<10} {r['method']:<7} {r['format']:<{width}} {r['variant']:<9} "
            f"{100 * r['mean_rel_error']:8.2f} {100 * r['max_rel_error']:8.2f} {vs_input}"
        )
    print(f"wrote accuracy.csv and accuracy.png to {args.out}")
    return 0
