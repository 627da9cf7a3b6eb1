"""MAC-array baselines for the LUT tensor core, built from the unit generators.

An M x N x K array (`picojoule.models.mac_gemm.MacArraySpec`): per cycle and output, K
multipliers (``IntMul``, ``FpMul`` or ``LMul`` units from `picojoule.hw.registry`) and the sum of
their products into an accumulator register. The numeric contract is the golden model's,
`picojoule.models.mac_gemm.mac_gemm`:

- ``int``: weight codes dequantized to the activation format (zero-extended), exact products,
  exact sum into a signed ``acc_width`` accumulator;
- ``fp8`` / ``lmul``: weight codes dequantized to e4m3 codes by a constant table, products in
  e4m3, a balanced tree of ``FpAdd`` units into fp32 and one ``FpAdd`` into the accumulator.

The ports match `picojoule.hw.lut_tile.LutTile` so that one sequencer
(`picojoule.hw.gemm_core.GemmCore`) drives both: ``load`` registers the activations (the operand
register, the counterpart of the LUT tile's table registers); ``plane`` and ``zp_en`` are unused.
"""

from amaranth.hdl import Array, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from picojoule.hw.gemm_core import accumulator_signature
from picojoule.hw.registry import build
from picojoule.models.mac_gemm import MacArraySpec

__all__ = ["MacArray"]


class MacArray(wiring.Component):
    """M x N x K multiply-accumulate array (see the module docstring).

    Members
    -------
    act : In, M x K activation codes; load : In(1), register them
    word : In, N columns of K weights (``spec.weight_port_width`` bits each)
    plane, zp_en : In, unused (port compatibility with the LUT tile)
    acc_en, first : In(1), accumulate / restart the accumulators with this step's sum
    acc : Out, M x N accumulators ``acc.m{r}n{c}`` (signed integers, or ``acc_format`` codes)
    """

    def __init__(self, *, spec):
        if not isinstance(spec, MacArraySpec):
            raise ValueError("MacArray needs a MacArraySpec")
        self._spec = spec
        acc = self.acc_shape
        super().__init__(
            {
                "act": In(data.ArrayLayout(data.ArrayLayout(spec.act.width, spec.k), spec.m)),
                "load": In(1),
                "word": In(
                    data.ArrayLayout(data.ArrayLayout(spec.weight_port_width, spec.k), spec.n)
                ),
                "plane": In(1),
                "acc_en": In(1),
                "first": In(1),
                "zp_en": In(1),
                "acc": Out(accumulator_signature(rows=spec.m, cols=spec.n, shape=acc)),
            }
        )

    @property
    def spec(self):
        return self._spec

    @property
    def acc_shape(self):
        spec = self._spec
        return unsigned(spec.acc_format.width) if spec.is_float else signed(spec.acc_width)

    def _dequantize(self, m, code, name):
        """A weight code as a code of the weight format."""
        spec = self._spec
        if not spec.is_float:
            return code  # zero-extended by the multiplier port
        table = Array(
            Const(int(c), spec.act.width) for c in spec.dequantize(list(range(1 << spec.wbits)))
        )
        out = Signal(spec.act.width, name=name)
        m.d.comb += out.eq(table[code])
        return out

    def _unit(self, m, unit_spec, a, b, name):
        unit = build(unit_spec)
        m.submodules[name] = unit
        m.d.comb += [unit.a.eq(a), unit.b.eq(b)]
        return unit.y

    def elaborate(self, platform):
        m = Module()
        spec = self._spec
        acts = Signal.like(self.act, name="act_reg")
        with m.If(self.load):
            m.d.sync += acts.eq(self.act)
        weights = [
            [self._dequantize(m, self.word[col][i], f"wq{col}_{i}") for i in range(spec.k)]
            for col in range(spec.n)
        ]
        mul = spec.multiplier()
        for row in range(spec.m):
            for col in range(spec.n):
                tag = f"{row}_{col}"
                products = [
                    self._unit(m, mul, acts[row][i], weights[col][i], f"mul{tag}_{i}")
                    for i in range(spec.k)
                ]
                acc = getattr(self.acc, f"m{row}n{col}")
                if spec.is_float:
                    levels, top_fmt = spec.tree_formats()
                    level = products
                    for depth, pairs in enumerate(levels):
                        nxt = [
                            self._unit(
                                m,
                                spec.adder(fa, fb),
                                level[2 * i],
                                level[2 * i + 1],
                                f"add{tag}_l{depth}_{i}",
                            )
                            for i, (fa, fb) in enumerate(pairs)
                        ]
                        level = nxt + ([level[-1]] if len(level) % 2 else [])
                    step = level[0]
                    if top_fmt is not spec.acc_format:
                        raise ValueError("float MAC arrays need K >= 2")
                    base = Mux(self.first, 0, acc)
                    total = self._unit(m, spec.adder(spec.acc_format), base, step, f"acc_add{tag}")
                    with m.If(self.acc_en | self.first):
                        m.d.sync += acc.eq(total)
                else:
                    total = products[0].as_signed()
                    for p in products[1:]:
                        total = total + p.as_signed()
                    with m.If(self.acc_en | self.first):
                        m.d.sync += acc.eq(Mux(self.first, 0, acc) + total)
        return m
