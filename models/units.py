"""Unit specs: the one place each arithmetic unit's numeric contract is stated.

A spec is a frozen dataclass naming its operand and result formats, its options (overflow
mode, L-Mul variant) and its pipeline depth. Every layer reads it: the golden model
(``spec.golden``), the Amaranth generator (``picojoule.hw``), the testbenches, the cost flow
and the report labels (``spec.name``, ``spec.params()``, ``spec.contract``).

The unit registry `UNIT_KINDS` maps each ``kind`` to its spec class, registered once with
`register_unit`. A spec class carries everything of its kind that a layer above asks for: the
golden model (``golden``), construction from a manifest's params (``from_params``), and its
command-line options (``OPTIONS``, read by ``picojoule generate``) with the construction from
their values (``from_options``). Its generator is registered under the same ``kind`` in
`picojoule.hw.registry`.

``stages`` is the number of register stages of the generated hardware; 0 means a purely
combinational unit. It does not change the numeric result.
"""

from dataclasses import dataclass, fields, replace

from picojoule.base.workers import share_registry
from picojoule.models import arith, lmul
from picojoule.models.formats import FloatFormat, IntFormat, Overflow, get_format
from picojoule.models.mx_unit import MxDot, mx_suite
from picojoule.models.unit_options import RESULT, A, B, Option

