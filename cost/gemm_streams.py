"""A GEMM's own operand stream for the cost tile (`picojoule.cost.tile_export.CostTile`).

`gemm_streams` gives, per cycle of the tile, the inputs that the GEMM sequencer
(`picojoule.hw.gemm_core`) drives while it computes ``A (M x K) @ W (K x N)``: the same loop
nest (row tile, column tile, group of K, bit-plane), the same zero padding of the edges as
the simulated GEMM, and the cost tile's timing of `picojoule.cost.tile_streams.tile_streams`
(the next group's activations are presented during a group and loaded in its last plane
cycle; ``first`` starts a new output tile at group 0). One leading cycle loads the first
group; every further cycle is one step of the GEMM, so the stream's energy per cycle times its
cycles is the tile's energy for the GEMM.
"""

import numpy as np

from picojoule.cost.tile_export import word_chunks
from picojoule.cost.tile_streams import _pack
from picojoule.models.lut_gemm import LutGemmSpec, encode_weight_indices

__all__ = ["gemm_streams"]


def _padded(x, rows, cols):
    out = np.zeros((rows, cols), dtype=np.int64)
    out[: x.shape[0], : x.shape[1]] = x
    return out


def gemm_streams(entry, *, a, w):
    """``(streams, holds, cycles)`` for the `TileEntry` ``entry`` computing ``a @ w``.

    ``a`` holds activation codes or integer values (two's complement), ``w`` the W-bit weight
    codes, as `picojoule gemm` writes them. ``cycles`` = GEMM steps + 1 (the leading load).
    """
    spec = entry.spec
    a, w = np.asarray(a), np.asarray(w)
    m, k = a.shape
    n = w.shape[1]
    is_lut = isinstance(spec, LutGemmSpec)
    planes = spec.wbits if is_lut else 1
    row_tiles, col_tiles, groups = -(-m // spec.m), -(-n // spec.n), -(-k // spec.k)
    codes_a = _padded(
        a.astype(np.int64) & ((1 << spec.act.width) - 1), row_tiles * spec.m, groups * spec.k
    )
    codes_w = _padded(w.astype(np.int64), groups * spec.k, col_tiles * spec.n)
    # the loop nest: q runs over (mt, nt, g); a step is (q, b)
    mt, nt, g = (
        x.ravel()
        for x in np.meshgrid(
            np.arange(row_tiles), np.arange(col_tiles), np.arange(groups), indexing="ij"
        )
    )
    steps = len(g) * planes
    t = np.arange(steps)
    q, b = t // planes, t % planes
    nxt = np.minimum(q + 1, len(g) - 1)  # the group presented during q, loaded at its end
    tiles_a = codes_a.reshape(row_tiles, spec.m, groups, spec.k)
    streams = {}
    for r in range(spec.m):
        streams[f"act_r{r}"] = _pack(tiles_a[mt[nxt], r, g[nxt], :], spec.act.width)
    if is_lut:
        words = encode_weight_indices(codes_w, k=spec.k, wbits=spec.wbits)  # (W, groups, Np)
        words = words.reshape(spec.wbits, groups, col_tiles, spec.n)
        lanes = words[b, g[q], nt[q]]  # (steps, N)
        streams["plane"] = b.astype(np.uint64)
        streams["zp_en"] = (b == 0).astype(np.uint64)
    else:
        tiles_w = codes_w.reshape(groups, spec.k, col_tiles, spec.n).transpose(0, 2, 3, 1)
        lanes = tiles_w[g[q], nt[q]].reshape(steps, spec.n * spec.k)  # n-major, then k
        streams["plane"] = np.zeros(steps, dtype=np.uint64)
        streams["zp_en"] = np.zeros(steps, dtype=np.uint64)
    start = 0
    for i, (count, width) in enumerate(word_chunks(spec)):
        streams[f"word_p{i}"] = _pack(lanes[:, start : start + count], width)
        start += count
    streams["load"] = (b == planes - 1).astype(np.uint64)
    streams["acc_en"] = np.ones(steps, dtype=np.uint64)
    streams["first"] = ((g[q] == 0) & (b == 0)).astype(np.uint64)
    lead = {name: values[:1].copy() for name, values in streams.items()}  # load group 0
    for r in range(spec.m):
        lead[f"act_r{r}"] = _pack(tiles_a[mt[:1], r, g[:1], :], spec.act.width)
    lead.update(load=np.ones(1, np.uint64), acc_en=np.zeros(1, np.uint64))
    lead["first"] = np.zeros(1, np.uint64)
    streams = {name: np.concatenate([lead[name], values]) for name, values in streams.items()}
    return streams, {"rst": 0}, steps + 1
