"""Operand vectors for co-verification: exhaustive, seeded random, and directed corners.

`vector_set(spec)` returns every operand pair when both operands together have at most 16
bits (65,536 pairs: all 8-bit x 8-bit units). Otherwise it returns ``count`` seeded random
pairs (default 1,000,000) plus the directed corners of the unit:

floating point (``fp_mul``, ``lmul``, ``fp_add``)
    every pair of the operand formats' special codes (+-0, min and max subnormal, min normal,
    1, max finite, +-Inf and every NaN class the format has: canonical, lowest and highest
    payload, both signs); each special against random codes; operand pairs whose exact result
    straddles the output's overflow threshold (max finite and the half-ULP above it), the
    underflow thresholds (min subnormal, half of it, min normal and the half-ULP below it),
    exact rounding ties (normal and subnormal results) and, for addition, cancellation.
    Random pairs are half uniform codes and half codes biased toward interesting exponents:
    products near the output's overflow and underflow exponents, sums with close exponents,
    mantissas near all-ones or with few bits set.
integer (``int_mul``, ``int_add``)
    every pair of min, min + 1, -1, 0, 1, max - 1, max (unsigned: 0, 1, the mid-range codes,
    max - 1, max); random pairs half uniform and half of random magnitude (every bit length).

The operand formats, biases and special codes are read from the spec's formats, never
restated here. The same ``seed`` gives the same vectors.
"""

from dataclasses import dataclass

import numpy as np

from picojoule.models.formats import FloatFormat, Overflow

__all__ = ["VectorSet", "vector_set", "EXHAUSTIVE_PAIRS", "DEFAULT_COUNT", "is_tie"]

EXHAUSTIVE_PAIRS = 1 << 16
DEFAULT_COUNT = 1_000_000


@dataclass(frozen=True)
class VectorSet:
    """Operand codes ``a``, ``b`` (uint64 arrays of equal length) and how they were made."""

    a: np.ndarray
    b: np.ndarray
    exhaustive: bool
    corners: int
    random: int

    def __len__(self):
        return int(self.a.size)

    @property
    def description(self):
        if self.exhaustive:
            return f"exhaustive ({len(self)} pairs)"
        return f"{self.random} random + {self.corners} corners"


def vector_set(spec, *, count=None, seed=0):
    """The vectors that verify ``spec`` (see the module docstring).

    ``count`` sets the number of random pairs (default `DEFAULT_COUNT`); it is ignored for
    exhaustively verifiable units.
    """
    a_fmt, b_fmt = spec.in_formats
    if (1 << (a_fmt.width + b_fmt.width)) <= EXHAUSTIVE_PAIRS:
        a = np.repeat(np.arange(1 << a_fmt.width, dtype=np.uint64), 1 << b_fmt.width)
        b = np.tile(np.arange(1 << b_fmt.width, dtype=np.uint64), 1 << a_fmt.width)
        return VectorSet(a=a, b=b, exhaustive=True, corners=0, random=0)
    count = DEFAULT_COUNT if count is None else int(count)
    if count < 0:
        raise ValueError(f"vector count must be >= 0, got {count}")
    rng = np.random.default_rng([seed, _stable_hash(spec.name)])
    if isinstance(a_fmt, FloatFormat):
        additive = spec.additive
        ca, cb = _float_corners(spec, rng, additive=additive)
        ra, rb = _float_random(spec, rng, count, additive=additive)
    else:
        ca, cb = _int_corners(a_fmt, b_fmt)
        ra, rb = _int_random(a_fmt, rng, count), _int_random(b_fmt, rng, count)
    a = np.concatenate([ca, ra]).astype(np.uint64)
    b = np.concatenate([cb, rb]).astype(np.uint64)
    for fmt, codes in ((a_fmt, a), (b_fmt, b)):
        fmt.check_codes(codes)
    return VectorSet(a=a, b=b, exhaustive=False, corners=int(ca.size), random=int(ra.size))


