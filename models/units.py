"""Unit specs: the one place each arithmetic unit's numeric contract is stated.

A spec is a frozen dataclass naming its operand and result formats, its options (overflow
mode, L-Mul variant) and its pipeline depth. Every layer reads it: the golden model
(``spec.golden``), the Amaranth generator (``picojoule.hw``), the testbenches, the cost flow
and the report labels (``spec.name``, ``spec.params()``, ``spec.contract``).

``stages`` is the number of register stages of the generated hardware; 0 means a purely
combinational unit. It does not change the numeric result.
"""

from dataclasses import dataclass, fields, replace

from picojoule.models.formats import FloatFormat, IntFormat, Overflow, get_format
from picojoule.models.mx_unit import MxDot, mx_suite

__all__ = [
    "FpMul",
    "FpAdd",
    "LMul",
    "IntMul",
    "IntAdd",
    "UNIT_KINDS",
    "LMUL_VARIANTS",
    "unit_from_params",
    "standard_suite",
]

LMUL_VARIANTS = ("int_add", "formula", "mitchell")


def _float_format(value, *, role):
    fmt = get_format(value)
    if not isinstance(fmt, FloatFormat):
        raise ValueError(
            f"{role} format {fmt.name} is an integer format; this unit needs a float "
            f"format such as e4m3, e5m2, bf16, fp16 or fp32"
        )
    return fmt


def _int_format(value, *, role):
    fmt = get_format(value)
    if not isinstance(fmt, IntFormat):
        raise ValueError(
            f"{role} format {fmt.name} is a float format; this unit needs an integer "
            f"format such as int8, uint8 or int32"
        )
    if fmt.width > 32:
        raise ValueError(f"{role} width {fmt.width} is above 32; choose an operand width of 1..32")
    return fmt


def _check_stages(stages):
    if not isinstance(stages, int) or isinstance(stages, bool) or stages < 0:
        raise ValueError(f"stages must be a whole number >= 0 (0 = combinational), got {stages!r}")
    return stages


def _init_int_unit(unit, *, out_width):
    """Resolve an integer unit's formats; ``out`` defaults to ``out_width(a, b)`` bits."""
    a = _int_format(unit.a, role="a")
    b = _int_format(unit.b, role="b")
    object.__setattr__(unit, "a", a)
    object.__setattr__(unit, "b", b)
    if unit.out is None:
        signed = a.signed or b.signed
        width = out_width(a, b)
        object.__setattr__(
            unit, "out", IntFormat(f"{'' if signed else 'u'}int{width}", width, signed)
        )
    elif not isinstance(unit.out, IntFormat):
        object.__setattr__(unit, "out", get_format(unit.out))
    _check_stages(unit.stages)


