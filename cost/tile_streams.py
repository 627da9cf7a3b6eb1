"""Per-cycle operand streams of a tensor-core tile, as a GEMM's inner loop drives it.

Activations are Gaussian and quantized by the cost flow's one quantizer
(`picojoule.cost.operands.quantize`: integers N(0, 1) scaled by max/4, rounded, clipped; floats
RNE, saturating), weight codes uniform random; the control is what `picojoule.hw.gemm_core`
drives: a new activation group every ``spec.planes`` cycles (W for the LUT tile, 1 for a MAC
array), the weight word of each step from ``spec.weight_steps``, and a new output every
``depth`` reductions.
"""

import numpy as np

from picojoule.cost.operands import distribution_scale, quantize
from picojoule.cost.tile_export import word_chunks

__all__ = ["tile_streams"]


def _pack(fields, width):
    """Rows of lane values -> one integer per row (lane 0 in the LSBs); <= 64 bits."""
    out = np.zeros(fields.shape[0], dtype=np.uint64)
    for lane in range(fields.shape[1]):
        out |= fields[:, lane].astype(np.uint64) << np.uint64(lane * width)
    return out


def tile_streams(entry, *, cycles=4096, seed=0, depth=128):
    """Per-cycle input values of the `picojoule.cost.tile_export.CostTile` of ``entry``.

    Returns ``(streams, holds)``: ``streams`` maps each input port to ``cycles`` unsigned
    values; ``holds`` is ``{"rst": 0}``. ``depth`` is the reduction length K of one output.
    """
    spec = entry.spec
    rng = np.random.default_rng(seed)
    planes = spec.planes
    groups = -(-cycles // planes) + 1
    per_output = max(1, depth // spec.k)
    values = rng.standard_normal((groups, spec.m, spec.k))
    acts = quantize(values, spec.act, scale=distribution_scale(spec.act)).astype(np.int64)
    codes = rng.integers(0, 1 << spec.wbits, (groups * spec.k, spec.n))
    t = np.arange(cycles)
    g, b = t // planes, t % planes
    streams = {}
    # group g + 1's activations are presented during group g and loaded in its last plane
    # cycle, so the tables (or operand registers) hold group g while it is used
    load = b == planes - 1
    loaded = np.minimum(g + 1, groups - 1)
    for r in range(spec.m):
        streams[f"act_r{r}"] = _pack(acts[loaded, r, :], spec.act.width)
    lanes = spec.weight_steps(codes)[g, b]  # (cycles, lanes)
    streams["plane"] = b.astype(np.uint64)
    streams["zp_en"] = (b == 0).astype(np.uint64)
    start = 0
    for i, (count, width) in enumerate(word_chunks(spec)):
        streams[f"word_p{i}"] = _pack(lanes[:, start : start + count], width)
        start += count
    streams["load"] = load.astype(np.uint64)
    streams["acc_en"] = np.ones(cycles, dtype=np.uint64)
    streams["first"] = ((g % per_output == 0) & (b == 0)).astype(np.uint64)
    return streams, {"rst": 0}
