"""`picojoule energy`: energy per operation of a Verilog unit from gate-level activity."""

import json
from pathlib import Path

import numpy as np

from picojoule.base import atomic, outputs
from picojoule.base.errors import UserError
from picojoule.base.ports import ports_by_name, unit_ports
from picojoule.commands._checks import check_readable, in_range, positive
from picojoule.commands._library_args import add_library_arguments, check_library_arguments
from picojoule.cost.energy import DELAY_MODELS, cost_record, estimate
from picojoule.cost.operands import (
    DISTRIBUTIONS,
    SCALES,
    load_tensor,
    operand_fractions,
    operand_stream,
    tensor_stream,
)
from picojoule.cost.synth import synthesize
from picojoule.cost.timing_delays import DEFAULT_TIME_STEP_PS, check_time_step
from picojoule.models.formats import get_format
from picojoule.models.units import unit_from_params

HELP = (
    "energy per operation (switching + internal + clock + leakage) of a Verilog unit on "
    "random or user operand streams"
)
# A warning is printed when more than this fraction of an operand stream is zero, subnormal
# or saturated: such operands switch few gates (L-Mul flushes subnormals to zero), so the
# energy measured on them understates the energy of typical data.
SPECIAL_WARNING = 0.10
DESCRIPTION = (
    f"{HELP}. Prints the figures and the fractions of zero, subnormal and saturated operands "
    f"(a warning above {SPECIAL_WARNING:.0%}); writes only the file named by --json. "
    "Tensors (--tensor A.npy [--tensor-b B.npy]): any shape, flattened in C order; "
    "B must have the same shape as A and pairs are taken element by element (a[i], b[i]); "
    "without --tensor-b, b is a seeded random permutation of a. Float arrays (float16/32/64) "
    "are rounded to the operand format (RNE, saturating), after scaling by --scale absmax if "
    "given; ml_dtypes arrays (bfloat16, float8_e4m3fn, ...; numpy.save keeps only their bytes) "
    "are read as codes of an operand format of the same width; integer arrays are values of "
    "an integer format or raw codes of a float one. Refuses before any work: a format flag that "
    "conflicts with the unit's manifest.json, flags that do not apply (--n or --dist with "
    "--tensor, --tensor-b without --tensor), tensors of different shapes, out-of-range "
    "numbers, unreadable inputs, an --json path that is a folder or cannot be written."
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
    source.add_argument(
        "--tensor",
        metavar="A.npy",
        help="operand a from a .npy tensor (any shape, flattened; float16/32/64, ml_dtypes "
        "bfloat16/float8_*, or integers)",
    )
    parser.add_argument(
        "--tensor-b",
        metavar="B.npy",
        help="operand b from a .npy tensor of the same shape as --tensor, paired element by "
        "element (default: a seeded random permutation of a)",
    )
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default=None,
        help="with --tensor: absmax multiplies each float tensor by max(format) / max|x| "
        "before rounding (default: none)",
    )
    parser.add_argument(
        "--format",
        dest="fmt",
        metavar="FMT",
        help="format of operand a, and of b unless --format-b (e.g. e4m3, bf16, int8); "
        "default: from a manifest.json beside the Verilog, else unsigned integers of the "
        "port width; refused if it conflicts with that manifest",
    )
    parser.add_argument(
        "--format-b",
        dest="fmt_b",
        metavar="FMT",
        help="format of operand b for mixed units (default: as --format)",
    )
    parser.add_argument(
        "--ports",
        metavar="A,B",
        help="operand input ports (default: the port records of a manifest.json beside the "
        "Verilog; without one, by name: a,b, or i__payload of a stream interface, a in its low "
        "half, with i__valid and o__ready held at 1)",
    )
    parser.add_argument(
        "--hold",
        action="append",
        default=[],
        metavar="PORT=VALUE",
        help="hold an input at a constant (e.g. a valid or ready port); repeatable",
    )
    parser.add_argument(
        "--n",
        type=int,
        default=None,
        help="operations to simulate with --dist, >= 2 (default: 100000; not with --tensor)",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    parser.add_argument(
        "--voltage", type=float, default=None, help="supply in V (default: the library's nominal)"
    )
    parser.add_argument("--clock-ghz", type=float, default=1.0, help="clock in GHz (default: 1)")
    parser.add_argument(
        "--delay-model",
        choices=DELAY_MODELS,
        default="inertial",
        help="toggle counting: timing simulation with inertial (default) or transport cell "
        "delays, glitches included, or zero delay",
    )
    parser.add_argument(
        "--time-step-ps",
        type=float,
        default=DEFAULT_TIME_STEP_PS,
        help="time step of the timing simulation in ps (default: 1)",
    )
    parser.add_argument(
        "--json", metavar="OUT", help="write the result record as JSON to the file OUT"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the cache (build/cache in a checkout, else "
        "$XDG_CACHE_HOME/picojoule; PICOJOULE_CACHE overrides)",
    )


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
            try:  # the unit spec's own operand formats (block formats for mx_dot)
                return (*unit_from_params(unit.get("kind"), params).in_formats, unit)
            except (ValueError, KeyError, TypeError):
                pass
            if "a" in params and "b" in params:
                return get_format(params["a"]), get_format(params["b"]), unit
    return None


def _int_format(width):
    return get_format(f"uint{width}") if width in (4, 8, 16, 32) else None


def _port_map(netlist, unit):
    """Where the operands go: the manifest's port records of ``unit``, else the naming
    convention of `picojoule.base.ports.ports_by_name` (a one-line error when it cannot tell)."""
    if unit is not None and unit.get("ports"):
        return unit_ports(unit["ports"])
    try:
        return ports_by_name({name: (d, len(nets)) for name, (d, nets) in netlist.ports.items()})
    except ValueError as error:
        raise UserError(f"{netlist.top}: {error}") from None


def _operand_widths(netlist, ports, port_map):
    """Widths of the two operands: of the ports named by --ports, else of ``port_map``."""
    if ports:
        for p in ports:
            if p not in netlist.ports:
                raise UserError(f"{netlist.top} has no port {p!r}; name the operands with --ports")
        return [len(netlist.ports[p][1]) for p in ports]
    return [port_map.operands[operand][2] for operand in ("a", "b")]


def _delay_label(energy):
    if energy.delay_model == "zero":
        return "zero delay (no glitches)"
    return f"{energy.delay_model}, {energy.time_step_ps:g} ps step"


def _check_flags(args):
    """Before any work: flags that do not apply, numbers out of range, unreadable inputs."""
    if args.tensor:
        if args.n is not None:
            raise UserError("--n applies to --dist; with --tensor the tensor sets the count")
    else:
        if args.tensor_b:
            raise UserError("--tensor-b needs --tensor for operand a")
        if args.scale is not None:
            raise UserError("--scale applies to --tensor; drop it or pass --tensor A.npy")
    in_range(args.n, flag="--n", minimum=2)
    positive(args.clock_ghz, flag="--clock-ghz")
    positive(args.voltage, flag="--voltage")
    check_library_arguments(args)
    check_readable(args.tensor, flag="--tensor")
    check_readable(args.tensor_b, flag="--tensor-b")
    if args.json:
        outputs.check_file(args.json, flag="--json")


def _formats(args, widths):
    """(fmt_a, fmt_b, manifest entry or None); a format flag must agree with the manifest."""
    found = _manifest_formats(args.verilog[0], args.top)
    given_a = get_format(args.fmt) if args.fmt else None
    given_b = get_format(args.fmt_b) if args.fmt_b else given_a
    if found:
        fmt_a, fmt_b, unit = found
        for flag, given, own, operand in (
            ("--format", given_a, fmt_a, "a"),
            ("--format-b" if args.fmt_b else "--format", given_b, fmt_b, "b"),
        ):
            if given is not None and given != own:
                raise UserError(
                    f"{flag} {given.name} conflicts with the manifest of {args.top} (operand "
                    f"{operand} is {own.name}); drop {flag}"
                )
        return fmt_a, fmt_b, unit
    if given_a is not None:
        return given_a, given_b, None
    if args.fmt_b:
        raise UserError("--format-b needs --format for operand a")
    fmt_a, fmt_b = _int_format(widths[0]), _int_format(widths[1])
    if fmt_a is None or fmt_b is None or args.dist not in (None, "uniform") or args.tensor:
        raise UserError(
            "cannot infer the operand format from the port widths; pass --format (e.g. e4m3, int8)"
        )
    return fmt_a, fmt_b, None


def _tensor_operands(args, fmt_a, fmt_b):
    scale = args.scale or "none"
    array_a = load_tensor(args.tensor, flag="--tensor")
    a = tensor_stream(args.tensor, fmt=fmt_a, scale=scale, array=array_a)
    if args.tensor_b:
        array_b = load_tensor(args.tensor_b, flag="--tensor-b")
        if array_b.shape != array_a.shape:
            raise UserError(
                f"--tensor has shape {array_a.shape} but --tensor-b has {array_b.shape}; "
                "pass tensors of the same shape (pairs are taken element by element)"
            )
        b = tensor_stream(args.tensor_b, fmt=fmt_b, scale=scale, flag="--tensor-b", array=array_b)
    else:
        if fmt_b != fmt_a:
            raise UserError("operands a and b have different formats; pass --tensor-b as well")
        b = a[np.random.default_rng(args.seed).permutation(len(a))]
    return a, b


def _print_fractions(a, b, fmt_a, fmt_b):
    """One line per operand; a warning when a fraction exceeds `SPECIAL_WARNING`."""
    for label, codes, fmt in (("a", a, fmt_a), ("b", b, fmt_b)):
        f = operand_fractions(codes, fmt)
        print(
            f"  operand {label} ({fmt.name}): {f['zero']:.1%} zero, {f['subnormal']:.1%} "
            f"subnormal, {f['saturated']:.1%} saturated"
        )
        special = f["zero"] + f["subnormal"] + f["saturated"]
        if special > SPECIAL_WARNING:
            print(
                f"  warning: {special:.1%} of operand {label} is zero, subnormal or saturated "
                f"(above {SPECIAL_WARNING:.0%}); such operands switch few gates, so this energy "
                "may understate typical data (try --scale absmax or a wider format)"
            )


def run(args):
    _check_flags(args)
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
    known = _manifest_formats(args.verilog[0], args.top)
    formats = _formats(args, None) if known else None  # a conflict is refused before synthesis
    cache_dir = None if args.no_cache else "default"
    if args.delay_model != "zero":
        check_time_step(args.time_step_ps)
    synth = synthesize(
        verilog=args.verilog,
        top=args.top,
        liberty=args.liberty,
        dont_use=args.dont_use,
        cache_dir=cache_dir,
    )
    netlist = synth.netlist
    port_map = None if ports else _port_map(netlist, known[2] if known else None)
    widths = _operand_widths(netlist, ports, port_map)
    fmt_a, fmt_b, unit = formats or _formats(args, widths)
    if [fmt_a.width, fmt_b.width] != widths:
        raise UserError(
            f"operand formats {fmt_a.name}, {fmt_b.name} do not fit ports of {widths[0]} and "
            f"{widths[1]} bits; pass a matching --format"
        )
    if args.tensor:
        a, b = _tensor_operands(args, fmt_a, fmt_b)
        distribution = f"tensor:{Path(args.tensor).name}"
        if args.scale == "absmax":
            distribution += " (absmax)"
    else:
        dist = args.dist or "uniform"
        n = args.n or 100_000
        a = operand_stream(fmt=fmt_a, dist=dist, n=n, seed=args.seed)
        b = operand_stream(fmt=fmt_b, dist=dist, n=n, seed=args.seed + 1)
        distribution = dist
    if ports:
        streams = {ports[0]: a, ports[1]: b}
    else:
        streams, unit_holds = port_map.drive(a, b)
        holds = {**unit_holds, **holds}
    synth, energy = estimate(
        synth=synth,
        streams=streams,
        holds=holds,
        voltage=args.voltage,
        clock_ghz=args.clock_ghz,
        cache_dir=cache_dir,
        delay_model=args.delay_model,
        time_step_ps=args.time_step_ps,
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
        ("delay model", _delay_label(energy)),
        ("zero-delay energy", f"{energy.energy_pj_per_op_zero_delay:.4f} pJ"),
        (
            "glitch energy",
            f"{energy.glitch_pj:.4f} pJ ({100 * energy.glitch_fraction:.1f}% of dynamic)",
        ),
        ("power", f"{energy.power_mw:.4f} mW"),
        ("toggles per operation", f"{energy.toggles_per_op:.1f}"),
        ("cells / area", f"{sum(synth.cells.values())} / {synth.area_um2:.2f} um^2"),
        ("critical path", f"{synth.delay_ns:.3f} ns"),
    ]
    for label, value in rows:
        print(f"  {label:<24} {value}")
    _print_fractions(a, b, fmt_a, fmt_b)
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