class _Unit:
    """Behaviour shared by the spec dataclasses."""

    kind = None

    @property
    def in_formats(self):
        return self.a, self.b

    @property
    def out_format(self):
        return self.out

    @property
    def latency(self):
        """Cycles from an accepted input to its result (0 for combinational)."""
        return self.stages

    def pipelined(self, stages):
        """The same unit with ``stages`` register stages."""
        return replace(self, stages=stages)

    def params(self):
        """The manifest's ``params``: formats by name, options as plain values."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (FloatFormat, IntFormat)):
                out[f.name] = value.name
            elif isinstance(value, Overflow):
                out[f.name] = value.value
            else:
                out[f.name] = value
        return out

    @property
    def name(self):
        return "_".join([self.kind, *self._name_parts(), f"s{self.stages}"])


@dataclass(frozen=True)
class FpMul(_Unit):
    """Floating-point multiplier ``a * b -> out``.

    Contract: the exact product rounded once to ``out`` (round to nearest, ties to even),
    subnormal inputs and outputs, signed zeros; NaN in -> canonical NaN out; Inf x 0 -> NaN;
    Inf x finite nonzero -> Inf (or the format's overflow rule where ``out`` has no Inf);
    finite overflow follows ``overflow`` (see `picojoule.models.formats`).
    """

    a: FloatFormat
    b: FloatFormat
    out: FloatFormat
    overflow: Overflow = Overflow.NONSAT
    stages: int = 0
    kind = "fp_mul"

    def __post_init__(self):
        object.__setattr__(self, "a", _float_format(self.a, role="a"))
        object.__setattr__(self, "b", _float_format(self.b, role="b"))
        object.__setattr__(self, "out", _float_format(self.out, role="out"))
        object.__setattr__(self, "overflow", Overflow.parse(self.overflow))
        _check_stages(self.stages)

    def _name_parts(self):
        return [self.a.name, self.b.name, self.out.name, self.overflow.value]

    @property
    def contract(self):
        return f"{self.a.name} x {self.b.name} -> {self.out.name}, RNE, {self.overflow.value}"

    def golden(self, a, b):
        from picojoule.models import arith

        return arith.fp_mul(
            a, b, a_fmt=self.a, b_fmt=self.b, out_fmt=self.out, overflow=self.overflow
        )


@dataclass(frozen=True)
class FpAdd(_Unit):
    """Floating-point adder ``a + b -> out``, correctly rounded (RNE), same rules as `FpMul`.

    An exact zero sum is +0 except (-0) + (-0) = -0; Inf + -Inf = NaN.
    """

    a: FloatFormat
    b: FloatFormat
    out: FloatFormat
    overflow: Overflow = Overflow.NONSAT
    stages: int = 0
    kind = "fp_add"

    __post_init__ = FpMul.__post_init__
    _name_parts = FpMul._name_parts

    @property
    def contract(self):
        return f"{self.a.name} + {self.b.name} -> {self.out.name}, RNE, {self.overflow.value}"

    def golden(self, a, b):
        from picojoule.models import arith

        return arith.fp_add(
            a, b, a_fmt=self.a, b_fmt=self.b, out_fmt=self.out, overflow=self.overflow
        )


@dataclass(frozen=True)
class LMul(_Unit):
    """L-Mul approximate multiplier (Luo & Sun 2024) on one float format, ``fmt x fmt -> fmt``.

    Variants: ``int_add`` (one integer addition of the packed exponent|mantissa fields with
    the offset 2^(m - l(m)) ULPs; the paper's code), ``formula`` (the paper's written formula,
    truncated), ``mitchell`` (``int_add`` without the offset). Special values, a later rule
    winning: biased result exponent <= 0 -> signed zero, overflow per ``overflow``; a zero
    or subnormal operand -> signed zero; an Inf operand -> NaN if the other is zero, else
    signed Inf; a NaN operand -> NaN. No rounding. See `picojoule.models.lmul`.
    """

    fmt: FloatFormat
    variant: str = "int_add"
    overflow: Overflow = Overflow.NONSAT
    stages: int = 0
    kind = "lmul"

    def __post_init__(self):
        object.__setattr__(self, "fmt", _float_format(self.fmt, role="fmt"))
        if self.variant not in LMUL_VARIANTS:
            raise ValueError(
                f"unknown L-Mul variant {self.variant!r}; choose from {', '.join(LMUL_VARIANTS)}"
            )
        object.__setattr__(self, "overflow", Overflow.parse(self.overflow))
        _check_stages(self.stages)

    @property
    def a(self):
        return self.fmt

    b = out = a

    def _name_parts(self):
        return [self.fmt.name, self.variant, self.overflow.value]

    def params(self):
        fmt = self.fmt.name
        return {
            "a": fmt,
            "b": fmt,
            "out": fmt,
            "variant": self.variant,
            "overflow": self.overflow.value,
            "stages": self.stages,
        }

    @property
    def contract(self):
        return f"L-Mul {self.variant} on {self.fmt.name}, {self.overflow.value}"

    def golden(self, a, b):
        from picojoule.models import lmul

        return lmul.lmul(a, b, fmt=self.fmt, variant=self.variant, overflow=self.overflow)


@dataclass(frozen=True)
class IntMul(_Unit):
    """Integer multiplier; ``out`` defaults to the full product width (exact).

    Contract: the exact product of the decoded operands, wrapped modulo 2^out.width
    (two's complement); signed if either operand is signed.
    """

    a: IntFormat
    b: IntFormat
    out: IntFormat = None
    stages: int = 0
    kind = "int_mul"

    def __post_init__(self):
        _init_int_unit(self, out_width=lambda a, b: a.width + b.width)

    def _name_parts(self):
        return [self.a.name, self.b.name, self.out.name]

    def params(self):
        return {
            "a": self.a.name,
            "b": self.b.name,
            "out": self.out.name,
            "width": self.a.width,
            "signed": self.a.signed or self.b.signed,
            "stages": self.stages,
        }

    @property
    def contract(self):
        return f"{self.a.name} x {self.b.name} -> {self.out.name}, exact, wraps"

    def golden(self, a, b):
        from picojoule.models import arith

        return arith.int_mul(a, b, a_fmt=self.a, b_fmt=self.b, out_fmt=self.out)


@dataclass(frozen=True)
class IntAdd(_Unit):
    """Integer adder; ``out`` defaults to one bit wider than the wider operand (exact).

    Contract: the exact sum of the decoded operands, wrapped modulo 2^out.width.
    """

    a: IntFormat
    b: IntFormat
    out: IntFormat = None
    stages: int = 0
    kind = "int_add"

    def __post_init__(self):
        _init_int_unit(self, out_width=lambda a, b: max(a.width, b.width) + 1)

    _name_parts = IntMul._name_parts
    params = IntMul.params

    @property
    def contract(self):
        return f"{self.a.name} + {self.b.name} -> {self.out.name}, exact, wraps"

    def golden(self, a, b):
        from picojoule.models import arith

        return arith.int_add(a, b, a_fmt=self.a, b_fmt=self.b, out_fmt=self.out)


UNIT_KINDS = {cls.kind: cls for cls in (FpMul, FpAdd, LMul, IntMul, IntAdd, MxDot)}


def _int_out(name):
    if name is None:
        return None
    signed = not name.startswith("u")
    width = int(name.lstrip("u").removeprefix("int"))
    return IntFormat(name, width, signed)


def unit_from_params(kind, params):
    """Rebuild a spec from a manifest entry's ``kind`` and ``params``."""
    if kind not in UNIT_KINDS:
        raise ValueError(f"unknown unit kind {kind!r}; choose from {', '.join(UNIT_KINDS)}")
    p = dict(params)
    stages = int(p.get("stages", 0))
    if kind == "mx_dot":
        return MxDot.from_params(p)
    if kind == "lmul":
        return LMul(
            fmt=p["a"],
            variant=p.get("variant", "int_add"),
            overflow=p.get("overflow", "nonsat"),
            stages=stages,
        )
    if kind in ("fp_mul", "fp_add"):
        return UNIT_KINDS[kind](
            a=p["a"], b=p["b"], out=p["out"], overflow=p.get("overflow", "nonsat"), stages=stages
        )
    return UNIT_KINDS[kind](a=p["a"], b=p["b"], out=_int_out(p.get("out")), stages=stages)


def standard_suite():
    """The standard suite of units that `make verilog`, `make sim` and the report iterate over.

    Combinational units first, then one pipelined variant of each kind.
    """
    suite = []
    for fmt in ("e4m3", "e5m2"):
        for overflow in ("nonsat", "sat"):
            suite.append(FpMul(a=fmt, b=fmt, out=fmt, overflow=overflow))
    for fmt in ("bf16", "fp16", "fp32"):
        suite.append(FpMul(a=fmt, b=fmt, out=fmt))
    for fmt in ("e4m3", "e5m2", "bf16", "fp16", "fp32"):
        for variant in LMUL_VARIANTS:
            suite.append(LMul(fmt=fmt, variant=variant))
    suite += [
        IntMul(a="int8", b="int8"),
        IntMul(a="uint8", b="uint8"),
        IntMul(a="int32", b="int32"),
        IntAdd(a="int8", b="int8"),
        IntAdd(a="int32", b="int32"),
    ]
    suite += [FpAdd(a="fp16", b="fp16", out="fp16"), FpAdd(a="fp32", b="fp32", out="fp32")]
    mx = mx_suite()  # block-scaled dot products (issue 12), each to fp32
    suite += [spec for spec in mx if spec.stages == 0]
    suite += [
        FpMul(a="e4m3", b="e4m3", out="e4m3", stages=2),
        LMul(fmt="e4m3", stages=2),
        IntMul(a="int8", b="int8", stages=2),
        IntAdd(a="int32", b="int32", stages=2),
        FpAdd(a="fp16", b="fp16", out="fp16", stages=3),
    ]
    suite += [spec for spec in mx if spec.stages]
    return suite
