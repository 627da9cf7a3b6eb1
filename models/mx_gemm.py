"""The MX dot-product array: a tensor-core tile of M x N block dot-product units.

An M x N array (`MxArraySpec`) takes, per cycle, one block of ``k`` activations per row
(block format ``a``) and one block of ``k`` weights per column (block format ``b``, the same
``k`` and scale format); each of its M x N `picojoule.models.mx_unit.MxDot` units computes
the exact block dot product rounded once to fp32, and adds it to its fp32 accumulator.

Numeric contract (`mx_gemm`): A (M x K) and W (K x N) are float arrays; A's rows and W's
columns are quantized along K by the formats' own rule (`picojoule.models.mx_formats.quantize`,
the last block padded with zeros), and ``C[m, n] = acc``, ``acc = +0`` then
``acc = fp32(acc + Dot_j)`` (RNE per addition) for the blocks ``j`` in K order: exactly
`picojoule.models.mx_dot.dot_general` of the quantized tensors, **without NVFP4's per-tensor
scales** (the array sees block codes only; ``T_A T_B`` is applied outside it, and
`mx_gemm` returns them as ``tensor_scale`` for that).
"""

from dataclasses import dataclass, replace

import numpy as np

from picojoule.base.errors import UserError
from picojoule.models.formats import PRESETS
from picojoule.models.lut_gemm import _check_shapes, _positive_int
from picojoule.models.mx_dot import dot_general
from picojoule.models.mx_formats import MX_PRESETS, BlockFormat, quantize
from picojoule.models.mx_unit import MxDot

__all__ = ["MxArraySpec", "MX_ACTS", "block_format", "mx_gemm", "mx_operands", "quantize_operands"]

#: Block formats the array takes (`picojoule.models.mx_formats.MX_PRESETS` names).
MX_ACTS = tuple(MX_PRESETS)


def block_format(name, *, k=None):
    """The `BlockFormat` of a preset name (``mxfp8_e4m3``, ..., ``nvfp4``), optionally with
    another block size ``k``; ValueError naming the choices."""
    if name not in MX_PRESETS:
        raise ValueError(f"unknown block format {name!r}; choose from {', '.join(MX_PRESETS)}")
    fmt = MX_PRESETS[name]
    return fmt if k is None else replace(fmt, k=k)


@dataclass(frozen=True)
class MxArraySpec:
    """An M x N array of block dot-product units accumulating in fp32.

    Parameters
    ----------
    m, n : int
        Rows (activation blocks per cycle) and columns (weight blocks per cycle).
    a, b : BlockFormat or preset name
        Activation and weight block formats (same ``k`` and scale format; ``b`` defaults to
        ``a``).
    products : {"exact", "lmul"}
        The units' element products.
    """

    m: int = 2
    n: int = 2
    a: object = "mxfp8_e4m3"
    b: object = None
    products: str = "exact"

    def __post_init__(self):
        _positive_int(self.m, label="array M")
        _positive_int(self.n, label="array N")
        a = self.a if isinstance(self.a, BlockFormat) else block_format(self.a)
        b = self.b if self.b is not None else a
        b = b if isinstance(b, BlockFormat) else block_format(b, k=a.k)
        if (a.k, a.scale) != (b.k, b.scale):
            raise ValueError(
                f"activation {a.name} and weight {b.name} blocks differ in k or scale format; "
                "the array's units take one k and one scale format"
            )
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "b", b)
        self.unit()  # checks the element formats and products

    def unit(self):
        """The `MxDot` spec of one unit of the array (fp32 out, combinational)."""
        return MxDot(
            a=self.a.element.name,
            b=self.b.element.name,
            k=self.a.k,
            scale=self.a.scale.name,
            out="fp32",
            products=self.products,
        )

    @property
    def k(self):
        return self.a.k

    @property
    def act(self):
        return self.a

    #: fp32 accumulators; one step per block; no pipelined variant; float A and W.
    takes_floats = True
    is_float = True
    planes = 1
    pipelinable = False
    acc_format = PRESETS["fp32"]

    @property
    def peak_macs_per_cycle(self):
        return self.m * self.n * self.k

    @property
    def name(self):
        ab = self.a.name if self.a == self.b else f"{self.a.name}_{self.b.name}"
        tail = "" if self.products == "exact" else "_lmul"
        return f"mx_{ab}_m{self.m}_n{self.n}_k{self.k}{tail}"

    def params(self):
        return {
            "m": self.m,
            "n": self.n,
            "k": self.k,
            "a": self.a.name,
            "b": self.b.name,
            "scale": self.a.scale.name,
            "products": self.products,
            "acc": "fp32",
        }

    def check_depth(self, depth):
        """Any K >= 1 (fp32 accumulation does not overflow silently: it goes to Inf)."""

    def check_operands(self, a, w):
        """ValueError unless A (M x K) and W (K x N) are finite float arrays of matching K."""
        a, w = np.asarray(a), np.asarray(w)
        _check_shapes(a, w)
        for label, x in (("A", a), ("W", w)):
            if x.dtype.kind != "f":
                raise ValueError(
                    f"the mx core takes float {label} (quantized to {self.a.name} / "
                    f"{self.b.name} blocks along K), got dtype {x.dtype}"
                )
            if not np.isfinite(x).all():
                raise ValueError(f"{label} holds NaN or Inf; the mx core takes finite data")

    def random_operands(self, *, m, n, k, seed=0):
        """Standard-normal float64 A (M x K) and W (K x N)."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal((m, k)), rng.standard_normal((k, n))


def quantize_operands(a, w, *, spec):
    """(A blocks (M, G, k), W blocks (N, G, k)) as `BlockTensor`s, K padded to whole blocks."""
    spec.check_operands(a, w)
    try:
        qa = quantize(np.asarray(a, dtype=np.float64), fmt=spec.a, pad=True)
        qw = quantize(np.asarray(w, dtype=np.float64).T, fmt=spec.b, pad=True)
    except UserError as error:
        raise ValueError(str(error)) from None
    return qa, qw


def mx_operands(a, w, *, spec):
    """Element and scale codes of the quantized operands: ``(a_elements (M, G, k), a_scales
    (M, G), w_elements (N, G, k), w_scales (N, G))``."""
    qa, qw = quantize_operands(a, w, spec=spec)
    return qa.elements, qa.scales, qw.elements, qw.scales


def mx_gemm(a, w, *, spec, tensor_scale=False):
    """Golden GEMM of the array: float64 values of the fp32 results (see the module docstring).

    With ``tensor_scale``, also return NVFP4's ``fp32(T_A T_B)`` (1 for MX formats).
    """
    qa, qw = quantize_operands(a, w, spec=spec)
    scale = np.float32(np.float32(qa.tensor_scale) * np.float32(qw.tensor_scale))
    qa, qw = replace(qa, tensor_scale=1.0), replace(qw, tensor_scale=1.0)
    c = dot_general(qa, qw, out="fp32", products=spec.products).astype(np.float64)
    return (c, float(scale)) if tensor_scale else c
