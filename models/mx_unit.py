"""The `MxDot` unit spec: a block-scaled dot-product unit.

Its ports carry whole blocks: ``a`` holds the ``k`` element codes of block A, element ``i`` at
bits ``[i w, (i + 1) w)``, with the 8-bit scale code above them at ``[k w, k w + 8)``; ``b``
likewise; ``y`` is the ``out`` code. A pipelined unit has the stream interface of the other
units (payload ``{a, b}``, ``a`` in the low bits). The golden model is
`picojoule.models.mx_dot.block_dot`.
"""

from dataclasses import dataclass, replace

import numpy as np

from picojoule.base.errors import UserError
from picojoule.models.formats import PRESETS
from picojoule.models.mx_dot import block_dot, check_out, check_products
from picojoule.models.mx_formats import BlockFormat
from picojoule.models.unit_options import RESULT, A, B, Option

__all__ = ["MxDot", "mx_suite"]

K = Option("k", "elements per block, 1..64 (default 32)", type=int, default=32)
SCALE = Option(
    "scale",
    "block scale format (e8m0 = OCP MX; e4m3 = NVFP4; default e8m0)",
    choices=("e8m0", "e4m3"),
    default="e8m0",
)
PRODUCTS = Option(
    "products",
    "element products exact or L-Mul (default exact)",
    choices=("exact", "lmul"),
    default="exact",
)


@dataclass(frozen=True)
class MxDot:
    """Block-scaled dot product (OCP MX v1.0, NVFP4) of two blocks of ``k`` elements -> ``out``.

    Contract: ``X_A X_B sum_i P_i(A) P_i(B)``, every product exact (or the element format's
    L-Mul, ``products="lmul"``), the sum exact in a fixed-point accumulator
    (`picojoule.models.mx_dot.accumulator_layout`), rounded once (RNE) to fp32 or bf16,
    overflow to Inf, exact zero +0; a NaN scale or element gives NaN; e5m2 Inf x 0 and
    +Inf + -Inf give NaN. Elements e4m3, e5m2, e3m2, e2m3, e2m1 or int8 (i/64), mixed allowed;
    k in 1..64; scale e8m0 (MX) or e4m3 (NVFP4). See `picojoule.models.mx_dot`.
    """

    a: str = "e4m3"
    b: str = None
    k: int = 32
    scale: str = "e8m0"
    out: str = "fp32"
    products: str = "exact"
    stages: int = 0
    kind = "mx_dot"
    #: Command-line options (``picojoule generate --kind mx_dot``): --a/--b element formats,
    #: --result fp32 or bf16.
    OPTIONS = (A, B, RESULT, K, SCALE, PRODUCTS)
    additive = False

    def __post_init__(self):
        if self.b is None:
            object.__setattr__(self, "b", self.a)
        a_fmt = BlockFormat(element=self.a, k=self.k, scale=self.scale)
        b_fmt = BlockFormat(element=self.b, k=self.k, scale=self.scale)
        object.__setattr__(self, "a", a_fmt.element.name)
        object.__setattr__(self, "b", b_fmt.element.name)
        check_out(self.out)
        check_products(self.products, a_fmt.element, b_fmt.element)
        stages = self.stages
        if not isinstance(stages, int) or isinstance(stages, bool) or stages < 0:
            raise UserError(
                f"stages must be a whole number >= 0 (0 = combinational), got {stages!r}"
            )

    @property
    def in_formats(self):
        return (
            BlockFormat(element=self.a, k=self.k, scale=self.scale),
            BlockFormat(element=self.b, k=self.k, scale=self.scale),
        )

    @property
    def out_format(self):
        return PRESETS[self.out]

    @property
    def latency(self):
        return self.stages

    def pipelined(self, stages):
        return replace(self, stages=stages)

    def params(self):
        return {
            "a": self.a,
            "b": self.b,
            "k": self.k,
            "scale": self.scale,
            "out": self.out,
            "products": self.products,
            "stages": self.stages,
        }

    @classmethod
    def from_options(cls, values, *, stages):
        """The spec of ``picojoule generate``'s option values."""
        return cls(
            a=values.get("a") or "e4m3",
            b=values.get("b"),
            k=values.get("k") or 32,
            scale=values.get("scale") or "e8m0",
            out=values.get("result") or "fp32",
            products=values.get("products") or "exact",
            stages=stages,
        )

    @classmethod
    def from_params(cls, params):
        p = dict(params)
        return cls(**{key: p[key] for key in cls().params() if key in p})

    @property
    def name(self):
        ab = self.a if self.a == self.b else f"{self.a}_{self.b}"
        return f"mx_dot_{ab}_k{self.k}_{self.scale}_{self.out}_{self.products}_s{self.stages}"

    @property
    def contract(self):
        a_fmt, b_fmt = self.in_formats
        products = "exact products" if self.products == "exact" else "L-Mul products"
        return f"{a_fmt.name} . {b_fmt.name} -> {self.out}, {products}, exact sum, one RNE"

    def golden_blocks(self, a_elements, a_scales, b_elements, b_scales):
        """Output codes of block pairs given as element codes (n, k) and scale codes (n,)."""
        a_fmt, b_fmt = self.in_formats
        return block_dot(
            a_elements,
            a_scales,
            b_elements,
            b_scales,
            a_fmt=a_fmt,
            b_fmt=b_fmt,
            out=self.out,
            products=self.products,
        )

    def golden(self, a, b):
        """Output codes of packed block words ``a``, ``b``: sequences of Python ints, or
        (n, words) uint64 arrays (`picojoule.models.mx_formats.BlockFormat.pack_words`)."""
        a_fmt, b_fmt = self.in_formats
        ae, xa = _unpack(a_fmt, a)
        be, xb = _unpack(b_fmt, b)
        return np.asarray(self.golden_blocks(ae, xa, be, xb))


def _unpack(fmt, words):
    arr = np.asarray(words)
    if arr.ndim == 2 and arr.dtype != object:
        return fmt.unpack_words(arr)
    return fmt.unpack(words)


def mx_suite():
    """The mx_dot units of the standard suite, each to fp32 (one also pipelined)."""
    return [
        MxDot(a="e4m3"),
        MxDot(a="e5m2"),
        MxDot(a="e3m2"),
        MxDot(a="e2m1"),
        MxDot(a="int8"),
        MxDot(a="e2m1", k=16, scale="e4m3"),
        MxDot(a="e4m3", b="e2m1"),
        MxDot(a="e4m3", products="lmul"),
        MxDot(a="e4m3", stages=2),
    ]
