"""`picojoule energy`: energy per operation of a Verilog unit from gate-level activity."""

import json
from pathlib import Path

import numpy as np

from picojoule.base import atomic
from picojoule.base.errors import UserError
from picojoule.commands._library_args import add_library_arguments
from picojoule.cost.energy import cost_record, estimate
from picojoule.cost.operands import DISTRIBUTIONS, operand_stream, tensor_stream, unit_inputs
from picojoule.cost.synth import synthesize
from picojoule.models.formats import get_format

HELP = (
    "energy per operation (switching + internal + clock + leakage) of a Verilog unit on "
    "random or user operand streams"
)


def add_arguments(parser):
    add_library_arguments(parser)
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--dist",
        choices=DISTRIBUTIONS,
        default=None,
        help="operand distribution (default: uniform)",
    )
    source.add_argument("--tensor", metavar="A.npy", help="operand a from a numpy .npy tensor")
    parser.add_argument(
        "--tensor-b",
        metavar="B.npy",
        help="operand b from a .npy tensor (default: a shuffled copy of a)",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        metavar="FMT",
        help="operand format (e.g. e4m3, bf16, int8); default: from a manifest.json "
        "beside the Verilog, else unsigned integers of the port width",
    )
    parser.add_argument(
        "--ports",
        metavar="A,B",
        help="operand input ports (default: a,b, or i__payload of a stream interface)",
    )
    parser.add_argument(
        "--hold",
        action="append",
        default=[],
        metavar="PORT=VALUE",
        help="hold an input at a constant (e.g. a valid or ready port); repeatable",
    )
    parser.add_argument(
        "--n", type=int, default=100_000, help="operations to simulate (default: 100000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument(
        "--voltage", type=float, default=None, help="supply in V (default: the library's nominal)"
    )
    parser.add_argument("--clock-ghz", type=float, default=1.0, help="clock in GHz (default: 1)")
    parser.add_argument("--json", metavar="OUT", help="write the result record as JSON to OUT")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write build/cache")


def _manifest_formats(verilog, top):
    """Operand formats from a manifest.json beside the Verilog (see `picojoule.hw.export`), if any."""
    manifest = Path(verilog).resolve().parent / "manifest.json"
    try:
        units = json.loads(manifest.read_text()).get("units", [])
    except (OSError, ValueError):
        return None
    for unit in units:
        if unit.get("top") == top and isinstance(unit.get("params"), dict):
            params = unit["params"]
            if "a" in params and "b" in params:
                return get_format(params["a"]), get_format(params["b"]), unit
    return None


def _int_format(width):
    return get_format(f"uint{width}") if width in (4, 8, 16, 32) else None


def _operand_widths(netlist, ports):
    """Widths of the two operands: named ports, ``a``/``b``, or halves of ``i__payload``."""
    if ports:
        for p in ports:
            if p not in netlist.ports:
                raise UserError(f"{netlist.top} has no port {p!r}; name the operands with --ports")
        return [len(netlist.ports[p][1]) for p in ports]
    if "a" in netlist.ports and "b" in netlist.ports:
        return [len(netlist.ports["a"][1]), len(netlist.ports["b"][1])]
    if "i__payload" in netlist.ports and len(netlist.ports["i__payload"][1]) % 2 == 0:
        half = len(netlist.ports["i__payload"][1]) // 2
        return [half, half]
    raise UserError(f"cannot find the operand ports of {netlist.top}; name them with --ports A,B")


