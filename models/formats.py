"""Number formats: minifloats ExMy and two's-complement / unsigned integers.

Numeric contract
----------------
A code is the raw bit pattern of a value, held in an unsigned integer array
(``uint8`` up to 8 bits, ``uint16`` up to 16, ``uint32`` up to 32). A float code is
``sign | biased exponent (E bits) | mantissa (M bits)``; value =
``(-1)^s * 2^(e - bias) * (1 + m / 2^M)`` for ``e >= 1`` and
``(-1)^s * 2^(1 - bias) * (m / 2^M)`` for ``e == 0`` (subnormals).

Special-value conventions (``specials``):

``ieee``
    The all-ones exponent is reserved: mantissa 0 is +-Inf, any other mantissa is NaN
    (canonical NaN: positive, top mantissa bit set). Needs M >= 1.
``fn`` (OCP E4M3FN)
    No Inf; only ``S.1...1.1...1`` (all-ones exponent and mantissa) is NaN; the rest of
    the all-ones exponent is finite.
``fnuz``
    No Inf, no negative zero; the single NaN is the pattern ``1.0...0.0...0``.
``finite`` (OCP MX FP4/FP6)
    No Inf and no NaN: every pattern is a finite number.

Encoding (``encode``) rounds to nearest, ties to even, with gradual underflow to
subnormals and signed zeros. A finite value whose rounded magnitude exceeds the largest
finite value overflows: ``Overflow.NONSAT`` gives Inf (NaN in a format without Inf),
``Overflow.SAT`` gives +-max finite. An infinite input is Inf in a format that has Inf;
otherwise NaN when non-saturating and +-max finite when saturating. NaN encodes to the
canonical NaN. A format with neither Inf nor NaN always saturates and cannot hold NaN
(encoding NaN raises ``ValueError``). ``fnuz`` encodes -0 as +0.
"""

import enum
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = ["Overflow", "FloatFormat", "IntFormat", "minifloat", "get_format", "PRESETS", "SPECIALS"]

SPECIALS = ("ieee", "fn", "fnuz", "finite")


class Overflow(str, enum.Enum):
    """What a finite result above the largest finite value becomes."""

    NONSAT = "nonsat"
    SAT = "sat"

    @classmethod
    def parse(cls, value):
        try:
            return cls(value)
        except ValueError:
            raise ValueError(
                f"unknown overflow mode {value!r}; choose from {', '.join(m.value for m in cls)}"
            ) from None

    def __str__(self):
        return self.value


def _code_dtype(width):
    return np.uint8 if width <= 8 else np.uint16 if width <= 16 else np.uint32