__all__ = [
    "Option",
    "register_unit",
    "unit_from_options",
    "FpMul",
    "FpAdd",
    "LMul",
    "IntMul",
    "IntAdd",
    "UNIT_KINDS",
    "LMUL_VARIANTS",
    "unit_from_params",
    "unit_options",
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


OVERFLOW = Option(
    "overflow",
    "overflow mode of float results (default nonsat)",
    choices=tuple(o.value for o in Overflow),
    scope="float kinds",
    fix="integers wrap",
)
VARIANT = Option("variant", "L-Mul variant (default int_add)", choices=LMUL_VARIANTS)
WIDTH = Option(
    "width",
    "integer operand width 1..32 (with --signed/--unsigned)",
    type=int,
    metavar="W",
    fix="use --a FMT",
)
SIGNED = Option(
    "signed",
    "signed integer operands (default; --unsigned: unsigned)",
    type=bool,
    default=True,
    negation="unsigned",
)


class _Unit:
    """Behaviour shared by the spec dataclasses."""

    kind = None
    #: The kind's command-line options (`Option`), read by ``picojoule generate``.
    OPTIONS = ()
    #: True for an adder: co-verification's directed corners then aim at sums (cancellation,
    #: close exponents) instead of products.
    additive = False

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


class _FloatUnit(_Unit):
    """Construction shared by the float units ``a op b -> out`` with an overflow mode."""

    OPTIONS = (A, B, RESULT, OVERFLOW)

    @classmethod
    def from_params(cls, params):
        """The spec of a manifest entry's ``params``."""
        p = dict(params)
        return cls(
            a=p["a"],
            b=p["b"],
            out=p["out"],
            overflow=p.get("overflow", "nonsat"),
            stages=int(p.get("stages", 0)),
        )

    @classmethod
    def from_options(cls, values, *, stages):
        """The spec of ``picojoule generate``'s option values (ValueError with one line)."""
        a = _need_format(values, cls.kind)
        return cls(
            a=a,
            b=values.get("b") or a,
            out=values.get("result") or a,
            overflow=values.get("overflow") or "nonsat",
            stages=stages,
        )


class _IntUnit(_Unit):
    """Construction shared by the integer units ``a op b -> out``."""

    OPTIONS = (A, B, RESULT, WIDTH, SIGNED)

    @classmethod
    def from_params(cls, params):
        """The spec of a manifest entry's ``params``."""
        p = dict(params)
        return cls(a=p["a"], b=p["b"], out=_int_out(p.get("out")), stages=int(p.get("stages", 0)))

    @classmethod
    def from_options(cls, values, *, stages):
        """The spec of ``picojoule generate``'s option values: ``--width W`` with
        ``--signed``/``--unsigned``, or ``--a FMT`` (ValueError with one line)."""
        width = values.get("width")
        if width is not None:
            if values.get("a") is not None:
                raise ValueError("give either --width (with --signed/--unsigned) or --a, not both")
            if not 1 <= width <= 32:
                raise ValueError(f"--width {width} out of range; choose 1..32")
            signed = values.get("signed", True)
            a = IntFormat(f"{'int' if signed else 'uint'}{width}", width, signed)
        elif values.get("a") is not None:
            a = values["a"]
        else:
            raise ValueError(f"{cls.kind} needs --width W (and --signed/--unsigned) or --a FMT")
        b = values.get("b") if values.get("b") is not None else a
        return cls(a=a, b=b, out=_int_out(values.get("result")), stages=stages)


@dataclass(frozen=True)
class FpMul(_FloatUnit):
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
        return arith.fp_mul(
            a, b, a_fmt=self.a, b_fmt=self.b, out_fmt=self.out, overflow=self.overflow
        )


@dataclass(frozen=True)
class FpAdd(_FloatUnit):
    """Floating-point adder ``a + b -> out``, correctly rounded (RNE), same rules as `FpMul`.

    An exact zero sum is +0 except (-0) + (-0) = -0; Inf + -Inf = NaN.
    """

    a: FloatFormat
    b: FloatFormat
    out: FloatFormat
    overflow: Overflow = Overflow.NONSAT
    stages: int = 0
    kind = "fp_add"
    additive = True

    __post_init__ = FpMul.__post_init__
    _name_parts = FpMul._name_parts

    @property
    def contract(self):
        return f"{self.a.name} + {self.b.name} -> {self.out.name}, RNE, {self.overflow.value}"

    def golden(self, a, b):
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
    OPTIONS = (A, B, RESULT, VARIANT, OVERFLOW)
    #: The variants, in the order the report shows them.
    VARIANTS = LMUL_VARIANTS

    @classmethod
    def from_params(cls, params):
        """The spec of a manifest entry's ``params`` (``a`` = ``b`` = ``out`` = the format)."""
        p = dict(params)
        return cls(
            fmt=p["a"],
            variant=p.get("variant", "int_add"),
            overflow=p.get("overflow", "nonsat"),
            stages=int(p.get("stages", 0)),
        )

    @classmethod
    def from_options(cls, values, *, stages):
        """The spec of ``picojoule generate``'s option values (ValueError with one line)."""
        fmt = _need_format(values, cls.kind)
        for flag in ("b", "result"):
            value = values.get(flag)
            if value is not None and value != fmt:
                raise ValueError(f"lmul works on one format; drop --{flag} or make it {fmt}")
        return cls(
            fmt=fmt,
            variant=values.get("variant") or "int_add",
            overflow=values.get("overflow") or "nonsat",
            stages=stages,
        )

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
        return lmul.lmul(a, b, fmt=self.fmt, variant=self.variant, overflow=self.overflow)


@dataclass(frozen=True)
class IntMul(_IntUnit):
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
        return arith.int_mul(a, b, a_fmt=self.a, b_fmt=self.b, out_fmt=self.out)


@dataclass(frozen=True)
class IntAdd(_IntUnit):
    """Integer adder; ``out`` defaults to one bit wider than the wider operand (exact).

    Contract: the exact sum of the decoded operands, wrapped modulo 2^out.width.
    """

    a: IntFormat
    b: IntFormat
    out: IntFormat = None
    stages: int = 0
    kind = "int_add"
    additive = True

    def __post_init__(self):
        _init_int_unit(self, out_width=lambda a, b: max(a.width, b.width) + 1)

    _name_parts = IntMul._name_parts
    params = IntMul.params

    @property
    def contract(self):
        return f"{self.a.name} + {self.b.name} -> {self.out.name}, exact, wraps"

    def golden(self, a, b):
        return arith.int_add(a, b, a_fmt=self.a, b_fmt=self.b, out_fmt=self.out)


UNIT_KINDS = {}


def register_unit(cls):
    """Add the spec class ``cls`` to `UNIT_KINDS` under ``cls.kind``; returns it.

    The class provides ``kind``, ``golden``, ``in_formats``/``out_format``, ``params()``,
    ``name``, ``contract``, ``latency``, ``pipelined``, ``from_params`` and ``OPTIONS`` with
    ``from_options`` (see `FpMul`). ValueError if the kind is taken. A kind registered at run
    time is registered again in spawned worker processes (`picojoule.base.workers`), so the
    class must be defined at a module's top level for them to import it.
    """
    if not cls.kind or cls.kind in UNIT_KINDS:
        raise ValueError(f"unit kind {cls.kind!r} is missing or registered twice")
    UNIT_KINDS[cls.kind] = cls
    return cls


for _cls in (FpMul, FpAdd, LMul, IntMul, IntAdd, MxDot):
    register_unit(_cls)
share_registry(__name__, "UNIT_KINDS")


def _need_format(values, kind):
    if values.get("a") is None:
        raise ValueError(f"{kind} needs --a FMT (e4m3, e5m2, bf16, fp16, fp32, eXmY...)")
    return values["a"]


def _int_out(name):
    if name is None:
        return None
    signed = not name.startswith("u")
    width = int(name.lstrip("u").removeprefix("int"))
    return IntFormat(name, width, signed)


def _unit_kind(kind):
    if kind not in UNIT_KINDS:
        raise ValueError(f"unknown unit kind {kind!r}; choose from {', '.join(UNIT_KINDS)}")
    return UNIT_KINDS[kind]


def unit_from_params(kind, params):
    """Rebuild a spec from a manifest entry's ``kind`` and ``params``."""
    return _unit_kind(kind).from_params(params)


def unit_options():
    """Every registered kind's `Option`, once per name (first registration wins), in order."""
    options = {}
    for cls in UNIT_KINDS.values():
        for option in cls.OPTIONS:
            options.setdefault(option.name, option)
    return list(options.values())


def unit_from_options(kind, values, *, stages):
    """The spec ``picojoule generate`` describes: ``values`` maps option names to the given
    values (None or the option's default when not given). ValueError with one line on bad
    input, also for an option the kind does not take."""
    cls = _unit_kind(kind)
    own = {option.name for option in cls.OPTIONS}
    for option in unit_options():
        value = values.get(option.name)
        if option.name not in own and value is not None and value != option.default:
            takers = [
                k for k, c in UNIT_KINDS.items() if option.name in {o.name for o in c.OPTIONS}
            ]
            flag = option.negation if option.type is bool and not value else option.name
            scope = option.scope or ", ".join(takers)
            raise ValueError(f"--{flag} applies to {scope}, not {kind}; {option.fix}")
    return cls.from_options({k: v for k, v in values.items() if k in own}, stages=stages)


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
    mx = mx_suite()  # block-scaled dot products, each to fp32
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
