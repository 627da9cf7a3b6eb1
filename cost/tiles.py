"""The cost face of each tensor-core core (`picojoule.models.tiles`): the tiles the cost
comparison lists, and which LUT tiles a baseline is compared with.

`cost_tiles` lists the LUT tiles at W1/W2/W4 x A8/A16 and, for each W, the MAC baselines:
``mac-int`` with the same peak MACs per cycle (`picojoule.models.mac_gemm.same_peak`; W-bit
codes into int multipliers, which synthesis narrows to int8 x uintW) at A8 and A16, and on a
smaller array (`SMALL_MAC_TILE`) the general MAC arrays ``mac-int8`` / ``mac-int16`` (fed weights
dequantized to the activation width) and the ``mac-fp8`` and ``mac-lmul`` arrays (e4m3), beside
LUT tiles with e4m3 activations (FP tables, fp32 accumulators). The LUT cost tile is M2 N8 K4:
the paper's M2 N64 K4 narrowed to N8 so that it synthesizes with Yosys + ABC in seconds. The
tables are shared by the N columns, so a wider tile amortizes the table precompute further: N8
is conservative for the LUT core.

One *operation* of the cost flow is one clock cycle of the tile; the tile performs
``macs_per_cycle`` multiply-accumulates per cycle (M N K / W for the LUT tile, M N K for a MAC
array), so ``energy per MAC = energy per operation / macs_per_cycle``.

Adding a core: register its `CostFacts` in `COST_FACTS` (what it lists in a `CostSuite`, and
for a baseline which LUT tiles it is compared with).
"""

from dataclasses import dataclass, field
from typing import Callable

from picojoule.base.workers import share_registry
from picojoule.models.lut_gemm import LutGemmSpec
from picojoule.models.mac_gemm import MacArraySpec, same_peak
from picojoule.models.tiles import TILE_CORES

__all__ = [
    "TileEntry",
    "CostSuite",
    "CostFacts",
    "COST_FACTS",
    "cost_tiles",
    "COST_TILE",
    "SMALL_MAC_TILE",
    "FLOAT_LUT_TILE",
]

COST_TILE = {"m": 2, "n": 8, "k": 4}
SMALL_MAC_TILE = {"m": 1, "n": 2, "k": 4}
FLOAT_LUT_TILE = {"m": 1, "n": 8, "k": 4}


@dataclass(frozen=True)
class TileEntry:
    """One tile to cost: ``core`` (a name of `picojoule.models.tiles.TILE_CORES`) and its spec."""

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
        return COST_FACTS[self.core].kind

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


@dataclass(frozen=True)
class CostSuite:
    """The knobs of the LUT-vs-MAC cost comparison (see `cost_tiles`)."""

    wbits: tuple = (1, 2, 4)
    acts: tuple = ("int8", "int16")
    tile: dict = field(default_factory=lambda: dict(COST_TILE))
    float_baselines: bool = True
    small_tile: dict = field(default_factory=lambda: dict(SMALL_MAC_TILE))
    float_acts: tuple = ("e4m3",)
    float_tile: dict = field(default_factory=lambda: dict(FLOAT_LUT_TILE))
    pipelined: bool = True

    def integer_slots(self):
        """(sort key, W, activation) of each integer slot: W-major, then activation."""
        return [
            ((0, wi, ai), w, act)
            for wi, w in enumerate(self.wbits)
            for ai, act in enumerate(self.acts)
        ]


@dataclass(frozen=True)
class CostFacts:
    """How a core enters the cost comparison.

    Attributes
    ----------
    kind : str
        The tile's manifest ``kind`` (``lut_tile``, ``mac_array``).
    entries : callable
        ``entries(suite)`` -> list of (sort key, `TileEntry`); `cost_tiles` orders all cores'
        entries by key, then registry order.
    compares : callable or None
        For a baseline: ``compares(lut, mac)`` on two cost records (``wbits``, ``act``) is True
        when the LUT tile ``lut`` is compared with this baseline tile ``mac``.
    """

    kind: str
    entries: Callable
    compares: Callable = None


def _lut_entries(suite):
    out = []
    for key, w, act in suite.integer_slots():
        lut = LutGemmSpec(wbits=w, act=act, **suite.tile)
        out.append((key, TileEntry("lut", lut)))
        if suite.pipelined:
            out.append((key, TileEntry("lut", lut, pipelined=True)))
    if suite.float_baselines:
        for ai, act in enumerate(suite.float_acts):
            for wi, w in enumerate(suite.wbits):
                lut = LutGemmSpec(wbits=w, act=act, **suite.float_tile)
                out.append(((1, ai, wi), TileEntry("lut", lut)))
    return out


def _same_peak_entries(suite):
    return [
        (key, TileEntry("mac-int", same_peak(LutGemmSpec(wbits=w, act=act, **suite.tile))))
        for key, w, act in suite.integer_slots()
    ]


def _general_entries(act_name):
    def entries(suite):
        return [
            (
                key,
                TileEntry(
                    f"mac-{act}",
                    MacArraySpec(
                        wbits=w, mul="int", act=act, weight_port="act", **suite.small_tile
                    ),
                ),
            )
            for key, w, act in suite.integer_slots()
            if act == act_name
        ]

    return entries


def _float_mac_entries(core, mul):
    def entries(suite):  # once, at the largest W: W only changes the code -> e4m3 table
        if not suite.float_baselines:
            return []
        spec = MacArraySpec(wbits=max(suite.wbits), mul=mul, **suite.small_tile)
        return [((2, 0, 0), TileEntry(core, spec))]

    return entries


def _same_slot(lut, mac):
    return lut["wbits"] == mac["wbits"] and lut["act"] == mac["act"]


def _float_lut(lut, mac):
    return not lut["act"].startswith("int")


COST_FACTS = {
    "lut": CostFacts(kind="lut_tile", entries=_lut_entries),
    "mac-int": CostFacts(kind="mac_array", entries=_same_peak_entries, compares=_same_slot),
    "mac-int8": CostFacts(kind="mac_array", entries=_general_entries("int8"), compares=_same_slot),
    "mac-int16": CostFacts(
        kind="mac_array", entries=_general_entries("int16"), compares=_same_slot
    ),
    "mac-fp8": CostFacts(
        kind="mac_array", entries=_float_mac_entries("mac-fp8", "fp8"), compares=_float_lut
    ),
    "mac-lmul": CostFacts(
        kind="mac_array", entries=_float_mac_entries("mac-lmul", "lmul"), compares=_float_lut
    ),
    # the MX array is costed in the report's Block formats section, not beside the LUT tiles
    "mx": CostFacts(kind="mx_array", entries=lambda suite: []),
}
share_registry(__name__, "COST_FACTS")


def cost_tiles(suite=None, **knobs):
    """The tiles of the LUT-vs-MAC cost comparison (see the module docstring), every
    registered core's entries for ``suite`` (default `CostSuite(**knobs)`).

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
    if suite is None:
        suite = CostSuite(**knobs)
    missing = [name for name in TILE_CORES if name not in COST_FACTS]
    if missing:
        raise ValueError(f"tile core {missing[0]} has no cost facts; register them in COST_FACTS")
    order = {name: i for i, name in enumerate(TILE_CORES)}
    keyed = [
        (key, order[name], entry.pipelined, entry)
        for name in TILE_CORES
        for key, entry in COST_FACTS[name].entries(suite)
    ]
    keyed.sort(key=lambda item: item[:3])
    return [entry for *_, entry in keyed]
