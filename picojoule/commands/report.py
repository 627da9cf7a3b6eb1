"""`picojoule report`: the main job; runs the whole flow and writes the report folder.

The folder (default ``reports/``) is replaced as a whole only when every step succeeded, so a
failed run leaves the previous report intact. It holds ``report.md``, ``report.html`` (self-
contained), ``summary.json`` (one record per unit and operand distribution), ``lut.json`` (the
LUT section: costed tiles, MAC / LUT ratios, and under ``accuracy`` one record of kind
``lut_mpgemm_accuracy`` per float LUT contract and distribution), ``accuracy.csv`` and
``figures/*.png``.
"""

import json
import os
import shlex
import time
from pathlib import Path

from picojoule import report_plots
from picojoule.base import atomic, outputs
from picojoule.commands._checks import add_force_argument, in_range, positive
from picojoule.cost.operands import DISTRIBUTIONS
from picojoule.document import render_html, render_markdown
from picojoule.report_accuracy import accuracy_csv, accuracy_plot
from picojoule.report_data import SECTIONS, ReportOptions, collect, select_specs
from picojoule.report_document import FIGURES, build

HELP = "generate, verify, synthesize and cost every unit and write the comparison report"
DESCRIPTION = (
    f"{HELP}. Writes report.md, report.html, summary.json, lut.json, accuracy.csv and figures/ "
    "into the --out folder once every step succeeded, replacing only this command's previous "
    "outputs there (a folder such as reports/accuracy/ written by picojoule accuracy stays). "
    "Refuses before any work: an --out that is a file, a non-empty folder picojoule did not "
    "create (unless --force), an unwritable location, out-of-range numbers."
)
OUTPUTS = ("report.md", "report.html", "summary.json", "lut.json", "accuracy.csv", "figures")


def add_arguments(parser):
    parser.add_argument(
        "--out",
        default="reports",
        type=Path,
        help="report folder (default: reports); only the report's own files are replaced",
    )
    add_force_argument(parser)
    parser.add_argument(
        "--liberty",
        metavar="PATH",
        help="map to this Liberty file (.lib or .lib.gz) instead of the built-in library",
    )
    parser.add_argument(
        "--unit",
        action="append",
        dest="units",
        metavar="NAME",
        help="only this standard-suite unit (repeatable; default: all)",
    )
    parser.add_argument(
        "--tile",
        action="append",
        dest="tiles",
        metavar="NAME",
        help="this tensor-core tile (repeatable; alone: only these tiles, no units; with --unit: "
        "besides the tiles whose multiplier is a selected unit; default: all tiles)",
    )
    parser.add_argument(
        "--section",
        action="append",
        dest="sections",
        choices=SECTIONS,
        help="run only this part of the report (repeatable; default: all, or with --unit/--tile "
        "all but the accuracy studies)",
    )
    parser.add_argument(
        "--list-units",
        action="store_true",
        help="list the standard suite's units that --unit can name and exit (the block-format "
        "units are the Block formats section's: --section blocks)",
    )
    parser.add_argument("--list-tiles", action="store_true", help="list the tiles and exit")
    parser.add_argument(
        "--ops",
        type=int,
        default=20_000,
        help="operations simulated per unit and distribution (default: 20000)",
    )
    parser.add_argument(
        "--accuracy-samples",
        type=int,
        default=1_000_000,
        help="Gaussian pairs in the accuracy study (default: 1000000)",
    )
    parser.add_argument(
        "--verify-vectors",
        type=int,
        default=100_000,
        metavar="N",
        help="random vectors + corners per unit wider than 8x8 bits in the "
        "co-verification step (default: 100000; 8-bit units: exhaustive)",
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="skip the cocotb co-verification step",
    )
    parser.add_argument(
        "--no-lut",
        dest="lut",
        action="store_false",
        help="skip the LUT tensor core sections (lut, lut-accuracy)",
    )
    parser.add_argument("--simulator", choices=("icarus", "verilator"), default="icarus")
    parser.add_argument("--clock-ghz", type=float, default=1.0)
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: 2)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print where the synthesize + cost step's CPU time went, per phase and per job "
        "(always written to <build>/report/profile.json)",
    )


