"""Tensor-core tiles for the cost flow: Verilog export and realistic per-cycle operand streams.

`cost_tiles` lists the LUT tiles at W1/W2/W4 x A8/A16 and, for each W, the MAC baselines:
``mac-int`` with the same peak MACs per cycle (`picojoule.models.mac_gemm.same_peak`; W-bit
codes into int multipliers, which synthesis narrows to int8 x uintW) at A8 and A16, and on a
smaller array (`SMALL_MAC_TILE`, see `cost_tiles`) the general MAC arrays ``mac-int8`` /
``mac-int16`` (fed weights dequantized to the activation width) and the ``mac-fp8`` and
``mac-lmul`` arrays (e4m3), beside LUT tiles with e4m3 activations (FP tables, fp32
accumulators, `picojoule.hw.lut_tile_fp`). The LUT cost tile is M2 N8 K4: the paper's M2 N64 K4 narrowed to
N8 so that it synthesizes with Yosys + ABC in seconds. The tables are shared by the N columns,
so a wider tile amortizes the table precompute further: N8 is conservative for the LUT core.

One *operation* of the cost flow is one clock cycle of the tile; the tile performs
``macs_per_cycle`` multiply-accumulates per cycle (M N K / W for the LUT tile, M N K for a MAC
array), so ``energy per MAC = energy per operation / macs_per_cycle``.

`export_tile` writes ``<name>.v`` with a top module whose inputs are each at most 64 bits wide
(activations split per row: ``act_r0``, ``act_r1``, ...; weights in whole lanes: ``word_p0``,
...), as the bit-parallel gate simulator takes them. `tile_streams` gives per-cycle values for
those inputs: Gaussian activations quantized like `picojoule.cost.operands` (integers: N(0, 1)
scaled by max/4, rounded, clipped; e4m3: RNE, saturating), uniform random weight codes, and the
control a GEMM's inner loop drives (`picojoule.hw.gemm_core`): a new activation group every W
cycles (LUT) or every cycle (MAC), bit-planes in turn, and a new output every ``depth``
reductions.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from picojoule.base import atomic
from picojoule.hw.gemm_core import accumulator_signature, accumulator_values
from picojoule.models.formats import IntFormat, Overflow
from picojoule.models.lut_gemm import LutGemmSpec, encode_weight_indices
from picojoule.models.mac_gemm import MacArraySpec, same_peak

__all__ = [
    "CostTile",
    "TileEntry",
    "cost_tiles",
    "export_tile",
    "tile_streams",
    "COST_TILE",
    "FLOAT_LUT_TILE",
    "FLOAT_BASELINE_MULS",
]

COST_TILE = {"m": 2, "n": 8, "k": 4}


@dataclass(frozen=True)
class TileEntry:
    """One tile to cost: ``core`` (lut, mac-int, mac-fp8, mac-lmul) and its spec."""

    core: str
    spec: object
    pipelined: bool = False

    @property
    def name(self):
        return f"tile_{self.spec.name}" + ("_pipe" if self.pipelined else "")

    @property
    def latency(self):
        return 2 if self.pipelined else 1

    @property
    def kind(self):
        return "lut_tile" if self.core == "lut" else "mac_array"

    @property
    def macs_per_cycle(self):
        return self.spec.peak_macs_per_cycle

    def params(self):
        return {
            "core": self.core,
            **self.spec.params(),
            "macs_per_cycle": self.macs_per_cycle,
            "pipelined": self.pipelined,
        }


SMALL_MAC_TILE = {"m": 1, "n": 2, "k": 4}
#: Multipliers of the float MAC-array baselines (cores ``mac-fp8``, ``mac-lmul``).
FLOAT_BASELINE_MULS = ("fp8", "lmul")


FLOAT_LUT_TILE = {"m": 1, "n": 8, "k": 4}


def cost_tiles(
    *,
    wbits=(1, 2, 4),
    acts=("int8", "int16"),
    m=2,
    n=8,
    k=4,
    float_baselines=True,
    small_tile=None,
    float_acts=("e4m3",),
    float_tile=None,
    pipelined=True,
):
    """The tiles of the LUT-vs-MAC cost comparison (see the module docstring).

    The general MAC arrays (``mac-int8``/``mac-int16``: full-width multipliers) and the fp8 and
    L-Mul baselines use the smaller ``small_tile`` (default `SMALL_MAC_TILE`, 8 MACs per cycle):
    at the same peak as the M2 N8 K4 LUT tile they take Yosys + ABC minutes each. A MAC array's
    per-MAC cost hardly depends on M and N (one accumulator per K products either way), so
    compare them per MAC (energy and area divided by ``macs_per_cycle``). The fp8 and L-Mul
    arrays are listed once, at the largest W: W only changes their code -> e4m3 table.
    With ``pipelined``, each integer LUT tile is listed a second time with a register between
    table read and accumulation (`picojoule.hw.lut_tile.LutTile` ``pipelined=True``).

    With ``float_baselines``, LUT tiles with float activations (``float_acts``, default e4m3:
    the fp8 array's activation format) are listed at every W on ``float_tile`` (default
    `FLOAT_LUT_TILE`, M1 N8 K4: one row of tables shared by eight fp32 accumulators; per MAC
    the same as M2 N8, at half the synthesis time).
    """
    small_tile = dict(SMALL_MAC_TILE if small_tile is None else small_tile)
    entries = []
    for w in wbits:
        for act in acts:
            lut = LutGemmSpec(m=m, n=n, k=k, wbits=w, act=act)
            entries.append(TileEntry("lut", lut))
            if pipelined:
                entries.append(TileEntry("lut", lut, pipelined=True))
            entries.append(TileEntry("mac-int", same_peak(lut, mul="int")))
            general = MacArraySpec(wbits=w, mul="int", act=act, weight_port="act", **small_tile)
            entries.append(TileEntry(f"mac-int{lut.act.width}", general))
    if float_baselines:  # once: W only changes their small dequantization table
        float_tile = dict(FLOAT_LUT_TILE if float_tile is None else float_tile)
        for act in float_acts:
            for w in wbits:
                entries.append(TileEntry("lut", LutGemmSpec(wbits=w, act=act, **float_tile)))
        for mul in FLOAT_BASELINE_MULS:
            entries.append(
                TileEntry(f"mac-{mul}", MacArraySpec(wbits=max(wbits), mul=mul, **small_tile))
            )
    return entries


def word_chunks(spec):
    """(lanes, lane width) of each ``word_p{i}`` port: whole weight lanes, <= 64 bits each."""
    if isinstance(spec, LutGemmSpec):
        lanes, width = spec.n, spec.k
    else:
        lanes, width = spec.n * spec.k, spec.weight_port_width
    per_port = max(1, 64 // width)
    return [(min(per_port, lanes - start), width) for start in range(0, lanes, per_port)]


class CostTile(wiring.Component):
    """A LUT tile or MAC array with inputs split to <= 64 bits (``act_r{row}``, ``word_p{i}``)."""

    def __init__(self, *, spec, pipelined=False):
        self._spec = spec
        if pipelined and not (isinstance(spec, LutGemmSpec) and not spec.is_float):
            raise ValueError("pipelined applies to LUT tiles with integer activations")
        if isinstance(spec, LutGemmSpec) and spec.is_float:
            from picojoule.hw.lut_tile_fp import FpLutTile

            self._tile = FpLutTile(spec=spec)
        elif isinstance(spec, LutGemmSpec):
            from picojoule.hw.lut_tile import LutTile

            self._tile = LutTile(spec=spec, pipelined=pipelined)
        else:
            from picojoule.hw.mac_array import MacArray

            self._tile = MacArray(spec=spec)
        tile = self._tile
        row_bits = spec.k * spec.act.width
        if row_bits > 64:
            raise ValueError(
                f"cost tile {spec.name}: a row of activations is wider than 64 "
                f"bits; choose a smaller k"
            )
        ports = {f"act_r{r}": In(row_bits) for r in range(spec.m)}
        self._chunks = word_chunks(spec)
        ports.update(
            {f"word_p{i}": In(lanes * width) for i, (lanes, width) in enumerate(self._chunks)}
        )
        ports.update(
            load=In(1),
            plane=In(len(tile.plane)),
            acc_en=In(1),
            first=In(1),
            zp_en=In(1),
            acc=Out(accumulator_signature(rows=spec.m, cols=spec.n, shape=tile.acc_shape)),
        )
        if isinstance(spec, LutGemmSpec):
            ports["zsum"] = Out(tile.zsum.shape())
        super().__init__(ports)

    def elaborate(self, platform):
        m = Module()
        m.submodules.tile = tile = self._tile
        spec = self._spec
        m.d.comb += [
            tile.act.as_value().eq(Cat(*(getattr(self, f"act_r{r}") for r in range(spec.m)))),
            tile.word.as_value().eq(
                Cat(*(getattr(self, f"word_p{i}") for i in range(len(self._chunks))))
            ),
            tile.load.eq(self.load),
            tile.plane.eq(self.plane),
            tile.acc_en.eq(self.acc_en),
            tile.first.eq(self.first),
            tile.zp_en.eq(self.zp_en),
        ]
        for outer, inner in zip(
            accumulator_values(self.acc, rows=spec.m, cols=spec.n),
            accumulator_values(tile.acc, rows=spec.m, cols=spec.n),
        ):
            m.d.comb += outer.eq(inner)
        if isinstance(spec, LutGemmSpec):
            m.d.comb += self.zsum.eq(tile.zsum)
        return m


def export_tile(entry, out_dir):
    """Write ``<out_dir>/<name>.v``; return its manifest record.

    Record: ``name``, ``kind`` (lut_tile / mac_array), ``top``, ``verilog`` (file name),
    ``params`` (with ``macs_per_cycle``), ``ports`` (name -> width), ``latency`` (1: the
    accumulators register every step; 2 pipelined), ``clock`` (``clk``; ``rst`` is held 0).
    """
    from amaranth.back import verilog

    from picojoule.hw.export import ports_of

    text = verilog.convert(
        CostTile(spec=entry.spec, pipelined=entry.pipelined), name=entry.name, emit_src=False
    )
    path = Path(out_dir) / f"{entry.name}.v"
    atomic.write_text(path, text)
    start = text.index(f"module {entry.name}(")
    top_text = text[start : text.index("endmodule", start)]
    return {
        "name": entry.name,
        "kind": entry.kind,
        "top": entry.name,
        "verilog": path.name,
        "params": entry.params(),
        "ports": ports_of(top_text),
        "latency": entry.latency,
        "clock": "clk",
    }


def _activations(fmt, shape, rng):
    values = rng.standard_normal(shape)
    if isinstance(fmt, IntFormat):
        ints = np.clip(np.rint(values * fmt.max_value / 4), fmt.min_value, fmt.max_value)
        return fmt.encode(ints.astype(np.int64)).astype(np.int64)
    return fmt.encode(values, overflow=Overflow.SAT).astype(np.int64)


def _pack(fields, width):
    """Rows of lane values -> one integer per row (lane 0 in the LSBs); <= 64 bits."""
    out = np.zeros(fields.shape[0], dtype=np.uint64)
    for lane in range(fields.shape[1]):
        out |= fields[:, lane].astype(np.uint64) << np.uint64(lane * width)
    return out


def tile_streams(entry, *, cycles=4096, seed=0, depth=128):
    """Per-cycle input values of the `CostTile` of ``entry``, and the held inputs.

    Returns ``(streams, holds)``: ``streams`` maps each input port to ``cycles`` unsigned
    values; ``holds`` is ``{"rst": 0}``. ``depth`` is the reduction length K of one output.
    """
    spec = entry.spec
    rng = np.random.default_rng(seed)
    is_lut = isinstance(spec, LutGemmSpec)
    planes = spec.wbits if is_lut else 1
    groups = -(-cycles // planes) + 1
    per_output = max(1, depth // spec.k)
    acts = _activations(spec.act, (groups, spec.m, spec.k), rng)  # codes
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
    if is_lut:
        words = encode_weight_indices(codes, k=spec.k, wbits=spec.wbits)  # (W, groups, N)
        per_cycle = words[b, g]  # (cycles, N)
        lanes = per_cycle
        streams["plane"] = b.astype(np.uint64)
        streams["zp_en"] = (b == 0).astype(np.uint64)
    else:
        lanes = codes.reshape(groups, spec.k, spec.n).transpose(0, 2, 1).reshape(groups, -1)[g]
        streams["plane"] = np.zeros(cycles, dtype=np.uint64)
        streams["zp_en"] = np.zeros(cycles, dtype=np.uint64)
    start = 0
    for i, (count, width) in enumerate(word_chunks(spec)):
        streams[f"word_p{i}"] = _pack(lanes[:, start : start + count], width)
        start += count
    streams["load"] = load.astype(np.uint64)
    streams["acc_en"] = np.ones(cycles, dtype=np.uint64)
    streams["first"] = ((g % per_output == 0) & (b == 0)).astype(np.uint64)
    return streams, {"rst": 0}
