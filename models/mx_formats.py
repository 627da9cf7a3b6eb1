"""Block-scaled formats: OCP Microscaling (MX) v1.0 and NVFP4.

Numeric contract
----------------
A block holds ``k`` element codes that share one scale code; its values are
``X * P_i`` (NVFP4 also multiplies by a per-tensor fp32 scale ``T``).

Elements (`ELEMENT_FORMATS`)
    ``e4m3``, ``e5m2`` (MXFP8, OCP encodings: e4m3 max 448 and NaN = S.1111.111, e5m2 with
    Inf and NaN), ``e3m2``, ``e2m3`` (MXFP6), ``e2m1`` (MXFP4, NVFP4): the minifloats of
    `picojoule.models.formats`, subnormals included. ``int8`` (MXINT8): a two's-complement
    byte ``i`` read as ``i / 64``; the code -128 decodes to -2 (it is a valid input), but
    quantization never produces it (elements saturate symmetrically to +-127/64).
Scales (`SCALE_FORMATS`)
    ``e8m0`` (MX): an unsigned 8-bit exponent, ``X = 2^(code - 127)``, code 255 is NaN; no
    sign, no zero. ``e4m3`` (NVFP4): an OCP e4m3 code read with its sign; code 0 is a zero
    scale and S.1111.111 is NaN.

Quantization (`quantize`), OCP MX v1.0 section 6.3, along the last axis in blocks of ``k``:
``shared = floor(log2(max_i |v_i|)) - emax_elem`` (emax_elem: the exponent of the element
format's largest normal; 0 for int8), clamped to E8M0's range [-127, 127]; ``X = 2^shared``;
``P_i = v_i / X`` (exact in float64) rounded to nearest, ties to even, onto the element grid
with gradual underflow (subnormal elements are kept) and saturated to +-max normal
(+-127/64 for int8). The choices the specification leaves open are stated in
`OPEN_CHOICES` (part of `BlockFormat`'s docstring and of the README's contract table).

NVFP4 (``BlockFormat(element="e2m1", k=16, scale="e4m3")``), the usual two-level recipe:
``T = fp32(amax(|v|) / (6 * 448))`` over the whole tensor (``T = 1`` for an all-zero
tensor), block scale ``S = e4m3(amax_block / 6 / T)`` (RNE, saturating to 448; a block
whose scale rounds to 0 has +0 elements), ``P_i = e2m1(v_i / (S T))`` with the quotient
rounded once to float64 and then RNE to e2m1, saturating at +-6. A tensor holding NaN or
Inf is refused (`UserError`): it would make ``T`` and every block scale meaningless.

Padding: the last axis must be a multiple of ``k`` unless ``pad=True``, which appends zeros.
"""

from dataclasses import dataclass

import numpy as np

from picojoule.base.errors import UserError
from picojoule.models.formats import PRESETS, Overflow

__all__ = [
    "ELEMENT_FORMATS",
    "SCALE_FORMATS",
    "ElementFormat",
    "ScaleFormat",
    "BlockFormat",
    "BlockTensor",
    "element_format",
    "scale_format",
    "quantize",
    "MX_PRESETS",
    "OPEN_CHOICES",
]

OPEN_CHOICES = (
    "all-zero block: scale code 0 (X = 2^-127), +0 elements (an input -0.0 keeps its sign)",
    "a NaN or Inf in the block: the NaN scale (e8m0 code 255) and +0 elements, for every "
    "element format (e5m2's Inf is not used as an element)",
    "subnormal elements: kept (gradual underflow); values below half the smallest subnormal "
    "become signed zeros; above the largest normal: saturate",
    "shared exponent clamped to [-127, 127]",
    "MXINT8: the code -128 decodes to -2 and is accepted as input; quantization saturates "
    "symmetrically to +-127/64 and never produces it",
    "NVFP4: tensor scale T = fp32(amax / (6 * 448)) (1 for an all-zero tensor); block scale "
    "e4m3(amax_block / 6 / T), RNE, saturating; a block scale that rounds to 0 gives +0 "
    "elements; elements e2m1(v / (S T)) with the quotient rounded to float64 first; NaN or Inf "
    "input refused",
)