def write_report(data, out, *, force=False):
    """Write every output of ``data`` into ``out``, replacing only the report's own previous
    outputs (`picojoule.base.outputs`); returns the path of report.md."""
    if data.steps is not None:
        data.steps.start("write", f"writing the report, its figures and data to {out}")
    with outputs.owned_folder(out, command="report", outputs=OUTPUTS, force=force) as tmp:
        (tmp / "figures").mkdir()
        figures = {}
        if data.records:
            report_plots.area_energy(data.records, tmp / FIGURES["area_energy"])
            figures["area_energy"] = FIGURES["area_energy"]
            report_plots.energy_by_distribution(
                data.records, tmp / FIGURES["distribution"], distributions=list(DISTRIBUTIONS)
            )
            figures["distribution"] = FIGURES["distribution"]
            if report_plots.glitch_energy(data.records, tmp / FIGURES["glitch"]):
                figures["glitch"] = FIGURES["glitch"]
        if data.errors:
            report_plots.energy_vs_error(data.errors, tmp / FIGURES["energy_error"])
            figures["energy_error"] = FIGURES["energy_error"]
        if data.accuracy:
            accuracy_plot(data.accuracy, tmp / FIGURES["accuracy"])
            figures["accuracy"] = FIGURES["accuracy"]
            atomic.write_text(tmp / "accuracy.csv", accuracy_csv(data.accuracy))
        if data.lut:
            from picojoule.report_lut import lut_figure

            if lut_figure(data.lut, tmp / FIGURES["lut"]):
                figures["lut"] = FIGURES["lut"]
        if data.lut_accuracy:
            from picojoule.report_lut_accuracy import accuracy_figure

            if accuracy_figure(data.lut_accuracy, tmp / FIGURES["lut_accuracy"]):
                figures["lut_accuracy"] = FIGURES["lut_accuracy"]
        if data.blocks:
            from picojoule.report_blocks import blocks_figure

            if blocks_figure(data.blocks, tmp / FIGURES["blocks"]):
                figures["blocks"] = FIGURES["blocks"]
        doc = build(data, figures=figures)
        atomic.write_text(tmp / "report.md", render_markdown(doc))
        atomic.write_text(tmp / "report.html", render_html(doc, root=tmp))
        summary = data.records + data.calibration_records + data.block_records
        atomic.write_text(tmp / "summary.json", json.dumps(summary, indent=1) + "\n")
        if data.lut or data.lut_accuracy:
            atomic.write_text(
                tmp / "lut.json",
                json.dumps({**(data.lut or {}), "accuracy": data.lut_accuracy}, indent=1) + "\n",
            )
    return Path(out) / "report.md"


def command_line(argv):
    """How the report names the command that made it: ``make report`` when make ran it
    without flags, else the ``picojoule`` command line."""
    if os.environ.get("MAKELEVEL") and list(argv) == ["report"]:
        return "make report"
    return shlex.join(["picojoule", *argv])


def run(args):
    if args.list_units:
        for spec in select_specs(None):
            print(f"{spec.name:<40} {spec.contract}")
        return 0
    if args.list_tiles:
        from picojoule.cost.tiles import cost_tiles
        from picojoule.report_data import tile_multiplier

        for entry in cost_tiles():
            uses = tile_multiplier(entry)
            print(f"{entry.name:<40} {entry.core:<9} multiplier {uses.name if uses else '-'}")
        return 0
    in_range(args.ops, flag="--ops", minimum=2)
    in_range(args.verify_vectors, flag="--verify-vectors", minimum=1)
    in_range(args.accuracy_samples, flag="--accuracy-samples", minimum=1000)
    in_range(args.jobs, flag="--jobs", minimum=1)
    positive(args.clock_ghz, flag="--clock-ghz")
    outputs.check_folder(args.out, command="report", outputs=OUTPUTS, force=args.force)
    options = ReportOptions(
        liberty=args.liberty,
        n_ops=args.ops,
        accuracy_samples=args.accuracy_samples,
        verify=args.verify,
        verify_vectors=args.verify_vectors,
        simulator=args.simulator,
        clock_ghz=args.clock_ghz,
        units=args.units,
        tiles=args.tiles,
        sections=_sections(args),
        command=command_line(getattr(args, "argv", ["report"])),
    )
    if args.jobs is not None:
        options.jobs = args.jobs
    start = time.perf_counter()
    data = collect(options, progress=lambda line: print(line, flush=True))
    if data.profile is not None:
        atomic.write_text(
            Path(options.build_dir) / "profile.json", json.dumps(data.profile, indent=1) + "\n"
        )
        if args.profile:
            from picojoule.report_profile import table

            print("\n".join(table(data.profile)), flush=True)
    path = write_report(data, args.out, force=args.force)
    written = sorted(
        f.name
        for f in path.parent.iterdir()
        if f.is_file() and f != path and not f.name.startswith(".")
    )
    print(
        f"report written to {path} ({', '.join(written)}, figures/) "
        f"in {(time.perf_counter() - start) / 60:.1f} min"
    )
    return 0


def _sections(args):
    """``--section`` choices, less the LUT sections under ``--no-lut`` (None: the default)."""
    if args.sections is None and args.lut:
        return None
    chosen = args.sections or ReportOptions(units=args.units, tiles=args.tiles).selected_sections()
    return tuple(s for s in chosen if args.lut or not s.startswith("lut"))