def run(args):
    if args.n < 2:
        raise UserError(f"--n must be at least 2, got {args.n}")
    if args.tensor_b and not args.tensor:
        raise UserError("--tensor-b needs --tensor for operand a")
    ports = None
    if args.ports:
        ports = [p.strip() for p in args.ports.split(",")]
        if len(ports) != 2:
            raise UserError(f"--ports takes two names separated by a comma, got {args.ports!r}")
    holds = {}
    for item in args.hold:
        name, _, value = item.partition("=")
        try:
            holds[name] = int(value, 0)
        except ValueError:
            raise UserError(f"--hold takes PORT=INTEGER, got {item!r}") from None
    cache_dir = None if args.no_cache else "default"
    synth = synthesize(
        verilog=args.verilog,
        top=args.top,
        liberty=args.liberty,
        dont_use=args.dont_use,
        cache_dir=cache_dir,
    )
    netlist = synth.netlist
    widths = _operand_widths(netlist, ports)
    unit = None
    if args.fmt:
        fmt_a = fmt_b = get_format(args.fmt)
    else:
        found = _manifest_formats(args.verilog[0], args.top)
        fmt_a, fmt_b, unit = (
            found if found else (_int_format(widths[0]), _int_format(widths[1]), None)
        )
        if not found and (
            fmt_a is None or fmt_b is None or args.dist not in (None, "uniform") or args.tensor
        ):
            raise UserError(
                "cannot infer the operand format from the port widths; pass --format (e.g. e4m3, int8)"
            )
    if [fmt_a.width, fmt_b.width] != widths:
        raise UserError(
            f"operand formats {fmt_a.name}, {fmt_b.name} do not fit ports of {widths[0]} and "
            f"{widths[1]} bits; pass a matching --format"
        )
    if args.tensor:
        a = tensor_stream(args.tensor, fmt=fmt_a)
        if args.tensor_b:
            b = tensor_stream(args.tensor_b, fmt=fmt_b)
            if len(b) != len(a):
                raise UserError(
                    f"--tensor-b has {len(b)} elements but --tensor has {len(a)}; pass equal sizes"
                )
        else:
            if fmt_b != fmt_a:
                raise UserError("operands a and b have different formats; pass --tensor-b as well")
            b = a[np.random.default_rng(args.seed).permutation(len(a))]
        distribution = f"tensor:{Path(args.tensor).name}"
    else:
        dist = args.dist or "uniform"
        a = operand_stream(fmt=fmt_a, dist=dist, n=args.n, seed=args.seed)
        b = operand_stream(fmt=fmt_b, dist=dist, n=args.n, seed=args.seed + 1)
        distribution = dist
    if ports:
        streams = {ports[0]: a, ports[1]: b}
    else:
        streams, unit_holds = unit_inputs(netlist.ports, a, b, a_width=fmt_a.width)
        holds = {**unit_holds, **holds}
    synth, energy = estimate(
        synth=synth,
        streams=streams,
        holds=holds,
        voltage=args.voltage,
        clock_ghz=args.clock_ghz,
        cache_dir=cache_dir,
    )
    print(
        f"{args.top} on {synth.library_label}: {fmt_a.name} x {fmt_b.name} operands, {distribution}, "
        f"{energy.n_ops:,} operations, {energy.voltage:.2f} V, {energy.clock_ghz:g} GHz"
    )
    rows = [
        ("energy per operation", f"{energy.energy_pj_per_op:.4f} pJ"),
        ("  switching", f"{energy.switching_pj:.4f} pJ"),
        ("  internal", f"{energy.internal_pj:.4f} pJ"),
        ("  clock", f"{energy.clock_pj:.4f} pJ"),
        ("  leakage", f"{energy.leakage_pj:.5f} pJ"),
        ("power", f"{energy.power_mw:.4f} mW"),
        ("toggles per operation", f"{energy.toggles_per_op:.1f}"),
        ("cells / area", f"{sum(synth.cells.values())} / {synth.area_um2:.2f} um^2"),
        ("critical path", f"{synth.delay_ns:.3f} ns"),
    ]
    for label, value in rows:
        print(f"  {label:<24} {value}")
    if synth.delay_ns > 1.0 / energy.clock_ghz:
        print(
            f"  note: the critical path ({synth.delay_ns:.3f} ns) is longer than the clock period "
            f"({1.0 / energy.clock_ghz:.3f} ns); the unit would need more pipeline stages"
        )
    if args.json:
        record = cost_record(
            synth,
            energy,
            name=args.top,
            kind=unit.get("kind") if unit else "verilog",
            params=unit.get("params") if unit else {},
            distribution=distribution,
        )
        atomic.write_text(Path(args.json), json.dumps(record, indent=2) + "\n")
    return 0
