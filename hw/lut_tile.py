"""LUT tensor-core tile (integer activations): table precompute, table registers, mux cells.

The tile computes one bit-plane step of `picojoule.models.lut_gemm` per cycle for an
M x N block of outputs and one group of K activations per row:

- **table precompute**: per row, the 2^(K-1) half-table entries ``T_half[j]`` from the K
  activations ``act[m]`` (a shared adder network, see `table_precompute`), registered into the
  **table registers** when ``load`` is high;
- **mux cells** (M x N): ``T_half[m][low(word[n])]``, negated when the word's sign bit is set;
- **shift-accumulate**: the signed entry shifted left by ``plane`` (0..W-1) and added to the
  ``acc_width``-bit accumulator ``acc[m][n]`` (two's complement; the negation's +1 enters as
  the adder's carry in);
- **zero-point accumulators** (one per row): ``zsum[m] += T_half[m][0]`` when ``zp_en``.

Control: ``acc_en`` accumulates; ``first`` starts a new output (accumulator and zero-point sum
restart from this step's addend). All updates happen at the clock edge ending the cycle; a
table loaded in a cycle is used from the next one, so loading the next group's table in the last
plane cycle of a group costs no stall. The tile's result is ``acc`` (``= sum a q'``, the
symmetric domain) and ``zsum`` (``= -sum a``); `ZeroPointCorrection` turns them into
``sum a q`` once per output, outside the inner loop. Float activations:
`picojoule.hw.lut_tile_fp`.

``pipelined=True`` puts a register between the mux cells and the accumulators (the shifted
addend, its carry in, ``table[0]`` and the control bits), so the table read and the accumulation
each get a clock cycle: the same ports and the same result, one cycle later (``latency`` 2).
"""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from picojoule.hw.gemm_core import accumulator_grid, accumulator_signature
from picojoule.models.lut_gemm import LutGemmSpec

__all__ = ["LutTile", "ZeroPointCorrection", "table_precompute", "lut_tile_ports"]


def _sum(terms):
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def table_precompute(m, acts, *, k, width, name):
    """Half-table entries of one activation group, as a list of ``signed(width)`` signals.

    Entry ``j`` is ``sum_i (2 bit_i(j) - 1) a_i`` with bit k-1 of j zero. The adders are shared:
    the low positions ``0..h-1`` (h = k // 2) form 2^(h-1) partial sums (the rest are their
    negatives), the high positions ``h..k-1`` 2^(k-1-h) partial sums; each entry is one
    addition or subtraction of a high and a low partial sum: 2^(k-1) + 2^(h-1) + 2^(k-1-h)
    adders instead of (k - 1) 2^(k-1).
    """
    shape = signed(width)
    h = k // 2
    entries = []
    if h == 0:  # k == 1: the single entry is -a_0
        t = Signal(shape, name=f"{name}_t0")
        m.d.comb += t.eq(-acts[0])
        return [t]
    low = {}  # low pattern with bit h-1 set -> signal
    for pattern in range(1 << (h - 1)):
        p = pattern | (1 << (h - 1))
        s = Signal(shape, name=f"{name}_lo{p}")
        m.d.comb += s.eq(_sum([acts[i] if (p >> i) & 1 else -acts[i] for i in range(h)]))
        low[p] = s
    high = {}  # high pattern over positions h..k-2
    for p in range(1 << (k - 1 - h)):
        s = Signal(shape, name=f"{name}_hi{p}")
        terms = [acts[h + i] if (p >> i) & 1 else -acts[h + i] for i in range(k - 1 - h)]
        m.d.comb += s.eq(_sum(terms + [-acts[k - 1]]) if terms else -acts[k - 1])
        high[p] = s
    low_mask = (1 << h) - 1
    for j in range(1 << (k - 1)):
        pl, ph = j & low_mask, j >> h
        t = Signal(shape, name=f"{name}_t{j}")
        if (pl >> (h - 1)) & 1:
            m.d.comb += t.eq(high[ph] + low[pl])
        else:
            m.d.comb += t.eq(high[ph] - low[~pl & low_mask])
        entries.append(t)
    return entries


def lut_tile_ports(spec, *, act, acc):
    """The ports of a LUT tile (integer or float): ``act`` is the shape of one activation,
    ``acc`` of one accumulator and zero-point sum; see `LutTile` for their meaning."""
    return {
        "act": In(data.ArrayLayout(data.ArrayLayout(act, spec.k), spec.m)),
        "load": In(1),
        "word": In(data.ArrayLayout(spec.k, spec.n)),
        "plane": In(range(max(spec.wbits, 2))),
        "acc_en": In(1),
        "first": In(1),
        "zp_en": In(1),
        "acc": Out(accumulator_signature(rows=spec.m, cols=spec.n, shape=acc)),
        "zsum": Out(data.ArrayLayout(acc, spec.m)),
    }


