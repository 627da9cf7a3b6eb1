"""`picojoule generate`: one unit from flags, as a Verilog file.

The kinds and their flags come from the unit registry (`picojoule.models.units.UNIT_KINDS`,
each spec class's ``OPTIONS``); the spec is built by `picojoule.models.units.unit_from_options`,
which also refuses a flag the kind does not take.
"""

import json

HELP = "export one arithmetic unit, described by flags, as a Verilog file"
DESCRIPTION = (
    f"{HELP}. Writes only -o FILE.v and, with --manifest, that manifest file (each replaced "
    "atomically; the manifest names the Verilog relative to its own folder). Refuses before "
    "any work: flags that do not apply to the kind (--variant except on lmul, --overflow on "
    "integer kinds, --width on float kinds), out-of-range numbers, an output path that is a "
    "folder or cannot be written."
)


def add_arguments(parser):
    add_unit_arguments(parser, required=True)
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE.v", help="Verilog file to write"
    )
    parser.add_argument(
        "--manifest",
        metavar="FILE.json",
        help='also write this unit\'s manifest entry as {"units": [entry]} to FILE.json',
    )


def _add_option(parser, option, kinds):
    takers = ", ".join(kinds)
    if option.type is bool:
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            f"--{option.name}",
            dest=option.name,
            action="store_true",
            default=option.default,
            help=f"{option.help} ({takers})",
        )
        if option.negation:
            group.add_argument(
                f"--{option.negation}",
                dest=option.name,
                action="store_false",
                help=f"the opposite of --{option.name}",
            )
        return
    parser.add_argument(
        f"--{option.name}",
        type=option.type,
        choices=option.choices,
        default=option.default,
        metavar=option.metavar,
        help=f"{option.help} ({takers})",
    )


def add_unit_arguments(parser, *, required):
    """The flags that describe one unit (also used by `picojoule sim`): every registered kind's
    options."""
    from picojoule.hw.faults import FAULTS
    from picojoule.models.units import UNIT_KINDS, unit_options

    parser.add_argument("--kind", required=required, choices=tuple(UNIT_KINDS), help="unit kind")
    for option in unit_options():
        kinds = [k for k, cls in UNIT_KINDS.items() if option in cls.OPTIONS]
        _add_option(parser, option, kinds)
    parser.add_argument(
        "--out",
        dest="out_alias",
        metavar="FMT",
        help="deprecated alias of --result (accepted only when FMT is a format name)",
    )
    parser.add_argument(
        "--stages",
        type=int,
        metavar="N",
        help="register stages: 0 = combinational ports a, b, y (default); "
        "N >= 1 = valid/ready stream pipeline of latency N",
    )
    parser.add_argument(
        "--pipelined",
        action="store_true",
        help="stream interface; needs --stages N >= 1 (default N = 1)",
    )
    parser.add_argument(
        "--fault", choices=tuple(FAULTS), help="inject one named bug (test-strength checks only)"
    )


def _stages(args):
    if args.pipelined:
        stages = 1 if args.stages is None else args.stages
        if stages < 1:
            raise ValueError(f"--pipelined needs --stages N with N >= 1, got {stages}")
        return stages
    stages = 0 if args.stages is None else args.stages
    if stages < 0:
        raise ValueError(f"--stages must be >= 0 (0 = combinational), got {stages}")
    return stages


def _normalize(args):
    """Resolve --out (deprecated) into --result (the kind's own options are checked by
    `picojoule.models.units.unit_from_options`)."""
    import sys

    from picojoule.base.errors import UserError
    from picojoule.models.formats import get_format

    if getattr(args, "out_alias", None) is not None:
        if args.result is not None:
            raise UserError("give the result format once: --result FMT (--out is its old name)")
        try:
            get_format(args.out_alias)
        except ValueError:
            raise UserError(
                f"--out {args.out_alias} is not a format; --out is the deprecated name of "
                "--result FMT, and the Verilog path goes to -o FILE.v"
            ) from None
        print("picojoule generate: --out FMT is deprecated; use --result FMT", file=sys.stderr)
        args.result = args.out_alias


def spec_from_args(args):
    """The unit spec the flags describe (ValueError with one line on bad input)."""
    from picojoule.models.units import unit_from_options, unit_options

    _normalize(args)
    values = {option.name: getattr(args, option.name) for option in unit_options()}
    return unit_from_options(args.kind, values, stages=_stages(args))


def run(args):
    import os

    from picojoule.base import atomic, outputs
    from picojoule.hw.export import manifest_entry, verilog_source

    spec = spec_from_args(args)
    verilog_path = outputs.check_file(args.output, flag="-o")
    manifest_path = outputs.check_file(args.manifest, flag="--manifest") if args.manifest else None
    text = verilog_source(spec, fault=args.fault)
    atomic.write_text(verilog_path, text)
    entry = manifest_entry(spec, text=text, fault=args.fault)
    entry["verilog"] = verilog_path.name
    if manifest_path is not None:
        entry["verilog"] = os.path.relpath(verilog_path, manifest_path.parent)
        atomic.write_text(manifest_path, json.dumps({"units": [entry]}, indent=2) + "\n")
    ports = ", ".join(f"{name}[{port['width']}]" for name, port in entry["ports"].items())
    print(f"wrote {args.output}: module {entry['top']}, latency {entry['latency']}, ports {ports}")
    return 0
