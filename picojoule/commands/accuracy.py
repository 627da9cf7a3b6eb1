"""`picojoule accuracy`: the L-Mul / fp8 accuracy study as CSV and a plot."""

from pathlib import Path

from picojoule.base import atomic

HELP = "accuracy study: mean and max relative error of L-Mul (m = 2..7) and fp8 multiplication"


def add_arguments(parser):
    parser.add_argument(
        "--out",
        default="reports/accuracy",
        metavar="DIR",
        help="output folder, replaced whole (default: reports/accuracy)",
    )
    parser.add_argument(
        "--samples", type=int, default=1_000_000, help="Gaussian input pairs (default: 1000000)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")


def run(args):
    from picojoule.models import accuracy
    from picojoule.report_accuracy import accuracy_csv, accuracy_plot

    records = accuracy.accuracy_records(samples=args.samples, seed=args.seed)
    out = Path(args.out)
    with atomic.replace_dir(out) as tmp:
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
    print(f"wrote {out / 'accuracy.csv'} and {out / 'accuracy.png'}")
    return 0