ELEMENT_FORMATS = ("e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "int8")
SCALE_FORMATS = ("e8m0", "e4m3")
K_RANGE = (1, 64)
E8M0_BIAS = 127
E8M0_NAN = 255


@dataclass(frozen=True)
class ElementFormat:
    """One element format of a block: a minifloat preset or MXINT8.

    Every element value is ``(-1)^sign * significand * 2^exponent`` with an integer
    significand (`terms`); ``quantum_exponent`` is the smallest such exponent and
    ``significand_bits`` the significand's width.
    """

    name: str

    def __post_init__(self):
        if self.name not in ELEMENT_FORMATS:
            raise UserError(
                f"unknown element format {self.name!r}; choose from {', '.join(ELEMENT_FORMATS)}"
            )

    @property
    def is_int(self):
        return self.name == "int8"

    @property
    def float_format(self):
        """The `FloatFormat` of a float element (None for int8)."""
        return None if self.is_int else PRESETS[self.name]

    @property
    def width(self):
        return 8 if self.is_int else self.float_format.width

    @property
    def emax(self):
        """Exponent of the largest normal (OCP's emax_elem)."""
        if self.is_int:
            return 0
        f = self.float_format
        return f.max_biased_exponent - f.bias

    @property
    def max_normal(self):
        return 127 / 64 if self.is_int else self.float_format.max_finite

    @property
    def quantum_exponent(self):
        """Exponent of the smallest nonzero magnitude's unit (2^-6 for int8)."""
        if self.is_int:
            return -6
        f = self.float_format
        return 1 - f.bias - f.mantissa_bits

    @property
    def significand_bits(self):
        return 8 if self.is_int else self.float_format.mantissa_bits + 1

    @property
    def top_exponent(self):
        """Largest unit exponent of a finite element (significand MSB below 2^significand_bits)."""
        if self.is_int:
            return -6
        f = self.float_format
        return f.max_biased_exponent - f.bias - f.mantissa_bits

    @property
    def has_nan(self):
        return not self.is_int and self.float_format.has_nan

    @property
    def has_inf(self):
        return not self.is_int and self.float_format.has_inf

    def check_codes(self, codes):
        arr = np.asarray(codes)
        if arr.dtype.kind not in "iub":
            raise UserError(f"{self.name} element codes must be integers, got {arr.dtype}")
        arr = arr.astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= 1 << self.width):
            raise UserError(
                f"element code out of range for {self.name}: choose codes in "
                f"0..{(1 << self.width) - 1}"
            )
        return arr

    def decode(self, codes):
        """Exact float64 value of each element code (NaN / +-Inf where the format has them)."""
        c = self.check_codes(codes)
        if self.is_int:
            return np.where(c >= 128, c - 256, c) / 64.0
        return self.float_format.decode(c)

    def encode(self, values):
        """RNE onto the element grid, saturating to +-max normal (float64 in, codes out)."""
        x = np.asarray(values, dtype=np.float64)
        if self.is_int:
            i = np.clip(np.rint(np.ldexp(x, 6)), -127, 127).astype(np.int64)
            return (i & 0xFF).astype(np.uint8)
        return self.float_format.encode(x, overflow=Overflow.SAT)

    def is_nan(self, codes):
        c = self.check_codes(codes)
        return np.zeros(c.shape, bool) if self.is_int else self.float_format.is_nan(c)

    def is_inf(self, codes):
        c = self.check_codes(codes)
        return np.zeros(c.shape, bool) if self.is_int else self.float_format.is_inf(c)

    def terms(self, codes):
        """(sign, significand, exponent) int64 arrays of finite codes; value = +-sig 2^exp.

        NaN and Inf codes give meaningless terms (classify them with `is_nan`, `is_inf`).
        """
        c = self.check_codes(codes)
        if self.is_int:
            i = np.where(c >= 128, c - 256, c)
            return (i < 0).astype(np.int64), np.abs(i), np.full(c.shape, -6, np.int64)
        f = self.float_format
        s, e, m = f.fields(c)
        sig = np.where(e == 0, m, m | (1 << f.mantissa_bits))
        return s, sig, np.maximum(e, 1) - f.bias - f.mantissa_bits

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class ScaleFormat:
    """A block scale format: ``e8m0`` (MX) or ``e4m3`` (NVFP4); see the module docstring."""

    name: str

    def __post_init__(self):
        if self.name not in SCALE_FORMATS:
            raise UserError(
                f"unknown scale format {self.name!r}; choose from {', '.join(SCALE_FORMATS)}"
            )

    width = 8

    @property
    def nan_code(self):
        return E8M0_NAN if self.name == "e8m0" else PRESETS["e4m3"].nan_code

    def check_codes(self, codes):
        arr = np.asarray(codes)
        if arr.dtype.kind not in "iub":
            raise UserError(f"{self.name} scale codes must be integers, got {arr.dtype}")
        arr = arr.astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() > 255):
            raise UserError(f"scale code out of range for {self.name}: choose codes in 0..255")
        return arr

    def is_nan(self, codes):
        c = self.check_codes(codes)
        return c == E8M0_NAN if self.name == "e8m0" else PRESETS["e4m3"].is_nan(c)

    def decode(self, codes):
        """Exact float64 scale of each code (NaN for the NaN code)."""
        c = self.check_codes(codes)
        if self.name == "e4m3":
            return PRESETS["e4m3"].decode(c)
        return np.where(c == E8M0_NAN, np.nan, np.ldexp(1.0, (c - E8M0_BIAS).astype(np.int32)))

    def terms(self, codes):
        """(sign, significand, exponent) of non-NaN codes: scale = +-sig 2^exp."""
        c = self.check_codes(codes)
        if self.name == "e8m0":
            zero = np.zeros(c.shape, np.int64)
            return zero, zero + 1, c - E8M0_BIAS
        return ElementFormat("e4m3").terms(c)

    def __str__(self):
        return self.name


