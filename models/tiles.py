"""The tensor-core tile registry: every core a GEMM can run on, registered once.

A core is the numeric face of a tile: which activation formats it takes, how its tile spec is
made from the GEMM command's knobs, and its golden GEMM. The other faces are registered under
the same name one layer up: the Amaranth generator in `picojoule.hw.tiles`, the cost facts (the
cost suite's tiles and which LUT tiles a baseline is compared with) in `picojoule.cost.tiles`.
`picojoule gemm --core`, the cycle-accurate GEMM (`picojoule.sim.gemm`), the cost flow and the
report iterate `TILE_CORES`.

The spec classes state the rest of the contract a layer above needs (`LutGemmSpec`,
`MacArraySpec`): ``m``, ``n``, ``k``, ``wbits``, ``act``, ``is_float``, ``acc_width`` /
``acc_format``, ``peak_macs_per_cycle``, ``planes`` (steps per group of K activations),
``weight_lanes`` and ``weight_steps(codes)`` (the weight word of every step), ``pipelinable``,
``check_depth``, ``name``, ``params()``.

Shape knobs (``m``, ``n``, ``k``) are the LUT tile's; a MAC-array core builds the array of the
same peak MACs per cycle (N' = ceil(N / W), `picojoule.models.mac_gemm.same_peak`).
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from picojoule.base.workers import share_registry
from picojoule.models.lut_gemm import LutGemmSpec, lut_mpgemm
from picojoule.models.mac_gemm import mac_gemm, same_peak
from picojoule.models.mx_gemm import MX_ACTS, MxArraySpec, block_format, mx_gemm

__all__ = ["TileCore", "TILE_CORES", "register_core", "get_core", "random_operands"]


@dataclass(frozen=True)
class TileCore:
    """One tensor-core core.

    Attributes
    ----------
    name : str
        The core's name (``picojoule gemm --core NAME``, the report's ``core`` column).
    summary : str
        What the core is, one phrase (command help, report prose).
    acts : tuple of str
        Activation formats it takes; the first is the default.
    make_spec : callable
        ``make_spec(*, wbits, act, m, n, k, acc_width)`` -> the tile spec.
    golden : callable
        ``golden(a, w, *, spec)`` -> the exact result C of ``A @ W`` under the spec's contract.
    baseline_of : str or None
        For a baseline, the phrase naming the comparison group in the report's conclusion
        (cores sharing it are reported together); None for the LUT core itself.
    """

    name: str
    summary: str
    acts: tuple
    make_spec: Callable
    golden: Callable
    baseline_of: str = None
    tile_defaults: dict = None
    takes_weights: bool = False

    def defaults(self):
        """The default tile shape ``{"m", "n", "k"}`` of `picojoule gemm` for this core
        (``k`` None: the core's own, e.g. an MX format's block size)."""
        return {"m": 2, "n": 64, "k": 4, **(self.tile_defaults or {})}

    def spec(self, *, wbits=2, act=None, m=2, n=64, k=4, acc_width=32, weights=None):
        """The tile spec for these knobs; ValueError naming the choices on a bad ``act``, or
        on ``weights`` (a weight format) for a core whose weights are W-bit codes."""
        act = self.acts[0] if act is None else act
        if act not in self.acts:
            others = [core.name for core in TILE_CORES.values() if act in core.acts]
            hint = f"; {act} runs on --core {' or '.join(others)}" if others else ""
            raise ValueError(
                f"--core {self.name} takes --act {' or '.join(self.acts)}, not {act}{hint}"
            )
        knobs = {"wbits": wbits, "act": act, "m": m, "n": n, "k": k, "acc_width": acc_width}
        if self.takes_weights:
            knobs["weights"] = act if weights is None else weights
        elif weights is not None:
            takers = [core.name for core in TILE_CORES.values() if core.takes_weights]
            raise ValueError(
                f"--weights applies to --core {' or '.join(takers)}; --core {self.name} takes "
                "W-bit weight codes (--wbits)"
            )
        return self.make_spec(**knobs)


TILE_CORES = {}


def register_core(core):
    """Add ``core`` to `TILE_CORES` (ValueError if its name is taken); returns it."""
    if core.name in TILE_CORES:
        raise ValueError(f"tile core {core.name!r} is registered twice")
    TILE_CORES[core.name] = core
    return core


def get_core(name):
    """The registered core ``name``; ValueError listing the choices otherwise."""
    try:
        return TILE_CORES[name]
    except KeyError:
        raise ValueError(f"unknown core {name!r}; choose from {', '.join(TILE_CORES)}") from None


def _lut_spec(*, wbits, act, m, n, k, acc_width):
    return LutGemmSpec(m=m, n=n, k=k, wbits=wbits, act=act, acc_width=acc_width)


def _mac_spec(mul, *, weight_port="code"):
    def make(*, wbits, act, m, n, k, acc_width):
        lut = LutGemmSpec(m=m, n=n, k=k, wbits=wbits, act=act, acc_width=acc_width)
        return same_peak(lut, mul=mul, weight_port=weight_port)

    return make


def _float_mac_spec(mul):
    def make(*, wbits, act, m, n, k, acc_width):
        lut = LutGemmSpec(m=m, n=n, k=k, wbits=wbits, act="int8", acc_width=acc_width)
        return same_peak(lut, mul=mul)

    return make


_GENERAL = "general integer MAC arrays (weights widened to the activation width)"

register_core(
    TileCore(
        name="lut",
        summary="LUT tensor core (integer activations: exact; float: FP tables, fp32 accumulators)",
        acts=("int8", "int16", "fp16", "bf16", "e4m3"),
        make_spec=_lut_spec,
        golden=lut_mpgemm,
    )
)
register_core(
    TileCore(
        name="mac-int",
        summary="int x uintW multiplier array of the LUT tile's peak MACs/cycle",
        acts=("int8", "int16"),
        make_spec=_mac_spec("int"),
        golden=mac_gemm,
        baseline_of="the same-peak array of int x uintW multipliers",
    )
)
for _act in ("int8", "int16"):
    register_core(
        TileCore(
            name=f"mac-{_act}",
            summary=f"general {_act} MAC array (weights dequantized to {_act})",
            acts=(_act,),
            make_spec=_mac_spec("int", weight_port="act"),
            golden=mac_gemm,
            baseline_of=_GENERAL,
        )
    )
register_core(
    TileCore(
        name="mac-fp8",
        summary="e4m3 multiplier array, products summed in fp32",
        acts=("e4m3",),
        make_spec=_float_mac_spec("fp8"),
        golden=mac_gemm,
        baseline_of="the e4m3 multiplier array (weights dequantized to e4m3, products summed "
        "in fp32), with e4m3 activations in the LUT tile's FP tables and fp32 accumulators",
    )
)
register_core(
    TileCore(
        name="mac-lmul",
        summary="e4m3 L-Mul array, products summed in fp32",
        acts=("e4m3",),
        make_spec=_float_mac_spec("lmul"),
        golden=mac_gemm,
        baseline_of="the e4m3 L-Mul array",
    )
)


def _mx_spec(*, wbits, act, m, n, k, acc_width, weights):
    a = block_format(act, k=k)
    return MxArraySpec(m=m, n=n, a=a, b=block_format(weights, k=a.k))


register_core(
    TileCore(
        name="mx",
        summary="M x N array of block dot-product units (OCP MX / NVFP4 blocks along K, each "
        "block dot exact and rounded once to fp32, fp32 accumulators); float A and W "
        "quantized to --act / --weights block formats",
        acts=MX_ACTS,
        make_spec=_mx_spec,
        golden=mx_gemm,
        tile_defaults={"m": 2, "n": 2, "k": None},
        takes_weights=True,
    )
)
share_registry(__name__, "TILE_CORES")


def random_operands(spec, *, m, n, k, seed=0):
    """Random A (M x K) and W (K x N) for a tile spec, as the GEMM command writes them.

    Integer activations are uniform over the whole format (extremes included); float
    activations are codes of standard-normal values (RNE, saturating, never NaN). W codes are
    uniform over ``[0, 2^W - 1]``. A spec with its own ``random_operands`` (the mx array:
    standard-normal float A and W) makes them.
    """
    own = getattr(spec, "random_operands", None)
    if own is not None:
        return own(m=m, n=n, k=k, seed=seed)
    rng = np.random.default_rng(seed)
    act = spec.act
    if spec.is_float:
        a = act.encode(rng.standard_normal((m, k)), overflow="sat")
    else:
        a = rng.integers(act.min_value, act.max_value + 1, (m, k)).astype(
            np.int8 if act.width == 8 else np.int16
        )
    w = rng.integers(0, 1 << spec.wbits, (k, n)).astype(np.uint8)
    return a, w
