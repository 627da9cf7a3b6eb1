"""`picojoule gemm`: a whole GEMM simulated cycle by cycle on a generated tile, and checked."""

import json
import sys
from pathlib import Path

import numpy as np

from picojoule.base import outputs
from picojoule.commands._checks import (
    add_force_argument,
    check_cache,
    check_readable,
    in_range,
    positive,
)

HELP = (
    "simulate one GEMM cycle-accurately on the LUT tensor-core tile or a MAC-array baseline "
    "(cocotb), check it against the golden model, cost its energy and write A.npy, W.npy, "
    "C.npy, stats.json"
)
DESCRIPTION = (
    f"{HELP}. Energy: the tile's synthesized netlist driven, cycle by cycle, by this GEMM's own "
    "operand stream (its A and W in the sequencer's loop order; the tile only, not the "
    "sequencer or memories), reported per MAC and per GEMM and stored under 'energy' in "
    "stats.json; synthesis and energy are cached like the report's tiles (--no-energy skips "
    "it). Writes only those four files into the --out folder, replacing this command's "
    "previous outputs there. Refuses before any work: an --out that is a file, a non-empty "
    "folder picojoule did not create (unless --force), an unwritable location, sizes below 1, "
    "--wbits outside 1..4, an --act the core does not take, unreadable --a/--w files."
)
OUTPUTS = ("A.npy", "W.npy", "C.npy", "stats.json")


def add_arguments(parser):
    from picojoule.models.tiles import TILE_CORES
    from picojoule.sim.simulators import DEFAULT_SIMULATOR, SIMULATORS

    parser.add_argument(
        "--core",
        choices=tuple(TILE_CORES),
        default="lut",
        help="; ".join(f"{core.name}: {core.summary}" for core in TILE_CORES.values()),
    )
    parser.add_argument("--m", type=int, default=64, help="rows of A and C (default 64)")
    parser.add_argument("--n", type=int, default=64, help="columns of W and C (default 64)")
    parser.add_argument("--k", type=int, default=512, help="reduction length (default 512)")
    parser.add_argument("--wbits", type=int, default=2, help="weight bits W, 1..4 (default 2)")
    parser.add_argument(
        "--act",
        default=None,
        help="activation format (default: the core's first); "
        + "; ".join(f"{core.name}: {', '.join(core.acts)}" for core in TILE_CORES.values()),
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed of A and W")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output folder; only A.npy, W.npy, C.npy and stats.json are replaced",
    )
    add_force_argument(parser)
    parser.add_argument(
        "--weights",
        default=None,
        metavar="FMT",
        help="mx: the weight block format (default: as --act); other cores take W-bit codes",
    )
    parser.add_argument("--tile-m", type=int, default=None, help="tile M (default 2)")
    parser.add_argument(
        "--tile-n",
        type=int,
        default=None,
        help="LUT tile N (default 64; a MAC array gets ceil(N / W); mx: dot units per row, "
        "default 2)",
    )
    parser.add_argument(
        "--tile-k",
        type=int,
        default=None,
        help="tile K, activations per table (default 4; mx: the block size, default the "
        "format's: 32, NVFP4 16)",
    )
    parser.add_argument("--acc-width", type=int, default=32, help="integer accumulator bits")
    parser.add_argument(
        "--pipelined",
        action="store_true",
        help="lut with integer activations: a register between table read and "
        "accumulation (one more cycle of latency, a shorter clock period)",
    )
    parser.add_argument("--simulator", choices=SIMULATORS, default=DEFAULT_SIMULATOR)
    parser.add_argument(
        "--drive",
        choices=("once", "step"),
        default="once",
        help="once: the loop runs in HDL; step: one cocotb await per cycle",
    )
    parser.add_argument(
        "--no-energy",
        dest="energy",
        action="store_false",
        help="skip synthesizing the tile and costing the GEMM's energy",
    )
    parser.add_argument(
        "--liberty",
        metavar="PATH",
        help="Liberty file for the energy (default: the built-in Nangate45 table)",
    )
    parser.add_argument(
        "--clock-ghz", type=float, default=1.0, help="clock of the energy estimate (default: 1)"
    )
    parser.add_argument("--a", type=Path, default=None, help="optional A (.npy) instead of random")
    parser.add_argument(
        "--w", type=Path, default=None, help="optional W codes (.npy; mx: float W, K x N)"
    )


def _load(path, label):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"{label} {path}: cannot read it as a .npy array ({error})") from None


