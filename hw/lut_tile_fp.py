"""LUT tensor-core tile for float activations (fp16, bf16, e4m3, ...): FP tables, FP accumulators.

The same tile as `picojoule.hw.lut_tile.LutTile` (ports, control, timing), with the float
contract of `picojoule.models.lut_gemm` (see `LutGemmSpec` and the module docstring there)
built from `picojoule.hw.fpadd.FpAddUnit` adders:

- **table precompute** (`fp_table_precompute`): the left fold of the contract,
  ``t = +-a_0``, ``t = round(t +- a_j)`` in the table format, as a prefix tree. A prefix whose
  first sign is negative is the exact negation of the one with the positive sign (RNE is
  symmetric), so only 2^k - 2 adders are built for K >= 2 (14 for K = 4) instead of
  (K - 1) 2^(K-1). The negation can turn an exactly cancelled +0 into -0; that sign cannot
  reach an output, because the accumulators start at +0 and the sum of +0 and any value is
  never -0;
- **mux cells**: ``T_half[low(word)]`` with the sign bit flipped when the word's sign is set;
- **shift-accumulate**: one adder per accumulator, ``acc = round(acc + entry 2^plane)`` in the
  accumulator format, the ``2^plane`` weighting an exact exponent offset inside the adder
  (``FpAddUnit(b_scale=...)``);
- **zero-point accumulators**: ``zsum = round(zsum + T_half[0])`` per row and group.

`FpZeroPointCorrection` finishes an output with the contract's three roundings:
``corr = round((2^W - 1) zsum)`` (one adder: ``-zsum + zsum 2^W``; an infinite or NaN ``zsum``
passes through, as ``(2^W - 1) Inf = Inf``), ``d = round(acc - corr)``, ``c = round(d / 2)``
(an adder of ``-0`` and ``d 2^-1``).
"""

from amaranth.hdl import Cat, Const, Module, Mux, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from picojoule.hw.fpadd import FpAddUnit
from picojoule.hw.fpfields import FloatOperand, SpecialCodes
from picojoule.hw.gemm_core import accumulator_grid
from picojoule.hw.lut_tile import lut_tile_ports
from picojoule.models.formats import Overflow
from picojoule.models.lut_gemm import LutGemmSpec
from picojoule.models.units import FpAdd

__all__ = ["FpLutTile", "FpZeroPointCorrection", "fp_table_precompute", "negate", "signed_zero"]


def negate(code, fmt):
    """The exact negation of a code of ``fmt``: the sign bit flipped (``fnuz`` has one zero
    and its NaN is the negative-zero pattern, so both are kept there)."""
    code = Cat(code)
    flipped = code ^ Const(fmt.sign_mask, fmt.width)
    if fmt.has_negative_zero:
        return flipped
    return Mux(code[: fmt.width - 1] == 0, code, flipped)


def signed_zero(fmt):
    """The code of -0 in ``fmt`` (+0 where the format has no negative zero): ``x + (-0) = x``
    for every ``x``, so an adder with this operand only rounds (and rescales) the other."""
    return SpecialCodes(fmt, Overflow.NONSAT).zero(Const(1))


def _adder(m, spec, a, b, *, name, b_scale=None, scale=None):
    unit = FpAddUnit(spec=spec, b_scale=b_scale)
    m.submodules[name] = unit
    m.d.comb += [unit.a.eq(a), unit.b.eq(b)]
    if b_scale is not None:
        m.d.comb += unit.b_scale.eq(scale)
    return unit.y


def fp_table_precompute(m, acts, *, spec, name):
    """Half-table codes (``spec.table_format``) of one group of K activation codes.

    Entry ``j`` is the contract's left fold with sign ``2 bit_i(j) - 1`` for ``a_i`` (bit K-1
    of ``j`` is 0: ``a_{K-1}`` always enters negated). Returns ``2^(K-1)`` values.
    """
    act, table, k = spec.act, spec.table_format, spec.k
    first = FpAdd(a=act, b=act, out=table, overflow=Overflow.NONSAT)
    later = FpAdd(a=table, b=act, out=table, overflow=Overflow.NONSAT)
    neg = [negate(a, act) for a in acts]
    if k == 1:  # T = -a_0, converted: -a_0 + (-0)
        return [_adder(m, first, neg[0], signed_zero(act), name=f"{name}_cvt")]
    # canonical prefixes: sign of a_0 positive, keyed by the sign bits of a_1..a_i
    prefixes = {0: acts[0]}
    for i in range(1, k - 1):
        unit = first if i == 1 else later
        prefixes = {
            p | (s << (i - 1)): _adder(
                m, unit, t, acts[i] if s else neg[i], name=f"{name}_p{i}_{p | (s << (i - 1))}"
            )
            for p, t in prefixes.items()
            for s in (0, 1)
        }
    unit = first if k == 2 else later
    count = k - 2  # sign bits of a_1..a_{k-2} in a prefix key
    entries = []
    for j in range(1 << (k - 1)):
        positive = j & 1
        key = j >> 1 if positive else ~(j >> 1) & ((1 << count) - 1)
        prefix = prefixes[key] if positive else negate(prefixes[key], act if k == 2 else table)
        entries.append(_adder(m, unit, prefix, neg[k - 1], name=f"{name}_t{j}"))
    return entries


