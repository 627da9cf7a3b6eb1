"""`picojoule gemm`: a whole GEMM simulated cycle by cycle on a generated tile, and checked."""

import json
import sys
from pathlib import Path

import numpy as np

from picojoule.base import atomic

HELP = (
    "simulate one GEMM cycle-accurately on the LUT tensor-core tile or a MAC-array baseline "
    "(cocotb), check it against the golden model and write A.npy, W.npy, C.npy, stats.json"
)


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
    parser.add_argument("--out", type=Path, required=True, help="output folder (replaced whole)")
    parser.add_argument("--tile-m", type=int, default=2, help="tile M (default 2)")
    parser.add_argument(
        "--tile-n",
        type=int,
        default=64,
        help="LUT tile N (default 64; a MAC array gets ceil(N / W))",
    )
    parser.add_argument("--tile-k", type=int, default=4, help="tile K, activations per table")
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
    parser.add_argument("--a", type=Path, default=None, help="optional A (.npy) instead of random")
    parser.add_argument("--w", type=Path, default=None, help="optional W codes (.npy)")


def _load(path, label):
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read {label} from {path}: {error}") from None


def run(args):
    from picojoule.sim.gemm import random_operands, run_gemm, tile_spec

    if not 1 <= args.wbits <= 4:
        raise ValueError(f"wbits must be a whole number in 1..4, got {args.wbits}")
    spec = tile_spec(
        args.core,
        wbits=args.wbits,
        act=args.act,
        m=args.tile_m,
        n=args.tile_n,
        k=args.tile_k,
        acc_width=args.acc_width,
    )
    a, w = random_operands(spec, m=args.m, n=args.n, k=args.k, seed=args.seed)
    if args.a is not None:
        a = _load(args.a, "A")
    if args.w is not None:
        w = _load(args.w, "W")
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
    with atomic.replace_dir(args.out) as tmp:
        np.save(tmp / "A.npy", a)
        np.save(tmp / "W.npy", w)
        np.save(tmp / "C.npy", c)
        (tmp / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    print(
        f"{args.core} {stats['tile']}: {stats['m']}x{stats['n']}x{stats['k']} W{args.wbits} "
        f"{spec.act.name}: {stats['cycles']} cycles, {stats['macs']} MACs, utilization "
        f"{stats['utilization']:.3f}, verified against the golden model on {args.simulator} "
        f"in {stats['seconds']:.1f} s -> {args.out}",
        file=sys.stdout,
    )
    return 0