class LutTile(wiring.Component):
    """M x N x K LUT tensor-core tile for integer activations.

    Parameters
    ----------
    spec : LutGemmSpec
        Tile shape (``m``, ``n``, ``k``), weight bits, activation format and accumulator width.
    pipelined : bool
        Register the mux cells' output before the accumulators (``latency`` 2; see the module
        docstring).

    Members
    -------
    act : In, M x K signed activations (one group per row)
    load : In(1), register the precomputed tables at the end of this cycle
    word : In, N stored weight words of K bits (`picojoule.models.lut_gemm.encode_weight_indices`)
    plane : In(range(W)), the bit-plane of ``word`` (shift amount)
    acc_en, first, zp_en : In(1), accumulate / start a new output / add the zero-point entry
    acc : Out, M x N signed ``acc_width`` accumulators ``acc.m{r}n{c}`` (``sum a q'``)
    zsum : Out, M signed ``acc_width`` zero-point sums (``sum T_half[0] = -sum a``)
    """

    def __init__(self, *, spec=None, pipelined=False):
        spec = spec if spec is not None else LutGemmSpec()
        if not isinstance(spec, LutGemmSpec):
            raise ValueError("LutTile needs a LutGemmSpec")
        if spec.is_float:
            raise ValueError(
                f"LutTile takes integer activations (int8, int16); for "
                f"{spec.act.name} use picojoule.hw.lut_tile_fp.FpLutTile"
            )
        self._spec = spec
        self._pipelined = bool(pipelined)
        super().__init__(lut_tile_ports(spec, act=signed(spec.act.width), acc=self.acc_shape))

    @property
    def spec(self):
        return self._spec

    @property
    def acc_shape(self):
        return signed(self._spec.acc_width)

    @property
    def pipelined(self):
        return self._pipelined

    @property
    def latency(self):
        """Clock edges from a step's inputs to its accumulator update: 1, or 2 pipelined."""
        return 2 if self._pipelined else 1

    def _stage(self, m, value, name):
        """``value`` registered when pipelined (the accumulate stage's copy), else itself."""
        if not self._pipelined:
            return value
        reg = (
            Signal.like(value, name=f"{name}_q")
            if isinstance(value, Signal)
            else Signal(Value.cast(value).shape(), name=f"{name}_q")
        )
        m.d.sync += reg.eq(value)
        return reg

    def elaborate(self, platform):
        m = Module()
        spec = self._spec
        k, tw, aw, wbits = spec.k, spec.table_width, spec.acc_width, spec.wbits
        low_bits = k - 1
        zsums = []
        acc_en = self._stage(m, self.acc_en, "acc_en")
        first = self._stage(m, self.first, "first")
        zp_en = self._stage(m, self.zp_en, "zp_en")
        for row in range(spec.m):
            acts = [self.act[row][i] for i in range(k)]
            entries = table_precompute(m, acts, k=k, width=tw, name=f"pre{row}")
            # The table registers of a row: one register of 2^(k-1) entries (the mux cells
            # index it; a single signal also keeps the simulation free of per-cell copies).
            table = Signal(data.ArrayLayout(signed(tw), len(entries)), name=f"table{row}")
            with m.If(self.load):
                m.d.sync += table.as_value().eq(Cat(*entries))

            zsum = Signal(signed(aw), name=f"zsum{row}")
            zsums.append(zsum)
            zero_entry = self._stage(m, table[0], f"zero_entry{row}")
            with m.If(zp_en):
                m.d.sync += zsum.eq(Mux(first, 0, zsum) + zero_entry)
            with m.Elif(first):
                m.d.sync += zsum.eq(0)

            table_view = table
            for col in range(spec.n):
                word = self.word[col]
                sign = word[k - 1]
                entry = Signal(signed(tw), name=f"entry{row}_{col}")
                if low_bits:  # a case per cell: ~2x faster in Icarus
                    with m.Switch(word[:low_bits]):  # than a shift of the whole table
                        for j in range(1 << low_bits):
                            with m.Case(j):
                                m.d.comb += entry.eq(table_view[j])
                else:
                    m.d.comb += entry.eq(table_view[0])
                # mux cell: ones' complement under the sign, shifted by the plane; the +1 of
                # the two's-complement negation enters as carry in at bit `plane`.
                flipped = Signal(signed(tw), name=f"flip{row}_{col}")
                m.d.comb += flipped.eq(entry ^ sign.replicate(tw))
                shifted = Signal(signed(tw + wbits), name=f"addend{row}_{col}")
                fill = Mux(sign, Const((1 << wbits) - 1, wbits), 0)
                with m.Switch(self.plane):
                    for b in range(wbits):
                        with m.Case(b):
                            m.d.comb += shifted.eq(
                                Cat(fill[:b], flipped).as_signed() if b else flipped
                            )
                addend = self._stage(m, shifted, f"addend{row}_{col}")
                carry = self._stage(m, sign, f"carry{row}_{col}")
                acc = getattr(self.acc, f"m{row}n{col}")
                base = Mux(first, 0, acc)
                with m.If(acc_en | first):
                    m.d.sync += acc.eq(base + addend + carry)
        m.d.comb += self.zsum.as_value().eq(Cat(*zsums))
        return m


class ZeroPointCorrection(wiring.Component):
    """``c[m][n] = (acc[m][n] - (2^W - 1) zsum[m]) / 2`` = ``sum a q`` (combinational).

    Used once per finished output (post-processing, like dequantization), not per MAC.
    """

    def __init__(self, *, spec):
        self._spec = spec
        acc = signed(spec.acc_width)
        grid = accumulator_grid(rows=spec.m, cols=spec.n, shape=acc)
        super().__init__(
            {"acc": In(grid), "zsum": In(data.ArrayLayout(acc, spec.m)), "c": Out(grid)}
        )

    def elaborate(self, platform):
        m = Module()
        spec = self._spec
        full = (1 << spec.wbits) - 1
        outputs = []
        for row in range(spec.m):
            corr = Signal(signed(spec.acc_width + spec.wbits + 1), name=f"corr{row}")
            m.d.comb += corr.eq(self.zsum[row] * full)
            for col in range(spec.n):
                twice = Signal(signed(spec.acc_width + spec.wbits + 2), name=f"twice{row}_{col}")
                m.d.comb += twice.eq(self.acc[row][col] - corr)
                outputs.append(twice[1 : spec.acc_width + 1])
        m.d.comb += self.c.as_value().eq(Cat(*outputs))
        return m
