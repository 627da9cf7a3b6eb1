"""The hardware face of each tensor-core core (`picojoule.models.tiles`): its generators.

`TILE_GENERATORS` maps a core's name to a `TileGenerator`: ``tile(spec, pipelined=...)``
builds the tile component (the tile ports of `picojoule.hw.gemm_core`), ``post(spec)`` the
per-output correction after the inner loop (None: the accumulators are the result). The
cycle-accurate GEMM (`picojoule.sim.gemm`) and the cost tiles (`picojoule.cost.tile_export`)
build through `build_tile` and `build_post`.
"""

from dataclasses import dataclass
from typing import Callable

from picojoule.base.workers import share_registry
from picojoule.hw.lut_tile import LutTile, ZeroPointCorrection
from picojoule.hw.lut_tile_fp import FpLutTile, FpZeroPointCorrection
from picojoule.hw.mac_array import MacArray
from picojoule.hw.mx_array import MxArray
from picojoule.models.tiles import TILE_CORES

__all__ = ["TileGenerator", "TILE_GENERATORS", "build_tile", "build_post"]


@dataclass(frozen=True)
class TileGenerator:
    """``tile(spec, *, pipelined)`` -> component; ``post(spec)`` -> component or None."""

    tile: Callable
    post: Callable = None


def _lut_tile(spec, *, pipelined):
    return FpLutTile(spec=spec) if spec.is_float else LutTile(spec=spec, pipelined=pipelined)


def _lut_post(spec):
    return FpZeroPointCorrection(spec=spec) if spec.is_float else ZeroPointCorrection(spec=spec)


def _mac_tile(spec, *, pipelined):
    return MacArray(spec=spec)


def _mx_tile(spec, *, pipelined):
    return MxArray(spec=spec)


_MAC = TileGenerator(tile=_mac_tile)

TILE_GENERATORS = {
    "lut": TileGenerator(tile=_lut_tile, post=_lut_post),
    "mac-int": _MAC,
    "mac-int8": _MAC,
    "mac-int16": _MAC,
    "mac-fp8": _MAC,
    "mac-lmul": _MAC,
    "mx": TileGenerator(tile=_mx_tile),
}
share_registry(__name__, "TILE_GENERATORS")


def _generator(core):
    try:
        return TILE_GENERATORS[core]
    except KeyError:
        raise ValueError(
            f"no generator for core {core!r}; choose from {', '.join(TILE_CORES)}"
        ) from None


def build_tile(core, spec, *, pipelined=False):
    """The tile component of ``core`` for ``spec``; ValueError for an unknown core or a
    pipelined variant the tile does not have (``spec.pipelinable``)."""
    generator = _generator(core)
    if pipelined and not spec.pipelinable:
        raise ValueError("pipelined applies to the lut core with integer activations (int8, int16)")
    return generator.tile(spec, pipelined=pipelined)


def build_post(core, spec):
    """The per-output correction of ``core`` for ``spec``, or None."""
    generator = _generator(core)
    return generator.post(spec) if generator.post is not None else None