def _as_codes(codes, *, fmt):
    """Integer array of codes, checked to lie inside ``fmt``; returned as int64."""
    arr = np.asarray(codes)
    if arr.dtype.kind not in "iub":
        raise ValueError(f"codes for {fmt.name} must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= (1 << fmt.width)):
        raise ValueError(f"codes outside {fmt.name}: values must be in [0, {(1 << fmt.width) - 1}]")
    return arr


@dataclass(frozen=True)
class FloatFormat:
    """A binary minifloat ExMy with a sign bit, an explicit bias and a special-value convention.

    Parameters
    ----------
    name : str
        Preset or descriptive name, used in reports and module names.
    exponent_bits : int
        E, 1..8.
    mantissa_bits : int
        M, 0..23 (stored fraction bits, without the hidden bit).
    bias : int
        Exponent bias, 0..2^E - 1.
    specials : str
        One of ``ieee``, ``fn``, ``fnuz``, ``finite`` (see the module docstring).
    """

    name: str
    exponent_bits: int
    mantissa_bits: int
    bias: int
    specials: str = "ieee"

    def __post_init__(self):
        e, m = self.exponent_bits, self.mantissa_bits
        for label, value in (("exponent_bits", e), ("mantissa_bits", m), ("bias", self.bias)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise ValueError(f"{label} must be an integer, got {value!r}")
        if not 1 <= e <= 8:
            raise ValueError(f"exponent bits E={e} out of range; choose E in 1..8")
        if not 0 <= m <= 23:
            raise ValueError(f"mantissa bits M={m} out of range; choose M in 0..23")
        if 1 + e + m > 32:
            raise ValueError(f"E{e}M{m} needs {1 + e + m} bits; the total width must be <= 32")
        if self.specials not in SPECIALS:
            raise ValueError(
                f"unknown special-value convention {self.specials!r}; choose from "
                f"{', '.join(SPECIALS)}"
            )
        if not 0 <= self.bias <= (1 << e) - 1:
            raise ValueError(f"bias {self.bias} out of range for E={e}; choose 0..{(1 << e) - 1}")
        if self.specials == "ieee" and m == 0:
            raise ValueError("an ieee-like format needs M >= 1 to encode NaN; use specials='fn'")

    # -- layout ---------------------------------------------------------------------------
    @property
    def width(self):
        return 1 + self.exponent_bits + self.mantissa_bits

    @property
    def code_dtype(self):
        return _code_dtype(self.width)

    @property
    def sign_mask(self):
        return 1 << (self.width - 1)

    @property
    def exponent_all_ones(self):
        return (1 << self.exponent_bits) - 1

    @property
    def mantissa_mask(self):
        return (1 << self.mantissa_bits) - 1

    # -- special values -------------------------------------------------------------------
    @property
    def has_inf(self):
        return self.specials == "ieee"

    @property
    def has_nan(self):
        return self.specials != "finite"

    @property
    def has_negative_zero(self):
        return self.specials != "fnuz"

    @property
    def nan_code(self):
        """The canonical NaN code (positive where the sign is free), or None."""
        if self.specials == "ieee":
            return (self.exponent_all_ones << self.mantissa_bits) | (1 << (self.mantissa_bits - 1))
        if self.specials == "fn":
            return self.sign_mask - 1
        if self.specials == "fnuz":
            return self.sign_mask
        return None

    @property
    def inf_code(self):
        """The +Inf code, or None."""
        return self.exponent_all_ones << self.mantissa_bits if self.has_inf else None

    # -- range ----------------------------------------------------------------------------
    @property
    def max_finite_code(self):
        """The positive code of the largest finite value."""
        if self.specials == "ieee":
            return ((self.exponent_all_ones - 1) << self.mantissa_bits) | self.mantissa_mask
        if self.specials == "fn":
            return self.sign_mask - 2
        return self.sign_mask - 1

    @property
    def max_biased_exponent(self):
        """The largest biased exponent of a finite value."""
        return self.max_finite_code >> self.mantissa_bits

    @property
    def max_finite(self):
        return float(self.decode(self.max_finite_code))

    @property
    def min_normal(self):
        return 2.0 ** (1 - self.bias)

    @property
    def min_subnormal(self):
        return 2.0 ** (1 - self.bias - self.mantissa_bits)

    # -- classification -------------------------------------------------------------------
    def check_codes(self, codes):
        """Return ``codes`` as int64; ValueError if any lies outside the format."""
        return _as_codes(codes, fmt=self)

    def fields(self, codes):
        """(sign, biased exponent, mantissa) of each code, as int64 arrays."""
        c = self.check_codes(codes)
        return (
            (c >> (self.width - 1)) & 1,
            (c >> self.mantissa_bits) & self.exponent_all_ones,
            c & self.mantissa_mask,
        )

    def is_nan(self, codes):
        c = self.check_codes(codes)
        magnitude = c & (self.sign_mask - 1)
        if self.specials == "ieee":
            return magnitude > self.inf_code
        if self.specials == "fn":
            return magnitude == self.sign_mask - 1
        if self.specials == "fnuz":
            return c == self.sign_mask
        return np.zeros(c.shape, dtype=bool)

    def is_inf(self, codes):
        c = self.check_codes(codes)
        if not self.has_inf:
            return np.zeros(c.shape, dtype=bool)
        return (c & (self.sign_mask - 1)) == self.inf_code

    def is_zero(self, codes):
        c = self.check_codes(codes)
        return ((c & (self.sign_mask - 1)) == 0) & ~self.is_nan(c)

    def is_subnormal(self, codes):
        _, e, m = self.fields(codes)
        return (e == 0) & (m != 0)

    def all_codes(self):
        """Every code of the format, in increasing order (refuses formats above 24 bits)."""
        if self.width > 24:
            raise ValueError(f"{self.name} has 2^{self.width} codes; sample them instead")
        return np.arange(1 << self.width, dtype=self.code_dtype)

    # -- decode ---------------------------------------------------------------------------
    @cached_property
    def _decode_table(self):
        return self._decode_direct(np.arange(1 << self.width, dtype=np.int64))

    def _decode_direct(self, c):
        s, e, m = (
            (c >> (self.width - 1)) & 1,
            (c >> self.mantissa_bits) & self.exponent_all_ones,
            c & self.mantissa_mask,
        )
        significand = np.where(e == 0, m, m + (1 << self.mantissa_bits)).astype(np.float64)
        scale = np.maximum(e, 1) - self.bias - self.mantissa_bits
        value = np.ldexp(significand, scale.astype(np.int32))
        value = np.where(s == 1, -value, value)
        value = np.where(self.is_inf(c), np.where(s == 1, -np.inf, np.inf), value)
        return np.where(self.is_nan(c), np.nan, value)

    def decode(self, codes):
        """Exact float64 value of each code (NaN for every NaN code)."""
        c = self.check_codes(codes)
        if self.width <= 16:
            return self._decode_table[c]
        return self._decode_direct(c)

    # -- encode ---------------------------------------------------------------------------
    def encode(self, values, *, overflow=Overflow.NONSAT):
        """Round float64 ``values`` to codes: nearest-even, subnormals, the given overflow mode."""
        overflow = Overflow.parse(overflow)
        x = np.asarray(values, dtype=np.float64)
        nan = np.isnan(x)
        if nan.any() and not self.has_nan:
            raise ValueError(f"{self.name} has no NaN; values must not be NaN")
        saturate = overflow is Overflow.SAT or not (self.has_nan or self.has_inf)
        sign = np.signbit(x).astype(np.int64)
        mag = np.abs(np.where(nan, 0.0, x))
        finite = np.isfinite(mag)
        mant53, exp2 = np.frexp(np.where(finite, mag, 0.0))  # mag = mant53 * 2^exp2
        # Place the value on the grid of the format's quantum at its binade:
        # quantum exponent q = max(exp2 - 1, 1 - bias) - M.
        q = np.maximum(exp2 - 1, 1 - self.bias) - self.mantissa_bits
        scaled = np.ldexp(mant53, (exp2 - q).astype(np.int32))  # mag / 2^q, exact in float64
        n = np.rint(scaled).astype(np.int64)  # numpy rint: ties to even
        # n counts quanta of 2^q; renormalize into (biased exponent, mantissa).
        hidden = 1 << self.mantissa_bits
        e_biased = np.where(n >= hidden, q + self.mantissa_bits + self.bias, 0)
        carry = n >= 2 * hidden  # rounding up to the next binade
        e_biased = np.where(carry, e_biased + 1, e_biased)
        n = np.where(carry, n >> 1, n)
        code = np.where(e_biased > 0, (e_biased << self.mantissa_bits) | (n - hidden), n)
        too_big = finite & (
            (e_biased > self.max_biased_exponent)
            | ((e_biased == self.max_biased_exponent) & (code > self.max_finite_code))
        )
        code = np.where(
            too_big | ~finite, self._overflow_code(saturate=saturate, infinite=False), code
        )
        if self.has_inf:
            code = np.where(~finite, self.inf_code, code)
        elif not saturate:
            code = np.where(~finite, self.nan_code, code)
        if self.specials == "fnuz":  # no negative zero
            sign = np.where(code == 0, 0, sign)
        code = code | (sign << (self.width - 1))
        if nan.any():
            code = np.where(nan, self.nan_code, code)
        return code.astype(self.code_dtype)

    def _overflow_code(self, *, saturate, infinite):
        if saturate:
            return self.max_finite_code
        return self.inf_code if self.has_inf else self.nan_code

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class IntFormat:
    """A two's-complement (``signed``) or unsigned integer of ``width`` bits, 1..64.

    Codes are the raw bit patterns (unsigned). ``encode`` wraps modulo 2^width.
    Operand formats are limited to 32 bits by the units; results may be up to 64 bits wide.
    """

    name: str
    width: int
    signed: bool = True

    def __post_init__(self):
        if not isinstance(self.width, (int, np.integer)) or not 1 <= self.width <= 64:
            raise ValueError(f"integer width {self.width!r} out of range; choose 1..64")

    @property
    def code_dtype(self):
        return _code_dtype(self.width) if self.width <= 32 else np.uint64

    @property
    def min_value(self):
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_value(self):
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def check_codes(self, codes):
        arr = np.asarray(codes)
        if self.width > 62:
            if arr.dtype.kind not in "iu":
                raise ValueError(f"codes for {self.name} must be integers, got dtype {arr.dtype}")
            return arr.astype(np.uint64)
        return _as_codes(arr, fmt=self)

    def decode(self, codes):
        """Integer value of each code, int64 (object ints above 63 bits)."""
        c = self.check_codes(codes)
        if self.width > 62:
            vals = np.array([int(v) for v in np.ravel(c)], dtype=object).reshape(c.shape)
            if self.signed:
                vals = np.where(vals >= (1 << (self.width - 1)), vals - (1 << self.width), vals)
            return vals
        if self.signed:
            return np.where(c >= (1 << (self.width - 1)), c - (1 << self.width), c)
        return c

    def encode(self, values):
        """Codes of integer ``values``, wrapping modulo 2^width (two's complement)."""
        arr = np.asarray(values)
        if arr.dtype == object:
            mask = (1 << self.width) - 1
            return np.array([int(v) & mask for v in np.ravel(arr)], dtype=self.code_dtype).reshape(
                arr.shape
            )
        if arr.dtype.kind not in "iub":
            raise ValueError(f"values for {self.name} must be integers, got dtype {arr.dtype}")
        if self.width >= 64:
            return arr.astype(np.int64).astype(np.uint64)
        return (arr.astype(np.int64) & ((1 << self.width) - 1)).astype(self.code_dtype)

    def all_codes(self):
        if self.width > 24:
            raise ValueError(f"{self.name} has 2^{self.width} codes; sample them instead")
        return np.arange(1 << self.width, dtype=self.code_dtype)

    def __str__(self):
        return self.name


def minifloat(*, exponent_bits, mantissa_bits, bias=None, specials="ieee", name=None):
    """An ExMy format; ``bias`` defaults to 2^(E-1) - 1 (2^(E-1) for ``fnuz``)."""
    if not isinstance(exponent_bits, int) or not 1 <= exponent_bits <= 8:
        raise ValueError(f"exponent bits E={exponent_bits} out of range; choose E in 1..8")
    if bias is None:
        bias = (1 << (exponent_bits - 1)) - (0 if specials == "fnuz" else 1)
    if name is None:
        name = f"e{exponent_bits}m{mantissa_bits}" + ("" if specials == "ieee" else specials)
        if bias != (1 << (exponent_bits - 1)) - (0 if specials == "fnuz" else 1):
            name += f"b{bias}"
    return FloatFormat(
        name=name,
        exponent_bits=exponent_bits,
        mantissa_bits=mantissa_bits,
        bias=bias,
        specials=specials,
    )


PRESETS = {
    "e4m3": FloatFormat("e4m3", 4, 3, 7, "fn"),
    "e5m2": FloatFormat("e5m2", 5, 2, 15, "ieee"),
    "e4m3fnuz": FloatFormat("e4m3fnuz", 4, 3, 8, "fnuz"),
    "e5m2fnuz": FloatFormat("e5m2fnuz", 5, 2, 16, "fnuz"),
    "bf16": FloatFormat("bf16", 8, 7, 127, "ieee"),
    "fp16": FloatFormat("fp16", 5, 10, 15, "ieee"),
    "fp32": FloatFormat("fp32", 8, 23, 127, "ieee"),
    "e2m1": FloatFormat("e2m1", 2, 1, 1, "finite"),
    "e3m2": FloatFormat("e3m2", 3, 2, 3, "finite"),
    "e2m3": FloatFormat("e2m3", 2, 3, 1, "finite"),
    **{
        f"{'u' if not signed else ''}int{w}": IntFormat(
            f"{'u' if not signed else ''}int{w}", w, signed
        )
        for w in (4, 8, 16, 32)
        for signed in (True, False)
    },
}

_EXMY = re.compile(r"e(\d+)m(\d+)(ieee|fn|fnuz|finite)?(?:b(\d+))?")


def get_format(name):
    """A preset by name (see ``PRESETS``), or a generic ``eXmY[fn|fnuz|finite][bBIAS]``."""
    if isinstance(name, (FloatFormat, IntFormat)):
        return name
    key = str(name).strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    match = _EXMY.fullmatch(key)
    if match:
        e, m, specials, bias = match.groups()
        return minifloat(
            exponent_bits=int(e),
            mantissa_bits=int(m),
            specials=specials or "ieee",
            bias=None if bias is None else int(bias),
        )
    raise ValueError(
        f"unknown format {name!r}; choose a preset ({', '.join(PRESETS)}) "
        f"or eXmY[fn|fnuz|finite][bBIAS]"
    )