class FpLutTile(wiring.Component):
    """M x N x K LUT tensor-core tile for float activations (see the module docstring).

    Ports as `picojoule.hw.lut_tile.LutTile`; ``act`` holds activation codes, ``acc`` and
    ``zsum`` codes of ``spec.acc_format``.
    """

    def __init__(self, *, spec):
        if not isinstance(spec, LutGemmSpec) or not spec.is_float:
            raise ValueError(
                "FpLutTile needs a LutGemmSpec with a float activation format "
                "(fp16, bf16, e4m3); integer activations use LutTile"
            )
        self._spec = spec
        super().__init__(lut_tile_ports(spec, act=unsigned(spec.act.width), acc=self.acc_shape))

    @property
    def spec(self):
        return self._spec

    @property
    def acc_shape(self):
        return unsigned(self._spec.acc_format.width)

    def elaborate(self, platform):
        m = Module()
        spec = self._spec
        k, table_fmt, acc_fmt = spec.k, spec.table_format, spec.acc_format
        entry_fmt = table_fmt
        accumulate = FpAdd(a=acc_fmt, b=entry_fmt, out=acc_fmt, overflow=Overflow.NONSAT)
        low_bits = k - 1
        zsums = []
        for row in range(spec.m):
            acts = [self.act[row][i] for i in range(k)]
            entries = fp_table_precompute(m, acts, spec=spec, name=f"pre{row}")
            table = Signal(data.ArrayLayout(entry_fmt.width, len(entries)), name=f"table{row}")
            with m.If(self.load):
                m.d.sync += table.as_value().eq(Cat(*entries))

            zsum = Signal(acc_fmt.width, name=f"zsum{row}")
            zsums.append(zsum)
            z_next = _adder(m, accumulate, Mux(self.first, 0, zsum), table[0], name=f"zadd{row}")
            with m.If(self.zp_en):
                m.d.sync += zsum.eq(z_next)
            with m.Elif(self.first):
                m.d.sync += zsum.eq(0)

            for col in range(spec.n):
                word = self.word[col]
                entry = Signal(entry_fmt.width, name=f"entry{row}_{col}")
                if low_bits:
                    with m.Switch(word[:low_bits]):
                        for j in range(1 << low_bits):
                            with m.Case(j):
                                m.d.comb += entry.eq(table[j])
                else:
                    m.d.comb += entry.eq(table[0])
                signed_entry = Signal(entry_fmt.width, name=f"addend{row}_{col}")
                m.d.comb += signed_entry.eq(Mux(word[k - 1], negate(entry, entry_fmt), entry))
                acc = getattr(self.acc, f"m{row}n{col}")
                total = _adder(
                    m,
                    accumulate,
                    Mux(self.first, 0, acc),
                    signed_entry,
                    name=f"acc_add{row}_{col}",
                    b_scale=range(spec.wbits),
                    scale=self.plane,
                )
                with m.If(self.acc_en | self.first):
                    m.d.sync += acc.eq(total)
        m.d.comb += self.zsum.as_value().eq(Cat(*zsums))
        return m


class FpZeroPointCorrection(wiring.Component):
    """``c = round(round(acc - round((2^W - 1) zsum)) / 2)`` in the accumulator format
    (combinational; once per finished output, like dequantization)."""

    def __init__(self, *, spec):
        self._spec = spec
        acc = unsigned(spec.acc_format.width)
        grid = accumulator_grid(rows=spec.m, cols=spec.n, shape=acc)
        super().__init__(
            {"acc": In(grid), "zsum": In(data.ArrayLayout(acc, spec.m)), "c": Out(grid)}
        )

    def elaborate(self, platform):
        m = Module()
        spec = self._spec
        fmt = spec.acc_format
        add = FpAdd(a=fmt, b=fmt, out=fmt, overflow=Overflow.NONSAT)
        outputs = []
        for row in range(spec.m):
            z = self.zsum[row]
            if spec.wbits == 1:
                corr = z
            else:
                scaled = _adder(
                    m,
                    add,
                    negate(z, fmt),
                    z,
                    name=f"corr{row}",
                    b_scale=range(spec.wbits, spec.wbits + 1),
                    scale=spec.wbits,
                )
                special = FloatOperand(m, z, fmt, name=f"zsum{row}")
                corr = Signal(fmt.width, name=f"corr{row}")
                m.d.comb += corr.eq(Mux(special.is_nan | special.is_inf, z, scaled))
            for col in range(spec.n):
                d = _adder(m, add, self.acc[row][col], negate(corr, fmt), name=f"diff{row}_{col}")
                half = _adder(
                    m,
                    add,
                    signed_zero(fmt),
                    d,
                    name=f"half{row}_{col}",
                    b_scale=range(-1, 0),
                    scale=-1,
                )
                outputs.append(half)
        m.d.comb += self.c.as_value().eq(Cat(*outputs))
        return m