def element_format(name):
    return name if isinstance(name, ElementFormat) else ElementFormat(str(name).lower())


def scale_format(name):
    return name if isinstance(name, ScaleFormat) else ScaleFormat(str(name).lower())


_FAMILY = {"e4m3": "mxfp8", "e5m2": "mxfp8", "e3m2": "mxfp6", "e2m3": "mxfp6", "e2m1": "mxfp4"}


@dataclass(frozen=True)
class BlockFormat:
    """A block-scaled format: ``k`` elements of ``element`` sharing one ``scale`` code.

    Parameters
    ----------
    element : {"e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "int8"}
    k : int
        Block size, 1..64 (OCP MX: 32; NVFP4: 16).
    scale : {"e8m0", "e4m3"}
        ``e4m3`` (with a per-tensor fp32 scale) is the NVFP4 scheme; see the module docstring.

    Choices where OCP MX v1.0 leaves the behaviour open:

    {choices}
    """

    element: ElementFormat = "e4m3"
    k: int = 32
    scale: ScaleFormat = "e8m0"

    def __post_init__(self):
        object.__setattr__(self, "element", element_format(self.element))
        object.__setattr__(self, "scale", scale_format(self.scale))
        k = self.k
        lo, hi = K_RANGE
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not lo <= k <= hi:
            raise UserError(f"block size k={k!r} out of range; choose k in {lo}..{hi}")
        object.__setattr__(self, "k", int(k))

    @property
    def two_level(self):
        """True for the NVFP4 scheme (e4m3 block scale plus a per-tensor fp32 scale)."""
        return self.scale.name == "e4m3"

    @property
    def width(self):
        """Bits of one packed block: k elements, then the scale above them."""
        return self.k * self.element.width + self.scale.width

    @property
    def name(self):
        e, k = self.element.name, self.k
        if self.two_level:
            return "nvfp4" if (e, k) == ("e2m1", 16) else f"{e}_k{k}_e4m3scale"
        family = "mxint8" if e == "int8" else f"{_FAMILY[e]}_{e}"
        return family if k == 32 else f"{family}_k{k}"

    def params(self):
        return {"element": self.element.name, "k": self.k, "scale": self.scale.name}

    def unpack(self, words):
        """(elements (n, k) int64, scales (n,) int64) of packed block words (Python ints)."""
        w, k = self.element.width, self.k
        words = [int(x) for x in np.ravel(np.asarray(words, dtype=object))]
        if any(x < 0 or x >> self.width for x in words):
            raise UserError(f"a block word of {self.name} must lie in 0..2^{self.width} - 1")
        mask = (1 << w) - 1
        elements = np.array([[(x >> (i * w)) & mask for i in range(k)] for x in words])
        scales = np.array([x >> (k * w) for x in words])
        return elements.reshape(-1, k).astype(np.int64), scales.astype(np.int64)

    def pack(self, elements, scales):
        """Packed block words as Python ints: element i at [i w, (i+1) w), the scale above."""
        elements = self.element.check_codes(elements).reshape(-1, self.k)
        scales = self.scale.check_codes(scales).reshape(-1)
        w = self.element.width
        words = []
        for row, s in zip(elements.tolist(), scales.tolist()):
            word = s << (self.k * w)
            for i, c in enumerate(row):
                word |= c << (i * w)
            words.append(word)
        return words

    @property
    def words(self):
        """uint64 words of one packed block (`pack_words`)."""
        return -(-self.width // 64)

    def pack_words(self, elements, scales):
        """Packed blocks as (n, `words`) uint64, word j holding bits [64 j, 64 j + 64) of the
        block word of `pack` (element i at [i w, (i+1) w), the scale above)."""
        elements = self.element.check_codes(elements).reshape(-1, self.k)
        scales = self.scale.check_codes(scales).reshape(-1)
        w = self.element.width
        shifts = np.arange(w)
        bits = np.zeros((len(scales), self.words * 64), dtype=np.uint8)
        bits[:, : self.k * w] = ((elements[:, :, None] >> shifts) & 1).reshape(len(scales), -1)
        bits[:, self.k * w : self.width] = (scales[:, None] >> np.arange(self.scale.width)) & 1
        return np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)

    def unpack_words(self, words):
        """Inverse of `pack_words`: (elements (n, k) int64, scales (n,) int64)."""
        words = np.asarray(words, dtype=np.uint64).reshape(-1, self.words)
        bits = np.unpackbits(words.astype("<u8").view(np.uint8), axis=1, bitorder="little")
        w = self.element.width
        weights = 1 << np.arange(w, dtype=np.int64)
        elements = bits[:, : self.k * w].reshape(-1, self.k, w).astype(np.int64) @ weights
        scales = bits[:, self.k * w : self.width].astype(np.int64) @ (
            1 << np.arange(self.scale.width, dtype=np.int64)
        )
        return elements, scales

    def __str__(self):
        return self.name


