"""GEMM sequencer: drives a tile through a whole tiled GEMM from two read ports to one write port.

The loop nest, one step per cycle with no stall between groups or tiles::

    for mt in range(row_tiles):          # M / tile M
        for nt in range(col_tiles):      # N / tile N
            for g in range(groups):      # K / tile K
                for b in range(planes):  # W for the LUT tile (bit-serial), 1 for a MAC array

Memories (outside this component, one-cycle synchronous read):

``act`` word ``mt * groups + g``
    the tile's M x K activations of group ``g`` (row-major, ``act`` port layout of the tile);
``wgt`` word ``(nt * groups + g) * planes + b``
    the tile's weight word of that step (``word`` port layout of the tile);
``out`` word ``mt * col_tiles + nt``
    the finished M x N outputs of the tile, after ``post`` (e.g. the zero-point correction).

Pipeline: a step's addresses go out in cycle t; in t + 1 the activations reach the tile with
``load`` (table precompute / operand register) and the weight word is registered; in t + 2 the
tile accumulates; in t + 3 a finished tile's outputs move to the result buffer (so the
post-processing sees them once, while the accumulators already start the next tile); in t + 4
they are post-processed and written. The core counts steps + 4 cycles (``cycles``),
steps = row_tiles x col_tiles x groups x planes; a tile of ``latency`` L (default 1) adds L - 1.
"""

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["GemmCore", "accumulator_signature", "accumulator_values", "accumulator_grid"]


def accumulator_signature(*, rows, cols, shape):
    """The ``acc`` port of a tile: one member ``m{r}n{c}`` per accumulator.

    Separate members rather than one wide bus: a bus assembled from registers that all change
    every cycle costs Icarus a full-width copy per register per cycle (quadratic in the tile).
    """
    return wiring.Signature({f"m{r}n{c}": Out(shape) for r in range(rows) for c in range(cols)})


def accumulator_values(port, *, rows, cols):
    """The members of an `accumulator_signature` port, row-major."""
    return [getattr(port, f"m{r}n{c}") for r in range(rows) for c in range(cols)]


def accumulator_grid(*, rows, cols, shape):
    """The M x N layout of a finished tile's outputs (row-major, element (0, 0) at the LSBs)."""
    return data.ArrayLayout(data.ArrayLayout(shape, cols), rows)


def _bits(count):
    return max(1, (max(count, 1) - 1).bit_length())


