"""The shared shell of every unit: combinational ports or a valid/ready pipeline.

A unit's datapath is written once, as ``datapath(m, a, b, cut) -> y``. The shell either wires
it between the ports ``a``, ``b`` and ``y`` (``stages == 0``: no clock), or places it in a
pipeline of ``stages`` register stages between two `amaranth.lib.stream` interfaces:

``i``
    input stream; payload `operand_layout` = ``{a, b}`` (``a`` in the low bits).
``o``
    output stream; payload ``y``.

The datapath calls ``cut(*values)`` at its natural register boundaries (`UnitComponent.CUT_POINTS`
of them); ``cut`` returns the values unchanged, or registered copies where the shell places
a stage. Stages beyond the cut points register the result. Each stage loads when it is empty or
the next stage advances (a bubble-collapsing pipeline), so throughput is one result per cycle
under any backpressure and the latency is exactly ``stages`` cycles.
"""

from amaranth.hdl import Module, Signal, Value
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from picojoule.hw.faults import FaultHook, check_fault

__all__ = ["UnitComponent", "operand_layout"]


def operand_layout(spec):
    """The input stream payload: ``a`` in the low bits, ``b`` above it."""
    a_fmt, b_fmt = spec.in_formats
    return data.StructLayout({"a": a_fmt.width, "b": b_fmt.width})


def _no_cut(*values):
    return values if len(values) != 1 else values[0]


class _StageRegisters:
    """The ``cut`` callable of a pipelined datapath."""

    def __init__(self, m, *, stage_of_cut, advance):
        self._m = m
        self._stage_of_cut = stage_of_cut
        self._advance = advance
        self.calls = 0

    def __call__(self, *values):
        index = self.calls
        self.calls += 1
        stage = self._stage_of_cut.get(index)
        if stage is None:
            return _no_cut(*values)
        registered = []
        for n, value in enumerate(values):
            if not isinstance(value, data.View):
                value = Value.cast(value)
            reg = Signal(value.shape(), reset_less=True, name=f"stage{stage}_r{n}")
            with self._m.If(self._advance[stage]):
                self._m.d.sync += reg.eq(value)
            registered.append(reg)
        return _no_cut(*registered)


class UnitComponent(wiring.Component):
    """Base of the unit generators: ports from the spec, optional pipelining, fault hook.

    Parameters
    ----------
    spec : a unit spec from `picojoule.models.units`
        Formats, options and ``stages`` are read from it.
    fault : str or None
        A name from `picojoule.hw.faults.FAULTS` to inject one bug (test-strength checks). The
        datapath passes the values at its fault points through ``self.fault_point`` (a
        `picojoule.hw.faults.FaultHook`), never branching on the fault itself.
    """

    CUT_POINTS = 0
    KIND = None

    def __init__(self, *, spec, fault=None):
        try:
            self._init(spec=spec, fault=fault)
        except BaseException:
            # refused before it was a design: not an "unused elaboratable" for Amaranth to report
            self._MustUse__silence = True
            raise

    def _init(self, *, spec, fault):
        if spec.kind != self.KIND:
            raise ValueError(f"{type(self).__name__} builds {self.KIND} units, not {spec.kind}")
        self._spec = spec
        self._fault = check_fault(fault, kind=spec.kind)
        self.fault_point = FaultHook(self._fault)
        self.check_spec(spec)
        a_fmt, b_fmt = spec.in_formats
        extra = self.extra_ports()
        if spec.stages == 0:
            ports = {
                "a": In(a_fmt.width),
                "b": In(b_fmt.width),
                "y": Out(spec.out_format.width),
                **extra,
            }
        elif extra:
            raise ValueError(
                f"{type(self).__name__} with ports {', '.join(extra)} is "
                f"combinational only; use stages=0"
            )
        else:
            ports = {
                "i": In(stream.Signature(operand_layout(spec))),
                "o": Out(stream.Signature(spec.out_format.width)),
            }
        super().__init__(ports)

    @property
    def spec(self):
        return self._spec

    @property
    def fault(self):
        return self._fault

    @property
    def stages(self):
        return self._spec.stages

    @property
    def latency(self):
        return self._spec.stages

    def check_spec(self, spec):
        """Raise ValueError if the generator cannot build ``spec``."""

    def extra_ports(self):
        """Ports beyond ``a``, ``b``, ``y`` of a combinational unit (name -> annotation)."""
        return {}

    def datapath(self, m, a, b, cut):
        """Build the logic; return the result value (``out_format.width`` bits)."""
        raise NotImplementedError

    def elaborate(self, platform):
        m = Module()
        if self.stages == 0:
            m.d.comb += self.y.eq(self.datapath(m, self.a, self.b, _no_cut))
            return m
        stages, cuts = self.stages, self.CUT_POINTS
        used = min(stages, cuts)
        stage_of_cut = {(k + 1) * (cuts + 1) // (used + 1) - 1: k for k in range(used)}
        valid = [Signal(name=f"valid{k}") for k in range(stages)]
        advance = [Signal(name=f"advance{k}") for k in range(stages)]
        for k in range(stages):
            downstream = advance[k + 1] if k + 1 < stages else self.o.ready
            m.d.comb += advance[k].eq(~valid[k] | downstream)
            with m.If(advance[k]):
                m.d.sync += valid[k].eq(valid[k - 1] if k else self.i.valid)
        m.d.comb += [self.i.ready.eq(advance[0]), self.o.valid.eq(valid[-1])]
        registers = _StageRegisters(m, stage_of_cut=stage_of_cut, advance=advance)
        y = self.datapath(m, self.i.payload.a, self.i.payload.b, registers)
        if registers.calls != cuts:
            raise AssertionError(
                f"{type(self).__name__} made {registers.calls} cuts, declared {cuts}"
            )
        y = Value.cast(y)
        for k in range(used, stages):
            reg = Signal(y.shape(), reset_less=True, name=f"stage{k}_y")
            with m.If(advance[k]):
                m.d.sync += reg.eq(y)
            y = reg
        m.d.comb += self.o.payload.eq(y)
        return m