BlockFormat.__doc__ = BlockFormat.__doc__.replace(
    "{choices}", "\n    ".join(f"* {c};" for c in OPEN_CHOICES)
)

MX_PRESETS = {
    f.name: f
    for f in (
        BlockFormat(element="e4m3"),
        BlockFormat(element="e5m2"),
        BlockFormat(element="e3m2"),
        BlockFormat(element="e2m3"),
        BlockFormat(element="e2m1"),
        BlockFormat(element="int8"),
        BlockFormat(element="e2m1", k=16, scale="e4m3"),
    )
}


@dataclass(frozen=True)
class BlockTensor:
    """Quantized data: ``elements`` (..., n, k) and ``scales`` (..., n) codes; ``tensor_scale``
    is NVFP4's fp32 per-tensor scale (1 for MX)."""

    fmt: BlockFormat
    elements: np.ndarray
    scales: np.ndarray
    tensor_scale: float = 1.0

    def decode(self):
        """Exact float64 values, shape (..., n * k) (padding included)."""
        x = self.fmt.element.decode(self.elements) * self.fmt.scale.decode(self.scales)[..., None]
        x = x * self.tensor_scale
        return x.reshape(*x.shape[:-2], -1)


def _blocks(values, fmt, pad):
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 0:
        x = x.reshape(1)
    n = x.shape[-1]
    rem = n % fmt.k
    if rem:
        if not pad:
            raise UserError(
                f"the last axis has {n} values, not a multiple of k={fmt.k}; pad it with zeros "
                f"(pad=True) or choose a k that divides {n}"
            )
        x = np.concatenate([x, np.zeros((*x.shape[:-1], fmt.k - rem))], axis=-1)
    return x.reshape(*x.shape[:-1], x.shape[-1] // fmt.k, fmt.k)


def quantize(values, *, fmt, pad=False):
    """Quantize float ``values`` along the last axis to ``fmt`` (a `BlockFormat` or preset name).

    Returns a `BlockTensor`; the rules are those of the module docstring.
    """
    if isinstance(fmt, str):
        if fmt not in MX_PRESETS:
            raise UserError(f"unknown block format {fmt!r}; choose from {', '.join(MX_PRESETS)}")
        fmt = MX_PRESETS[fmt]
    x = _blocks(values, fmt, pad)
    if fmt.two_level:
        return _quantize_two_level(x, fmt)
    elem = fmt.element
    special = ~np.isfinite(x).all(axis=-1)
    mag = np.where(np.isfinite(x), np.abs(x), 0.0)
    amax = mag.max(axis=-1)
    _, e2 = np.frexp(np.where(amax > 0, amax, 1.0))  # amax = f 2^e2, f in [0.5, 1)
    shared = np.where(amax > 0, e2 - 1 - elem.emax, -E8M0_BIAS)
    shared = np.clip(shared, -E8M0_BIAS, E8M0_BIAS)
    scaled = np.ldexp(np.where(np.isfinite(x), x, 0.0), -shared[..., None].astype(np.int32))
    elements = elem.encode(scaled).astype(np.int64)
    elements = np.where(special[..., None], 0, elements)
    scales = np.where(special, E8M0_NAN, shared + E8M0_BIAS)
    return BlockTensor(fmt=fmt, elements=elements.astype(np.uint8), scales=scales.astype(np.uint8))


def _quantize_two_level(x, fmt):
    if not np.isfinite(x).all():
        raise UserError("NVFP4 quantization needs finite values; remove NaN and Inf first")
    e4m3 = PRESETS["e4m3"]
    elem = fmt.element
    amax = float(np.abs(x).max()) if x.size else 0.0
    emax_value = elem.max_normal
    t = float(np.float32(amax / (emax_value * e4m3.max_finite))) if amax > 0 else 1.0
    block_amax = np.abs(x).max(axis=-1)
    scales = e4m3.encode(block_amax / emax_value / t, overflow=Overflow.SAT).astype(np.int64)
    s = e4m3.decode(scales) * t
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(s[..., None] > 0, x / s[..., None], 0.0)
    elements = elem.encode(q).astype(np.uint8)
    return BlockTensor(fmt=fmt, elements=elements, scales=scales.astype(np.uint8), tensor_scale=t)
