"""`picojoule generate`: one unit from flags, as a Verilog file.

The kinds and their flags come from the unit registry (`picojoule.models.units.UNIT_KINDS`,
each spec class's ``OPTIONS``); the spec is built by `picojoule.models.units.unit_from_options`.
"""

import json
from pathlib import Path

HELP = "export one arithmetic unit, described by flags, as a Verilog file"


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


def add_arguments(parser):
    from picojoule.hw.faults import FAULTS
    from picojoule.models.units import UNIT_KINDS, unit_options

    parser.add_argument("--kind", required=True, choices=tuple(UNIT_KINDS), help="unit kind")
    for option in unit_options():
        kinds = [k for k, cls in UNIT_KINDS.items() if option in cls.OPTIONS]
        _add_option(parser, option, kinds)
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
    parser.add_argument(
        "-o", "--output", required=True, metavar="FILE.v", help="Verilog file to write"
    )
    parser.add_argument(
        "--manifest",
        metavar="FILE.json",
        help='also write this unit\'s manifest entry as {"units": [entry]}',
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


def spec_from_args(args):
    """The unit spec the flags describe (ValueError with one line on bad input)."""
    from picojoule.models.units import unit_from_options, unit_options

    values = {option.name: getattr(args, option.name) for option in unit_options()}
    return unit_from_options(args.kind, values, stages=_stages(args))


def run(args):
    from picojoule.base import atomic
    from picojoule.hw.export import manifest_entry, verilog_source

    spec = spec_from_args(args)
    text = verilog_source(spec, fault=args.fault)
    atomic.write_text(args.output, text)
    entry = manifest_entry(spec, text=text, fault=args.fault)
    entry["verilog"] = Path(args.output).name
    if args.manifest:
        atomic.write_text(args.manifest, json.dumps({"units": [entry]}, indent=2) + "\n")
    ports = ", ".join(f"{name}[{port['width']}]" for name, port in entry["ports"].items())
    print(f"wrote {args.output}: module {entry['top']}, latency {entry['latency']}, ports {ports}")
    return 0
