"""`picojoule generate`: one unit from flags, as a Verilog file."""

import json

HELP = "export one arithmetic unit, described by flags, as a Verilog file"
DESCRIPTION = (
    f"{HELP}. Writes only -o FILE.v and, with --manifest, that manifest file (each replaced "
    "atomically; the manifest names the Verilog relative to its own folder). Refuses before "
    "any work: flags that do not apply to the kind (--variant except on lmul, --overflow on "
    "integer kinds, --width on float kinds), out-of-range numbers, an output path that is a "
    "folder or cannot be written."
)

KINDS = ("fp_mul", "fp_add", "lmul", "int_mul", "int_add", "mx_dot")


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


def add_unit_arguments(parser, *, required):
    """The flags that describe one unit (also used by `picojoule sim`)."""
    from picojoule.hw.faults import FAULTS
    from picojoule.models.units import LMUL_VARIANTS

    parser.add_argument("--kind", required=required, choices=KINDS, help="unit kind")
    parser.add_argument(
        "--a",
        metavar="FMT",
        help="format of operand a (float kinds: e4m3, e5m2, bf16, fp16, fp32, "
        "eXmY...; integer kinds: int8, uint8, ... or use --width)",
    )
    parser.add_argument("--b", metavar="FMT", help="format of operand b (default: as --a)")
    parser.add_argument(
        "--result",
        metavar="FMT",
        help="result format (default: as --a for float kinds; the exact width for integer kinds)",
    )
    parser.add_argument(
        "--out",
        dest="out_alias",
        metavar="FMT",
        help="deprecated alias of --result (accepted only when FMT is a format name)",
    )
    parser.add_argument(
        "--variant",
        choices=LMUL_VARIANTS,
        default=None,
        help="L-Mul variant (lmul only; default int_add)",
    )
    parser.add_argument(
        "--k", type=int, default=32, help="mx_dot: elements per block, 1..64 (default 32)"
    )
    parser.add_argument(
        "--scale",
        choices=("e8m0", "e4m3"),
        default="e8m0",
        help="mx_dot: block scale format (e8m0 = OCP MX; e4m3 = NVFP4; default e8m0)",
    )
    parser.add_argument(
        "--products",
        choices=("exact", "lmul"),
        default="exact",
        help="mx_dot: element products exact or L-Mul (default exact)",
    )
    parser.add_argument(
        "--overflow",
        choices=("nonsat", "sat"),
        default=None,
        help="overflow mode of float results (float kinds only; default nonsat)",
    )
    parser.add_argument(
        "--width",
        type=int,
        metavar="W",
        help="integer operand width 1..32 (int_mul, int_add; with --signed/--unsigned)",
    )
    signed = parser.add_mutually_exclusive_group()
    signed.add_argument(
        "--signed",
        dest="signed",
        action="store_true",
        default=True,
        help="signed integer operands (default)",
    )
    signed.add_argument(
        "--unsigned", dest="signed", action="store_false", help="unsigned integer operands"
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
    """Refuse flags that do not apply; resolve --out (deprecated) into --result; defaults."""
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
    if args.variant is not None and args.kind != "lmul":
        raise UserError(f"--variant applies to lmul, not {args.kind}; drop it")
    if args.overflow is not None and args.kind in ("int_mul", "int_add"):
        raise UserError(f"--overflow applies to float kinds, not {args.kind}; integers wrap")
    args.variant = args.variant or "int_add"
    args.overflow = args.overflow or "nonsat"
    args.out = args.result


def spec_from_args(args):
    """The unit spec the flags describe (ValueError with one line on bad input)."""
    from picojoule.models import units
    from picojoule.models.formats import IntFormat

    _normalize(args)
    stages = _stages(args)
    if args.kind in ("int_mul", "int_add"):
        if args.width is not None:
            if args.a is not None:
                raise ValueError("give either --width (with --signed/--unsigned) or --a, not both")
            if not 1 <= args.width <= 32:
                raise ValueError(f"--width {args.width} out of range; choose 1..32")
            prefix = "int" if args.signed else "uint"
            a = IntFormat(f"{prefix}{args.width}", args.width, args.signed)
        elif args.a is not None:
            a = args.a
        else:
            raise ValueError(f"{args.kind} needs --width W (and --signed/--unsigned) or --a FMT")
        b = args.b if args.b is not None else a
        out = units._int_out(args.out) if args.out is not None else None
        return units.UNIT_KINDS[args.kind](a=a, b=b, out=out, stages=stages)
    if args.kind == "mx_dot":  # --a/--b: element formats; --out fp32 or bf16
        return units.MxDot(
            a=args.a or "e4m3",
            b=args.b,
            k=args.k,
            scale=args.scale,
            out=args.out or "fp32",
            products=args.products,
            stages=stages,
        )
    if args.a is None:
        raise ValueError(f"{args.kind} needs --a FMT (e4m3, e5m2, bf16, fp16, fp32, eXmY...)")
    if args.width is not None:
        raise ValueError(f"--width applies to int_mul and int_add, not {args.kind}; use --a FMT")
    if args.kind == "lmul":
        for flag in ("b", "out"):
            value = getattr(args, flag)
            if value is not None and value != args.a:
                raise ValueError(f"lmul works on one format; drop --{flag} or make it {args.a}")
        return units.LMul(fmt=args.a, variant=args.variant, overflow=args.overflow, stages=stages)
    return units.UNIT_KINDS[args.kind](
        a=args.a, b=args.b or args.a, out=args.out or args.a, overflow=args.overflow, stages=stages
    )


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
    ports = ", ".join(f"{name}[{width}]" for name, width in entry["ports"].items())
    print(f"wrote {args.output}: module {entry['top']}, latency {entry['latency']}, ports {ports}")
    return 0