class GemmCore(wiring.Component):
    """A tile plus its sequencer.

    Parameters
    ----------
    tile : wiring.Component
        Ports ``act``, ``load``, ``word``, ``plane``, ``acc_en``, ``first``, ``zp_en``, ``acc``
        (an `accumulator_signature`); properties ``spec``, ``acc_shape`` and optionally
        ``latency`` (clock edges from a step's inputs to its accumulator update; default 1).
    post : wiring.Component or None
        Post-processing of a finished tile with ports ``acc``, ``zsum`` (in) and ``c`` (out),
        e.g. `picojoule.hw.lut_tile.ZeroPointCorrection`; default: the output is ``tile.acc``.
    row_tiles, col_tiles, groups, planes : int
        The loop bounds.

    Members
    -------
    start : In(1), pulse to run the GEMM once
    done : Out(1), high from the cycle after the last output is written
    cycles : Out(32), cycles since ``start``
    act_addr, wgt_addr : Out, read addresses; act_data, wgt_data : In, read data (next cycle)
    out_addr, out_data, out_we : Out, write port
    """

    def __init__(self, *, tile, post=None, row_tiles, col_tiles, groups, planes):
        self._tile = tile
        self._post = post
        self._row_tiles, self._col_tiles = row_tiles, col_tiles
        self._groups, self._planes = groups, planes
        spec = tile.spec
        self._grid = accumulator_grid(rows=spec.m, cols=spec.n, shape=tile.acc_shape)
        out_shape = self._grid if post is None else post.c.shape()
        super().__init__(
            {
                "start": In(1),
                "done": Out(1),
                "cycles": Out(32),
                "act_addr": Out(_bits(row_tiles * groups)),
                "act_data": In(tile.act.shape()),
                "wgt_addr": Out(_bits(col_tiles * groups * planes)),
                "wgt_data": In(tile.word.shape()),
                "out_addr": Out(_bits(row_tiles * col_tiles)),
                "out_data": Out(out_shape),
                "out_we": Out(1),
            }
        )

    def elaborate(self, platform):
        m = Module()
        m.submodules.tile = tile = self._tile
        groups, planes = self._groups, self._planes

        running = Signal()
        started = Signal()
        b = Signal(range(max(planes, 2)))
        g = Signal(range(max(groups, 2)))
        nt = Signal(range(max(self._col_tiles, 2)))
        mt = Signal(range(max(self._row_tiles, 2)))
        act_base = Signal(len(self.act_addr) + 1)
        wgt_addr = Signal(len(self.wgt_addr))
        out_addr = Signal(len(self.out_addr))

        last_b, last_g = b == planes - 1, g == groups - 1
        last_nt, last_mt = nt == self._col_tiles - 1, mt == self._row_tiles - 1
        m.d.comb += [self.act_addr.eq(act_base + g), self.wgt_addr.eq(wgt_addr)]

        with m.If(self.start & ~running):
            m.d.sync += [
                running.eq(1),
                started.eq(1),
                b.eq(0),
                g.eq(0),
                nt.eq(0),
                mt.eq(0),
                act_base.eq(0),
                wgt_addr.eq(0),
                self.cycles.eq(0),
            ]
        with m.Elif(running | ~self.done & started):
            m.d.sync += self.cycles.eq(self.cycles + 1)

        # stage 0: step counters (addresses are combinational from them)
        with m.If(running):
            m.d.sync += [b.eq(b + 1), wgt_addr.eq(wgt_addr + 1)]
            with m.If(last_b):
                m.d.sync += [b.eq(0), g.eq(g + 1)]
                with m.If(last_g):
                    m.d.sync += [g.eq(0), nt.eq(nt + 1)]
                    with m.If(last_nt):
                        m.d.sync += [
                            nt.eq(0),
                            mt.eq(mt + 1),
                            wgt_addr.eq(0),
                            act_base.eq(act_base + groups),
                        ]
                        with m.If(last_mt):
                            m.d.sync += running.eq(0)

        # pipeline control registers: stage 1 and stage 2
        s1 = {name: Signal(name=f"s1_{name}") for name in ("valid", "load", "first", "last")}
        s1_plane = Signal.like(b, name="s1_plane")
        m.d.sync += [
            s1["valid"].eq(running),
            s1["load"].eq(running & (b == 0)),
            s1["first"].eq(running & (b == 0) & (g == 0)),
            s1["last"].eq(running & last_b & last_g),
            s1_plane.eq(b),
        ]
        s2 = {name: Signal(name=f"s2_{name}") for name in s1}
        s2_plane = Signal.like(b, name="s2_plane")
        m.d.sync += [s2[name].eq(s1[name]) for name in s1] + [s2_plane.eq(s1_plane)]
        word = Signal(self.wgt_data.shape())
        m.d.sync += word.eq(self.wgt_data)

        # stage 1: activations into the tile (table precompute / operand registers)
        m.d.comb += [tile.act.eq(self.act_data), tile.load.eq(s1["load"])]
        # stage 2: accumulate
        m.d.comb += [
            tile.word.eq(word),
            tile.plane.eq(s2_plane),
            tile.acc_en.eq(s2["valid"]),
            tile.first.eq(s2["first"]),
            tile.zp_en.eq(s2["load"]),
        ]
        # stage 3: a finished tile's outputs move to the result buffer (the accumulators are
        # already restarting with the next tile); stage 4: post-process and write it. A tile
        # with latency L > 1 (a pipelined tile) updates its accumulators L - 1 cycles later.
        last = s2["last"]
        delayed = []
        for index in range(getattr(tile, "latency", 1) - 1):
            reg = Signal(name=f"last_delay{index}")
            m.d.sync += reg.eq(last)
            delayed.append(reg)
            last = reg
        s3_done, s4_write = Signal(), Signal()
        m.d.sync += [s3_done.eq(last), s4_write.eq(s3_done)]
        spec = tile.spec
        results = []  # one register per accumulator (cheap to simulate)
        for index, acc in enumerate(accumulator_values(tile.acc, rows=spec.m, cols=spec.n)):
            reg = Signal.like(acc, name=f"result{index}")
            with m.If(s3_done):
                m.d.sync += reg.eq(acc)
            results.append(reg)
        result = Signal(self._grid, name="result")
        m.d.comb += result.as_value().eq(Cat(*results))
        if self._post is None:
            out = result
        else:
            m.submodules.post = post = self._post
            zsum = Signal.like(tile.zsum, name="result_zsum")
            with m.If(s3_done):
                m.d.sync += zsum.eq(tile.zsum)
            m.d.comb += [post.acc.eq(result), post.zsum.eq(zsum)]
            out = post.c
        with m.If(s4_write):
            m.d.sync += out_addr.eq(out_addr + 1)
        with m.If(self.start & ~running):
            m.d.sync += out_addr.eq(0)
        m.d.comb += [self.out_we.eq(s4_write), self.out_addr.eq(out_addr), self.out_data.eq(out)]

        busy = running | s1["valid"] | s2["valid"] | s3_done | s4_write
        for reg in delayed:
            busy = busy | reg
        m.d.comb += self.done.eq(started & ~busy & ~self.start)
        return m
