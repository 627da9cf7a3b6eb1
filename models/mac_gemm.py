"""MAC-array baselines for the LUT tensor core: spec and golden GEMM.

An M x N x K MAC array multiplies, every cycle, one group of K activations per row with the
K x N weights of one step and adds the K products of each output to its accumulator. Weights
are the same unsigned W-bit codes as the LUT core's (`picojoule.models.lut_gemm`).

Numeric contract by multiplier kind (``mul``):

``int`` (dequantize-then-multiply)
    Each W-bit code is dequantized to ``act``'s integer format (zero point 0: zero-extended) and
    multiplied exactly by an ``IntMul(act, act)`` unit; the K products and the ``acc_width``-bit
    accumulator are added exactly. Result: the exact integer ``A @ W``. With
    ``weight_port="code"`` (default) the array's weight port carries the W-bit codes and the
    zero extension is inside the array, so synthesis reduces each multiplier to int8 x uintW;
    with ``weight_port="act"`` the port carries weights already dequantized to ``act``'s width
    (a general int8 x int8 / int16 x int16 MAC tensor core, the conventional baseline).
``fp8`` and ``lmul``
    Activations are ``e4m3`` codes; each code q is dequantized to the ``e4m3`` value q (exact for
    q <= 15). ``fp8`` multiplies with ``FpMul(e4m3, e4m3 -> product_format)`` (RNE), ``lmul``
    with ``LMul(e4m3)`` (int_add variant; its product is e4m3). The K products of a step are
    summed by a balanced tree of correctly rounded adders into ``acc_format``: level 1 adds
    pairs ``(p0 + p1), (p2 + p3), ...`` (an odd last product is carried up unchanged, rounded
    to ``acc_format``), further levels likewise, and then ``acc = round(acc + sum)``. Every
    addition is ``FpAdd(..., out=acc_format)``, RNE, non-saturating.
"""

from dataclasses import dataclass

import numpy as np

from picojoule.models.formats import IntFormat, Overflow, get_format
from picojoule.models.lut_gemm import LutGemmSpec, _check_shapes, _positive_int, check_weight_codes
from picojoule.models.units import FpAdd, FpMul, IntMul, LMul

__all__ = ["MacArraySpec", "MULTIPLIERS", "same_peak", "mac_gemm"]

MULTIPLIERS = ("int", "fp8", "lmul")


@dataclass(frozen=True)
class MacArraySpec:
    """An M x N x K multiply-accumulate array.

    Parameters
    ----------
    m, n, k : int
        Rows, columns, products per output per cycle.
    wbits : int
        Weight code bits, 1..4.
    mul : str
        ``int``, ``fp8`` or ``lmul`` (see the module docstring).
    act : str or format
        ``int8``/``int16`` for ``int``; ``e4m3`` for ``fp8`` and ``lmul``.
    acc_width : int
        Integer accumulator bits (``int``).
    product_format, acc_format : str or FloatFormat
        ``fp8`` product format (default e4m3, the same as L-Mul's) and the accumulator (fp32).
    """

    m: int = 2
    n: int = 32
    k: int = 4
    wbits: int = 2
    mul: str = "int"
    act: object = None
    acc_width: int = 32
    product_format: object = "e4m3"
    acc_format: object = "fp32"
    weight_port: str = "code"

    def __post_init__(self):
        for label, value in (("array M", self.m), ("array N", self.n), ("array K", self.k)):
            _positive_int(value, label=label)
        _positive_int(self.wbits, label="wbits", high=4)
        if self.mul not in MULTIPLIERS:
            raise ValueError(
                f"unknown multiplier {self.mul!r}; choose from {', '.join(MULTIPLIERS)}"
            )
        act = get_format(
            self.act if self.act is not None else ("int8" if self.mul == "int" else "e4m3")
        )
        if self.mul == "int":
            if not (isinstance(act, IntFormat) and act.signed and act.width in (8, 16)):
                raise ValueError(
                    f"the int MAC array takes int8 or int16 activations, not {act.name}"
                )
            if (1 << self.wbits) - 1 > act.max_value:
                raise ValueError("weight codes do not fit the activation format")
        elif act.name != "e4m3":
            raise ValueError(f"the {self.mul} MAC array takes e4m3 activations, not {act.name}")
        object.__setattr__(self, "act", act)
        if self.weight_port not in ("code", "act"):
            raise ValueError(f"unknown weight_port {self.weight_port!r}; choose code or act")
        if self.weight_port == "act" and self.mul != "int":
            raise ValueError("weight_port='act' applies to the int MAC array")
        object.__setattr__(self, "product_format", get_format(self.product_format))
        object.__setattr__(self, "acc_format", get_format(self.acc_format))
        _positive_int(self.acc_width, label="accumulator width", low=8, high=64)

    @property
    def is_float(self):
        return self.mul != "int"

    @property
    def peak_macs_per_cycle(self):
        return self.m * self.n * self.k

    @property
    def name(self):
        tail = f"a{self.acc_width}" if not self.is_float else self.acc_format.name
        mul = self.mul if self.weight_port == "code" else f"{self.mul}{self.act.width}"
        return f"mac_{mul}_m{self.m}_n{self.n}_k{self.k}_w{self.wbits}_{self.act.name}_{tail}"

    def params(self):
        out = {
            "m": self.m,
            "n": self.n,
            "k": self.k,
            "wbits": self.wbits,
            "mul": self.mul,
            "act": self.act.name,
            "weight_port": self.weight_port,
        }
        if self.is_float:
            out.update(product=self.product_format.name, acc=self.acc_format.name)
        else:
            out["acc_width"] = self.acc_width
        return out

    #: One step per group of K activations; no pipelined variant.
    planes = 1
    pipelinable = False

    @property
    def weight_lanes(self):
        """(lanes, bits per lane) of the weight word of one step: N x K weights."""
        return self.n * self.k, self.weight_port_width

    def weight_steps(self, codes):
        """The weight words of every step: ``codes`` (K_total, a multiple of K, x N) ->
        (groups, 1, N K) lanes, column-major (lane ``n K + k``)."""
        codes = np.asarray(codes)
        groups = codes.shape[0] // self.k
        steps = codes.reshape(groups, self.k, self.n).transpose(0, 2, 1)
        return steps.reshape(groups, 1, self.n * self.k)

    @property
    def weight_port_width(self):
        """Bits per weight on the array's weight port."""
        return self.act.width if self.weight_port == "act" else self.wbits

    @property
    def weight_format(self):
        """The format weights are dequantized to before the multiplier."""
        return self.act

    def multiplier(self):
        """The unit spec (`picojoule.models.units`) of one multiplier of the array."""
        if self.mul == "int":
            return IntMul(a=self.act, b=self.act)
        if self.mul == "fp8":
            return FpMul(a=self.act, b=self.act, out=self.product_format)
        return LMul(fmt=self.act)

    @property
    def product_out(self):
        return self.multiplier().out_format

    def adder(self, a_fmt, b_fmt=None):
        """The FpAdd spec adding values of ``a_fmt`` and ``b_fmt`` into the accumulator format."""
        return FpAdd(a=a_fmt, b=b_fmt or a_fmt, out=self.acc_format, overflow=Overflow.NONSAT)

    def tree_formats(self):
        """Per level of the adder tree, the (a, b) formats of each adder; then the accumulate."""
        fmts, levels = [self.product_out] * self.k, []
        while len(fmts) > 1:
            pairs = [(fmts[i], fmts[i + 1]) for i in range(0, len(fmts) - 1, 2)]
            levels.append(pairs)
            fmts = [self.acc_format] * len(pairs) + ([fmts[-1]] if len(fmts) % 2 else [])
        return levels, fmts[0]

    def dequantize(self, codes):
        """Weight codes -> codes of `weight_format` (value q)."""
        q = check_weight_codes(codes, wbits=self.wbits)
        if self.mul == "int":
            return self.act.encode(q)
        return self.act.encode(q.astype(np.float64))

    def check_depth(self, depth):
        if not self.is_float:
            limit = ((1 << (self.acc_width - 1)) - 1) // (
                (1 << (self.act.width - 1)) * ((1 << self.wbits) - 1)
            )
            if depth > limit:
                raise ValueError(
                    f"K={depth} may overflow the {self.acc_width}-bit accumulator "
                    f"(max K {limit}); raise acc_width"
                )