def _stable_hash(text):
    return int.from_bytes(text.encode()[:8].ljust(8, b"\0"), "little") ^ len(text)


def _cross(x, y):
    return np.repeat(x, y.size), np.tile(y, x.size)


# -- integers ------------------------------------------------------------------------------


def _int_corner_values(fmt):
    if fmt.signed:
        values = [fmt.min_value, fmt.min_value + 1, -1, 0, 1, fmt.max_value - 1, fmt.max_value]
    else:
        half = 1 << (fmt.width - 1)
        values = [0, 1, half - 1, half, fmt.max_value - 1, fmt.max_value]
    return np.unique(fmt.encode(np.array(values, dtype=np.int64)).astype(np.uint64))


def _int_corners(a_fmt, b_fmt):
    return _cross(_int_corner_values(a_fmt), _int_corner_values(b_fmt))


def _int_random(fmt, rng, count):
    half = count // 2
    uniform = rng.integers(0, 1 << fmt.width, size=half, dtype=np.uint64)
    bits = rng.integers(0, fmt.width + 1, size=count - half)
    magnitude = rng.integers(0, 1 << 62, size=count - half, dtype=np.uint64) >> (62 - bits).astype(
        np.uint64
    )
    negate = rng.random(count - half) < 0.5
    mask = np.uint64((1 << fmt.width) - 1)
    sized = np.where(negate, (~magnitude + np.uint64(1)) & mask, magnitude & mask)
    out = np.empty(count, dtype=np.uint64)
    out[0::2], out[1::2] = uniform[: (count + 1) // 2][: out[0::2].size], sized[: out[1::2].size]
    return out


# -- floats --------------------------------------------------------------------------------


def special_codes(fmt):
    """Positive and negative special codes of a float format (sorted, unique)."""
    m = fmt.mantissa_bits
    positive = [
        0,
        1,
        fmt.mantissa_mask,
        1 << m,
        fmt.max_finite_code,
        fmt.max_finite_code - 1,
        int(fmt.encode(1.0)),
    ]
    if fmt.has_inf:
        positive += [fmt.inf_code, fmt.inf_code + 1, fmt.nan_code, fmt.inf_code | fmt.mantissa_mask]
    elif fmt.has_nan:
        positive.append(fmt.nan_code & (fmt.sign_mask - 1))
    codes = set()
    for c in positive:
        codes.add(c)
        codes.add(c | fmt.sign_mask)
    if fmt.nan_code is not None:
        codes.add(fmt.nan_code)
    return np.array(sorted(codes), dtype=np.uint64)


def _random_finite_normal(fmt, rng, size):
    e = rng.integers(1, fmt.max_biased_exponent + 1, size=size).astype(np.uint64)
    m = rng.integers(0, 1 << fmt.mantissa_bits, size=size, dtype=np.uint64)
    s = rng.integers(0, 2, size=size).astype(np.uint64)
    codes = (s << np.uint64(fmt.width - 1)) | (e << np.uint64(fmt.mantissa_bits)) | m
    return np.minimum(codes & np.uint64(fmt.sign_mask - 1), np.uint64(fmt.max_finite_code)) | (
        codes & np.uint64(fmt.sign_mask)
    )


def is_tie(exact, *, fmt):
    """True where the float64 value ``exact`` lies exactly halfway between two codes of ``fmt``."""
    exact = np.asarray(exact, dtype=np.float64)
    finite = np.isfinite(exact) & (exact != 0)
    mant, e2 = np.frexp(np.where(finite, np.abs(exact), 1.0))
    q = np.maximum(e2 - 1, 1 - fmt.bias) - fmt.mantissa_bits
    scaled = np.ldexp(mant, (e2 - q).astype(np.int32))
    return finite & (scaled - np.floor(scaled) == 0.5)


def _exact_result(a, b, *, a_fmt, b_fmt, additive):
    """The exact float64 result and a mask of where float64 holds it exactly."""
    x, y = a_fmt.decode(a), b_fmt.decode(b)
    with np.errstate(all="ignore"):
        if not additive:
            exact = x * y
            ok = np.full(exact.shape, a_fmt.mantissa_bits + b_fmt.mantissa_bits + 2 <= 53)
            return exact, ok & np.isfinite(exact)
        s = x + y
        bb = s - x
        err = (x - (s - bb)) + (y - bb)  # TwoSum: s + err == x + y
        return s, np.isfinite(s) & (err == 0)


def _float_corners(spec, rng, *, additive):
    a_fmt, b_fmt = spec.in_formats
    out = spec.out_format
    sa, sb = special_codes(a_fmt), special_codes(b_fmt)
    pieces = [_cross(sa, sb)]
    per = 32
    ra = rng.integers(0, 1 << a_fmt.width, size=sb.size * per, dtype=np.uint64)
    rb = rng.integers(0, 1 << b_fmt.width, size=sa.size * per, dtype=np.uint64)
    pieces.append((np.repeat(sa, per), rb))
    pieces.append((ra, np.repeat(sb, per)))
    # thresholds of the output format: solve for b, then take its neighbouring codes
    half_ulp = 2.0 ** -(out.mantissa_bits + 1)
    targets = [
        out.max_finite,
        out.max_finite * (1 + half_ulp),
        out.min_normal,
        out.min_normal * (1 - half_ulp),
        out.min_subnormal,
        out.min_subnormal / 2,
        out.min_subnormal * 1.5,
        1.0,
    ]
    n = 96
    for target in targets:
        a = _random_finite_normal(a_fmt, rng, n)
        x = np.abs(a_fmt.decode(a))
        with np.errstate(all="ignore"):
            want = target - x if additive else target / x
        sign = (np.signbit(want)).astype(np.uint64)
        b0 = b_fmt.encode(np.abs(want), overflow=Overflow.SAT).astype(np.int64)
        a = a & np.uint64(a_fmt.sign_mask - 1)
        for d in (-2, -1, 0, 1, 2):
            b = np.clip(b0 + d, 0, b_fmt.sign_mask - 1).astype(np.uint64)
            flip = rng.integers(0, 2, size=n).astype(np.uint64)
            pieces.append(
                (
                    a | (flip << np.uint64(a_fmt.width - 1)),
                    b | ((sign ^ flip) << np.uint64(b_fmt.width - 1)),
                )
            )
    if additive:  # cancellation: b near -a
        a = _random_finite_normal(a_fmt, rng, n)
        if a_fmt == b_fmt:
            for d in (-2, -1, 0, 1, 2):
                mag = np.clip(
                    (a & np.uint64(a_fmt.sign_mask - 1)).astype(np.int64) + d,
                    0,
                    a_fmt.max_finite_code,
                ).astype(np.uint64)
                pieces.append((a, mag | (~a & np.uint64(a_fmt.sign_mask))))
    pieces.append(_ties(spec, rng, additive=additive))
    a = np.concatenate([p[0] for p in pieces]).astype(np.uint64)
    b = np.concatenate([p[1] for p in pieces]).astype(np.uint64)
    return a, b


def _ties(spec, rng, *, additive, want=2048):
    """Operand pairs whose exact result is a rounding tie in the output format."""
    a_fmt, b_fmt = spec.in_formats
    out = spec.out_format
    n = 1 << 15
    found_a, found_b = [], []
    for _ in range(8):
        a = _random_finite_normal(a_fmt, rng, n)
        if additive:
            # b = odd multiple of half an ULP of a (or of a subnormal-range quantum)
            x = np.abs(a_fmt.decode(a))
            _, e2 = np.frexp(x)
            k = rng.integers(0, 4, size=n) * 2 + 1
            shift = rng.integers(0, 3, size=n)
            y = np.ldexp(
                k.astype(np.float64), (e2 - 2 - out.mantissa_bits - shift).astype(np.int32)
            )
            b = b_fmt.encode(y, overflow=Overflow.SAT).astype(np.uint64)
            b |= rng.integers(0, 2, size=n).astype(np.uint64) << np.uint64(b_fmt.width - 1)
        else:
            # sparse mantissas make short products; random exponents reach subnormal results
            b = _random_finite_normal(b_fmt, rng, n)
            keep = rng.integers(0, b_fmt.mantissa_bits + 1, size=n)
            top = np.uint64(b_fmt.mantissa_bits) - keep.astype(np.uint64)
            mmask = np.uint64(b_fmt.mantissa_mask)
            sparse = ((b & mmask) >> top) << top
            b = (b & ~mmask) | (sparse & mmask)
            b_exp_sum = rng.random(n) < 0.3
            x = a_fmt.decode(a)
            target = np.ldexp(
                1.0,
                rng.integers(1 - out.bias - out.mantissa_bits, 2 - out.bias, size=n).astype(
                    np.int32
                ),
            )
            scale = b_fmt.encode(np.abs(target / np.where(x == 0, 1, x)), overflow=Overflow.SAT)
            b_exp = scale.astype(np.uint64) & ~mmask & np.uint64(b_fmt.sign_mask - 1)
            b = np.where(b_exp_sum, (b & np.uint64(b_fmt.sign_mask)) | b_exp | (b & mmask), b)
        exact, ok = _exact_result(a, b, a_fmt=a_fmt, b_fmt=b_fmt, additive=additive)
        tie = ok & is_tie(exact, fmt=out)
        found_a.append(a[tie])
        found_b.append(b[tie])
        if sum(x.size for x in found_a) >= want:
            break
    return np.concatenate(found_a)[:want], np.concatenate(found_b)[:want]


def _structured_exponents(spec, rng, size, *, additive):
    a_fmt, b_fmt = spec.in_formats
    out = spec.out_format
    ea = rng.integers(0, a_fmt.exponent_all_ones + 1, size=size)
    if additive:
        jitter = rng.integers(-(out.mantissa_bits + 3), out.mantissa_bits + 4, size=size)
        eb = ea - a_fmt.bias + b_fmt.bias + jitter
    else:
        e_min = 1 - out.bias  # unbiased, min normal
        e_max = out.max_biased_exponent - out.bias
        zone = rng.integers(0, 3, size=size)
        lo = np.choose(zone, [e_min - out.mantissa_bits - 2, e_max - 1, e_min])
        hi = np.choose(zone, [e_min + 1, e_max + 1, e_max])
        target = rng.integers(lo, hi + 1)
        eb = target - (ea - a_fmt.bias) + b_fmt.bias + rng.integers(-1, 2, size=size)
    return ea, np.clip(eb, 0, b_fmt.exponent_all_ones)


def _mantissas(fmt, rng, size):
    m = rng.integers(0, 1 << fmt.mantissa_bits, size=size, dtype=np.uint64)
    kind = rng.integers(0, 4, size=size)
    small = rng.integers(0, 4, size=size).astype(np.uint64)
    mask = np.uint64(fmt.mantissa_mask)
    near_ones = (mask - np.minimum(small, mask)) & mask
    return np.where(kind == 2, near_ones, np.where(kind == 3, small & mask, m))


def _float_random(spec, rng, count, *, additive):
    a_fmt, b_fmt = spec.in_formats
    half = count // 2
    ua = rng.integers(0, 1 << a_fmt.width, size=half, dtype=np.uint64)
    ub = rng.integers(0, 1 << b_fmt.width, size=half, dtype=np.uint64)
    k = count - half
    ea, eb = _structured_exponents(spec, rng, k, additive=additive)
    parts = []
    for fmt, e in ((a_fmt, ea), (b_fmt, eb)):
        s = rng.integers(0, 2, size=k).astype(np.uint64)
        parts.append(
            (s << np.uint64(fmt.width - 1))
            | (e.astype(np.uint64) << np.uint64(fmt.mantissa_bits))
            | _mantissas(fmt, rng, k)
        )
    return np.concatenate([ua, parts[0]]), np.concatenate([ub, parts[1]])
