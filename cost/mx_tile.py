"""The MX dot-product array as the cost flow drives it: its own wide ports, a GEMM's stream.

`export_mx_tile` writes the Verilog of the `picojoule.hw.mx_array.MxArray` tile itself (ports
``act`` and ``word`` carry whole packed blocks, wider than 64 bits: the gate simulators take
them as uint64 words, `picojoule.cost.gatesim.stream_words`). `mx_gemm_streams` gives, per
cycle, what the GEMM sequencer (`picojoule.hw.gemm_core`) drives while the array computes
``A @ W``: the loop nest and zero padding of the simulated GEMM, one leading cycle that loads
the first activation blocks, then one block step per cycle (the next step's activation
blocks presented and loaded, this step's weight blocks, ``first`` at block 0 of an output
tile). Energy per cycle times cycles is the tile's energy for the GEMM.
"""

from pathlib import Path

import numpy as np
from amaranth.back import verilog

from picojoule.base import atomic
from picojoule.hw.mx_array import MxArray
from picojoule.hw.ports import port_records
from picojoule.models.mx_gemm import mx_operands

__all__ = ["export_mx_tile", "mx_gemm_streams", "CONTROL_PORTS"]

#: The tile's control inputs (``act`` and ``word`` carry the operands).
CONTROL_PORTS = ("load", "plane", "acc_en", "first", "zp_en")


def export_mx_tile(spec, out_dir):
    """Write ``<out_dir>/tile_<spec.name>.v``; return its manifest-style record (``name``,
    ``top``, ``verilog``, ``params``, ``ports`` from the signature, ``macs_per_cycle``)."""
    name = f"tile_{spec.name}"
    component = MxArray(spec=spec)
    text = verilog.convert(component, name=name, emit_src=False)
    path = Path(out_dir) / f"{name}.v"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, text)
    return {
        "name": name,
        "kind": "mx_array",
        "top": name,
        "verilog": path.name,
        "params": spec.params(),
        "macs_per_cycle": spec.peak_macs_per_cycle,
        "ports": port_records(
            component, clocked=True, roles={port: "control" for port in CONTROL_PORTS}
        ),
    }


def _tile_words(fmt, elements, scales, rows, tiles, lanes):
    """(tiles, G, words) uint64 of ``lanes`` packed blocks side by side per tile and group."""
    groups = scales.shape[1]
    e = np.zeros((rows, groups, fmt.k), dtype=np.int64)
    x = np.zeros((rows, groups), dtype=np.int64)
    e[: elements.shape[0]], x[: scales.shape[0]] = elements, scales
    words = fmt.pack_words(e.reshape(-1, fmt.k), x.reshape(-1))
    bits = np.unpackbits(words.astype("<u8").view(np.uint8), axis=1, bitorder="little")
    bits = bits[:, : fmt.width].reshape(tiles, lanes, groups, fmt.width).transpose(0, 2, 1, 3)
    bits = bits.reshape(tiles, groups, lanes * fmt.width)
    pad = -bits.shape[-1] % 64
    bits = np.concatenate([bits, np.zeros((tiles, groups, pad), np.uint8)], axis=-1)
    return np.packbits(bits, axis=-1, bitorder="little").view("<u8").astype(np.uint64)


def mx_gemm_streams(spec, *, a, w):
    """``(streams, holds, cycles)`` driving the `MxArray` of ``spec`` through ``a @ w``
    (float A (M x K) and W (K x N), quantized as `picojoule.models.mx_gemm.mx_gemm` does).
    ``cycles`` = GEMM steps + 1 (the leading load)."""
    ae, xa, we, xw = mx_operands(a, w, spec=spec)
    m, n = np.asarray(a).shape[0], np.asarray(w).shape[1]
    row_tiles, col_tiles, groups = -(-m // spec.m), -(-n // spec.n), xa.shape[1]
    acts = _tile_words(spec.a, ae, xa, row_tiles * spec.m, row_tiles, spec.m)
    wgts = _tile_words(spec.b, we, xw, col_tiles * spec.n, col_tiles, spec.n)
    mt, nt, g = (
        x.ravel()
        for x in np.meshgrid(
            np.arange(row_tiles), np.arange(col_tiles), np.arange(groups), indexing="ij"
        )
    )
    steps = len(g)
    nxt = np.minimum(np.arange(steps) + 1, steps - 1)  # presented during a step, loaded at its end
    zeros = np.zeros(steps + 1, dtype=np.uint64)
    streams = {
        "act": np.concatenate([acts[mt[:1], g[:1]], acts[mt[nxt], g[nxt]]]),
        "word": np.concatenate([wgts[nt[:1], g[:1]], wgts[nt, g]]),
        "load": np.ones(steps + 1, dtype=np.uint64),
        "acc_en": np.concatenate([[0], np.ones(steps)]).astype(np.uint64),
        "first": np.concatenate([[0], g == 0]).astype(np.uint64),
        "plane": zeros,
        "zp_en": zeros,
    }
    return streams, {"rst": 0}, steps + 1