def gemm_energy(core, spec, *, a, w, pipelined=False, liberty=None, clock_ghz=1.0):
    """The tile's energy for this GEMM: its netlist driven by the GEMM's own operand stream
    (`picojoule.cost.gemm_streams`; the mx array: `picojoule.cost.mx_tile`). Record: pJ
    per GEMM, per MAC and per cycle, cycles, tile, area, library, voltage, clock."""
    from picojoule.base.paths import build_root
    from picojoule.cost.energy import estimate
    from picojoule.cost.gemm_streams import gemm_streams
    from picojoule.cost.synth import synthesize
    from picojoule.cost.tile_export import export_tile
    from picojoule.cost.tiles import TileEntry

    folder = build_root() / "gemm" / "tiles"
    if getattr(spec, "takes_floats", False):  # the mx array: its own wide ports
        from picojoule.cost.mx_tile import export_mx_tile, mx_gemm_streams

        record = export_mx_tile(spec, folder)
        streams, holds, cycles = mx_gemm_streams(spec, a=a, w=w)
    else:
        entry = TileEntry(core, spec, pipelined=pipelined)
        record = export_tile(entry, folder)
        streams, holds, cycles = gemm_streams(entry, a=a, w=w)
    synth = synthesize(verilog=folder / record["verilog"], top=record["top"], liberty=liberty)
    synth, energy = estimate(synth=synth, streams=streams, holds=holds, clock_ghz=clock_ghz)
    per_gemm = energy.energy_pj_per_op * cycles
    macs = int(np.asarray(a).shape[0] * np.asarray(a).shape[1] * np.asarray(w).shape[1])
    return {
        "pj_per_gemm": per_gemm,
        "pj_per_mac": per_gemm / macs,
        "pj_per_cycle": energy.energy_pj_per_op,
        "tile_cycles": cycles,
        "macs": macs,
        "tile": record["top"],
        "area_um2": synth.area_um2,
        "library": synth.library_label,
        "voltage": energy.voltage,
        "clock_ghz": energy.clock_ghz,
        "scope": "the tile's netlist only (not the sequencer or memories)",
    }


def run(args):
    from picojoule.models.tiles import get_core
    from picojoule.sim.gemm import random_operands, run_gemm, tile_spec

    for name, value in get_core(args.core).defaults().items():
        if getattr(args, f"tile_{name}") is None:
            setattr(args, f"tile_{name}", value)
    for flag in ("m", "n", "k", "tile_m", "tile_n", "tile_k", "acc_width"):
        in_range(getattr(args, flag), flag="--" + flag.replace("_", "-"), minimum=1)
    in_range(args.wbits, flag="--wbits", minimum=1, maximum=4)
    positive(args.clock_ghz, flag="--clock-ghz")
    if args.energy:
        check_readable(args.liberty, flag="--liberty")
        check_cache(enabled=True)
    spec = tile_spec(
        args.core,
        wbits=args.wbits,
        act=args.act,
        m=args.tile_m,
        n=args.tile_n,
        k=args.tile_k,
        acc_width=args.acc_width,
        weights=args.weights,
    )
    a_file = _load(args.a, "--a") if args.a is not None else None
    w_file = _load(args.w, "--w") if args.w is not None else None
    outputs.check_folder(args.out, command="gemm", outputs=OUTPUTS, force=args.force)
    a, w = random_operands(spec, m=args.m, n=args.n, k=args.k, seed=args.seed)
    a = a if a_file is None else a_file
    w = w if w_file is None else w_file
    c, stats = run_gemm(
        core=args.core,
        a=a,
        w=w,
        spec=spec,
        simulator=args.simulator,
        drive=args.drive,
        pipelined=args.pipelined,
    )
    stats["seed"] = args.seed
    stats["act"] = spec.act.name
    if args.energy:
        stats["energy"] = gemm_energy(
            args.core,
            spec,
            a=a,
            w=w,
            pipelined=args.pipelined,
            liberty=args.liberty,
            clock_ghz=args.clock_ghz,
        )
    with outputs.owned_folder(args.out, command="gemm", outputs=OUTPUTS, force=args.force) as tmp:
        np.save(tmp / "A.npy", a)
        np.save(tmp / "W.npy", w)
        np.save(tmp / "C.npy", c)
        (tmp / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    operands = (
        f"{spec.a.name} x {spec.b.name}"
        if getattr(spec, "takes_floats", False)
        else f"W{args.wbits} {spec.act.name}"
    )
    print(
        f"{args.core} {stats['tile']}: {stats['m']}x{stats['n']}x{stats['k']} {operands}"
        f": {stats['cycles']} cycles, {stats['macs']} MACs, utilization "
        f"{stats['utilization']:.3f}, verified against the golden model on {args.simulator} "
        f"in {stats['seconds']:.1f} s -> {args.out}",
        file=sys.stdout,
    )
    if args.energy:
        e = stats["energy"]
        print(
            f"energy: {e['pj_per_mac']:.4f} pJ per MAC, {e['pj_per_gemm'] / 1e3:.3f} nJ per GEMM "
            f"({e['tile_cycles']} tile cycles at {e['pj_per_cycle']:.3f} pJ; {e['library']}, "
            f"{e['voltage']:.2f} V, {e['clock_ghz']:g} GHz; {e['scope']})"
        )
    return 0
