"""`picojoule gemm`: a whole GEMM simulated cycle by cycle on a generated tile, and checked."""

import json
import sys
from pathlib import Path

import numpy as np

from picojoule.base import outputs
from picojoule.commands._checks import add_force_argument, in_range

HELP = (
    "simulate one GEMM cycle-accurately on the LUT tensor-core tile or a MAC-array baseline "
    "(cocotb), check it against the golden model and write A.npy, W.npy, C.npy, stats.json"
)
DESCRIPTION = (
    f"{HELP}. Writes only those four files into the --out folder, replacing this command's "
    "previous outputs there. Refuses before any work: an --out that is a file, a non-empty "
    "folder picojoule did not create (unless --force), an unwritable location, sizes below 1, "
    "--wbits outside 1..4, an --act the core does not take, unreadable --a/--w files."
)
OUTPUTS = ("A.npy", "W.npy", "C.npy", "stats.json")


def add_arguments(parser):
    from picojoule.sim.gemm import CORES
    from picojoule.sim.simulators import DEFAULT_SIMULATOR, SIMULATORS

    parser.add_argument(
        "--core",
        choices=CORES,
        default="lut",
        help="lut (LUT tensor core) or a MAC array of the same peak MACs/cycle",
    )
    parser.add_argument("--m", type=int, default=64, help="rows of A and C (default 64)")
    parser.add_argument("--n", type=int, default=64, help="columns of W and C (default 64)")
    parser.add_argument("--k", type=int, default=512, help="reduction length (default 512)")
    parser.add_argument("--wbits", type=int, default=2, help="weight bits W, 1..4 (default 2)")
    parser.add_argument(
        "--act",
        default=None,
        help="activation format: int8 (default), int16, or float fp16 / bf16 / "
        "e4m3 for lut (FP tables, fp32 accumulators); int8 or int16 for "
        "mac-int(8); e4m3 for mac-fp8 / mac-lmul",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed of A and W")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output folder; only A.npy, W.npy, C.npy and stats.json are replaced",
    )
    add_force_argument(parser)
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
        raise ValueError(f"{label} {path}: cannot read it as a .npy array ({error})") from None


def run(args):
    from picojoule.sim.gemm import random_operands, run_gemm, tile_spec

    for flag in ("m", "n", "k", "tile_m", "tile_n", "tile_k", "acc_width"):
        in_range(getattr(args, flag), flag="--" + flag.replace("_", "-"), minimum=1)
    in_range(args.wbits, flag="--wbits", minimum=1, maximum=4)
    act = args.act or ("e4m3" if args.core in ("mac-fp8", "mac-lmul") else "int8")
    if args.core in ("mac-fp8", "mac-lmul") and act != "e4m3":
        raise ValueError(f"--core {args.core} takes --act e4m3 (its multipliers are fp8)")
    if args.core in ("mac-int", "mac-int8") and act not in ("int8", "int16"):
        raise ValueError(f"--core {args.core} takes --act int8 or int16 (integer multipliers)")
    spec = tile_spec(
        args.core,
        wbits=args.wbits,
        act=act,
        m=args.tile_m,
        n=args.tile_n,
        k=args.tile_k,
        acc_width=args.acc_width,
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
    with outputs.owned_folder(args.out, command="gemm", outputs=OUTPUTS, force=args.force) as tmp:
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
