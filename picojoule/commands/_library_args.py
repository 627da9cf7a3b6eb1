"""Command-line options shared by the commands that synthesize (synth, energy)."""


def add_library_arguments(parser):
    """VERILOG..., --top, --liberty and --dont-use."""
    parser.add_argument("verilog", nargs="+", metavar="VERILOG", help="Verilog source file(s)")
    parser.add_argument("--top", required=True, help="top module name")
    parser.add_argument(
        "--liberty",
        metavar="PATH",
        help="Liberty file (.lib or .lib.gz); default: the built-in Nangate45 table",
    )
    parser.add_argument(
        "--dont-use",
        action="append",
        default=[],
        metavar="PATTERN",
        help="keep cells whose name matches PATTERN (glob, e.g. '*xor3*') out of "
        "synthesis; repeatable; added to the Liberty dont_use cells and the "
        "default exclusions (lpflow, probe, diode, tap, fill, decap)",
    )


def check_library_arguments(args):
    """Before any work: the VERILOG and --liberty files are readable, the cache is writable."""
    from picojoule.commands._checks import check_cache, check_readable

    for path in args.verilog:
        check_readable(path, flag="VERILOG")
    check_readable(args.liberty, flag="--liberty")
    check_cache(enabled=not args.no_cache)
