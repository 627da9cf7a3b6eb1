"""The MX dot-product array tile (`picojoule.models.mx_gemm.MxArraySpec`).

Per cycle and output: one `picojoule.hw.mx_dot.MxDotUnit` (combinational, fp32 out) takes the
row's activation block and the column's weight block, and one fp32 ``FpAdd`` (RNE,
non-saturating) adds its result to the output's accumulator register, from +0 on ``first``:
``acc = fp32(acc + Dot)`` in block order, the contract of `picojoule.models.mx_gemm.mx_gemm`.

The ports match `picojoule.hw.lut_tile.LutTile` so that the GEMM sequencer
(`picojoule.hw.gemm_core.GemmCore`) drives it: ``act`` holds M packed activation blocks (block
``r`` at bits ``[r Wa, (r + 1) Wa)``, Wa the activation block word's width), ``load`` registers
them; ``word`` holds N packed weight blocks; ``plane`` and ``zp_en`` are unused.
"""

from amaranth.hdl import Module, Mux, Signal, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from picojoule.hw.gemm_core import accumulator_signature
from picojoule.hw.registry import build
from picojoule.models.formats import Overflow
from picojoule.models.mx_gemm import MxArraySpec
from picojoule.models.units import FpAdd

__all__ = ["MxArray"]


class MxArray(wiring.Component):
    """M x N array of block dot-product units with fp32 accumulators (module docstring).

    Members
    -------
    act : In, M activation blocks; load : In(1), register them
    word : In, N weight blocks
    plane, zp_en : In(1), unused (port compatibility with the LUT tile)
    acc_en, first : In(1), accumulate / restart the accumulators with this step's block dot
    acc : Out, M x N fp32 accumulator codes ``acc.m{r}n{c}``
    """

    def __init__(self, *, spec):
        if not isinstance(spec, MxArraySpec):
            raise ValueError("MxArray needs an MxArraySpec")
        self._spec = spec
        super().__init__(
            {
                "act": In(data.ArrayLayout(spec.a.width, spec.m)),
                "load": In(1),
                "word": In(data.ArrayLayout(spec.b.width, spec.n)),
                "plane": In(1),
                "acc_en": In(1),
                "first": In(1),
                "zp_en": In(1),
                "acc": Out(accumulator_signature(rows=spec.m, cols=spec.n, shape=self.acc_shape)),
            }
        )

    @property
    def spec(self):
        return self._spec

    @property
    def acc_shape(self):
        return unsigned(self._spec.acc_format.width)

    def elaborate(self, platform):
        m = Module()
        spec = self._spec
        acts = Signal.like(self.act, name="act_reg")
        with m.If(self.load):
            m.d.sync += acts.eq(self.act)
        fp32 = spec.acc_format
        adder = FpAdd(a=fp32, b=fp32, out=fp32, overflow=Overflow.NONSAT)
        unit = spec.unit()
        for row in range(spec.m):
            for col in range(spec.n):
                tag = f"{row}_{col}"
                dot = build(unit)
                m.submodules[f"dot{tag}"] = dot
                m.d.comb += [dot.a.eq(acts[row]), dot.b.eq(self.word[col])]
                acc = getattr(self.acc, f"m{row}n{col}")
                add = build(adder)
                m.submodules[f"acc_add{tag}"] = add
                m.d.comb += [add.a.eq(Mux(self.first, 0, acc)), add.b.eq(dot.y)]
                with m.If(self.acc_en | self.first):
                    m.d.sync += acc.eq(add.y)
        return m
