"""`picojoule synth`: synthesize a Verilog unit with Yosys + ABC and print its cost figures."""

import json
from pathlib import Path

from picojoule.base import atomic, outputs
from picojoule.commands._library_args import add_library_arguments, check_library_arguments
from picojoule.cost.synth import synthesize

HELP = (
    "synthesize a Verilog module onto the built-in 45 nm library or a Liberty file; "
    "print cells, area, depth, delay"
)
DESCRIPTION = (
    f"{HELP}. Writes only the files named by --json and --netlist (each replaced atomically). "
    "Refuses before any work: an unreadable VERILOG or --liberty file, an output path that is "
    "a folder or cannot be written, an unwritable cache (see PICOJOULE_CACHE, --no-cache)."
)


def add_arguments(parser):
    add_library_arguments(parser)
    parser.add_argument("--json", metavar="OUT", help="write the figures as JSON to OUT")
    parser.add_argument(
        "--netlist", metavar="OUT", help="write the mapped netlist (Yosys JSON) to OUT"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the cache (build/cache in a checkout, else "
        "$XDG_CACHE_HOME/picojoule; PICOJOULE_CACHE overrides)",
    )


def format_summary(summary):
    lines = [
        f"{summary['top']} on {summary['library']} ({summary['yosys']})",
        f"  cells          {summary['n_cells']}",
        f"  area           {summary['area_um2']:.2f} um^2",
        f"  transistors    ~{summary['transistors']} (4 per NAND2-equivalent area)",
        f"  logic depth    {summary['logic_depth']} cells",
        f"  critical path  {summary['delay_ns']:.3f} ns",
        f"  excluded       {summary['excluded_cells']} library cells (dont_use)",
        "  cell            count",
    ]
    for cell, count in sorted(summary["cells"].items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {cell:<36} {count}")
    return "\n".join(lines)


def run(args):
    check_library_arguments(args)
    for flag in ("json", "netlist"):
        if getattr(args, flag):
            outputs.check_file(getattr(args, flag), flag=f"--{flag}")
    result = synthesize(
        verilog=args.verilog,
        top=args.top,
        liberty=args.liberty,
        dont_use=args.dont_use,
        cache_dir=None if args.no_cache else "default",
    )
    summary = result.summary()
    print(format_summary(summary))
    if args.json:
        atomic.write_text(Path(args.json), json.dumps(summary, indent=2) + "\n")
    if args.netlist:
        atomic.write_text(Path(args.netlist), json.dumps(result.design) + "\n")
    return 0
