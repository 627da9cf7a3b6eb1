"""A tensor-core tile as the cost flow drives it: every input at most 64 bits wide.

`CostTile` wraps a registered core's tile (`picojoule.hw.tiles.build_tile`) with its
activations split per row (``act_r0``, ``act_r1``, ...) and its weights in whole lanes
(``word_p0``, ...), as the bit-parallel gate simulator takes them. `export_tile` writes its
Verilog and manifest record.
"""

from pathlib import Path

from amaranth.back import verilog
from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from picojoule.base import atomic
from picojoule.hw.gemm_core import accumulator_signature, accumulator_values
from picojoule.hw.ports import port_records
from picojoule.hw.tiles import build_tile

__all__ = ["CostTile", "export_tile", "word_chunks", "CONTROL_PORTS"]

#: The tile's control inputs (the rest of its inputs are operands: activations and weights).
CONTROL_PORTS = ("load", "plane", "acc_en", "first", "zp_en")


def word_chunks(spec):
    """(lanes, lane width) of each ``word_p{i}`` port: whole weight lanes, <= 64 bits each."""
    lanes, width = spec.weight_lanes
    per_port = max(1, 64 // width)
    return [(min(per_port, lanes - start), width) for start in range(0, lanes, per_port)]


class CostTile(wiring.Component):
    """A core's tile with inputs split to <= 64 bits (``act_r{row}``, ``word_p{i}``)."""

    def __init__(self, *, core, spec, pipelined=False):
        self._spec = spec
        self._tile = build_tile(core, spec, pipelined=pipelined)
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
        if "zsum" in tile.signature.members:
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
        if "zsum" in tile.signature.members:
            m.d.comb += self.zsum.eq(tile.zsum)
        return m


def export_tile(entry, out_dir):
    """Write ``<out_dir>/<name>.v`` for a `picojoule.cost.tiles.TileEntry`; return its
    manifest record.

    Record: ``name``, ``kind`` (lut_tile / mac_array), ``top``, ``verilog`` (file name),
    ``params`` (with ``macs_per_cycle``), ``ports`` (records from the signature,
    `picojoule.hw.ports`), ``latency`` (1: the accumulators register every step; 2 pipelined),
    ``clock`` (``clk``; ``rst`` is held 0).
    """
    component = CostTile(core=entry.core, spec=entry.spec, pipelined=entry.pipelined)
    text = verilog.convert(component, name=entry.name, emit_src=False)
    path = Path(out_dir) / f"{entry.name}.v"
    atomic.write_text(path, text)
    return {
        "name": entry.name,
        "kind": entry.kind,
        "top": entry.name,
        "verilog": path.name,
        "params": entry.params(),
        "ports": port_records(
            component, clocked=True, roles={name: "control" for name in CONTROL_PORTS}
        ),
        "latency": entry.latency,
        "clock": "clk",
    }