def same_peak(lut, *, mul="int", weight_port="code"):
    """The MAC array with the LUT tile's peak MACs per cycle (M N K / W): N' = ceil(N / W).

    ``lut`` is a `LutGemmSpec`; the MAC array keeps its M, K and accumulator width.
    """
    if not isinstance(lut, LutGemmSpec):
        raise ValueError("same_peak needs a LutGemmSpec")
    act = lut.act if mul == "int" else "e4m3"
    return MacArraySpec(
        m=lut.m,
        n=-(-lut.n // lut.wbits),
        k=lut.k,
        wbits=lut.wbits,
        mul=mul,
        act=act,
        acc_width=lut.acc_width,
        weight_port=weight_port,
    )


def mac_gemm(a, w, *, spec):
    """Golden GEMM of the MAC array: int64 exact (``int``) or float64 values of ``acc_format``.

    ``a`` is M x K (integers, or e4m3 codes), ``w`` K x N unsigned codes; K is padded with
    zeros to a multiple of ``spec.k`` (a zero product adds nothing).
    """
    a, w = np.asarray(a), check_weight_codes(w, wbits=spec.wbits)
    _check_shapes(a, w)
    spec.check_depth(a.shape[1])
    if not spec.is_float:
        if a.dtype.kind not in "iu":
            raise ValueError(f"integer activations must have an integer dtype, got {a.dtype}")
        if a.size and (a.min() < spec.act.min_value or a.max() > spec.act.max_value):
            raise ValueError(f"activations out of range for {spec.act.name}")
        return a.astype(np.int64) @ w
    spec.act.check_codes(a)
    kt = a.shape[1]
    pad = -kt % spec.k
    a = np.concatenate([a, np.zeros((a.shape[0], pad), a.dtype)], axis=1).astype(np.int64)
    wd = np.concatenate([spec.dequantize(w), np.zeros((pad, w.shape[1]), spec.act.code_dtype)])
    mul = spec.multiplier()
    prod_fmt, acc_fmt = spec.product_out, spec.acc_format
    acc = np.zeros((a.shape[0], w.shape[1]), dtype=np.int64)  # acc_format codes (+0)
    for g in range(a.shape[1] // spec.k):
        lanes = slice(g * spec.k, (g + 1) * spec.k)
        products = mul.golden(a[:, None, lanes], wd[lanes].T[None, :, :]).astype(np.int64)
        levels, top_fmt = spec.tree_formats()
        level = [products[..., i] for i in range(spec.k)]
        for pairs in levels:
            nxt = [
                spec.adder(fa, fb).golden(level[2 * i], level[2 * i + 1]).astype(np.int64)
                for i, (fa, fb) in enumerate(pairs)
            ]
            level = nxt + ([level[-1]] if len(level) % 2 else [])
        step = level[0]
        if top_fmt is not acc_fmt:  # k == 1: the product enters the accumulator
            step = acc_fmt.encode(prod_fmt.decode(step)).astype(np.int64)
        acc = spec.adder(acc_fmt).golden(acc, step).astype(np.int64)
    return acc_fmt.decode(acc)
