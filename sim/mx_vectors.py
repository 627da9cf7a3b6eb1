"""Block operands for verifying mx_dot units: exhaustive k = 1, directed blocks and random ones.

`block_vectors(spec, count=N)`:

k = 1
    every pair of element codes, each with every scale pair of `scale_pairs` (8 pairs:
    typical, smallest, largest, mixed, NaN in A, NaN in B, negative or tiny), no random part.
k > 1
    directed blocks, then ``count`` random blocks: half Gaussian data quantized to the block
    formats (`picojoule.models.mx_formats.quantize`, random magnitudes per block), half
    uniform element codes with scales uniform over the whole scale format or near 2^0.
    Directed: NaN scale in A and in B, smallest and largest scales, all zeros, exact
    cancellation to zero, results in fp32 subnormals (and exact ties there), overflow to Inf,
    and ties at the final rounding of normal results (power-of-two products 2^24 apart).

The same ``seed`` gives the same blocks. Blocks are element codes (n, k) and scale codes (n,)
per operand; `BlockVectors.a` / ``.b`` pack them into port words (Python ints).
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from picojoule.models.mx_dot import accumulator_layout
from picojoule.models.mx_formats import quantize

__all__ = ["BlockVectors", "block_vectors", "scale_pairs", "hex_words"]

E8M0_PAIRS = ((127, 127), (0, 0), (254, 254), (0, 254), (255, 127), (127, 255), (1, 127), (90, 160))
E4M3_PAIRS = (
    (0x38, 0x38),
    (0x01, 0x01),
    (0x7E, 0x7E),
    (0x00, 0x38),
    (0x7F, 0x38),
    (0x38, 0xFF),
    (0xB8, 0x38),
    (0x08, 0x50),
)


def scale_pairs(spec):
    """The 8 (scale A, scale B) pairs of the exhaustive k = 1 check."""
    return E8M0_PAIRS if spec.scale == "e8m0" else E4M3_PAIRS


@dataclass(frozen=True)
class BlockVectors:
    """Block operands of one unit and how they were made."""

    spec: object
    a_elements: np.ndarray
    a_scales: np.ndarray
    b_elements: np.ndarray
    b_scales: np.ndarray
    exhaustive: bool
    directed: int
    random: int

    def __len__(self):
        return int(self.a_scales.size)

    @property
    def description(self):
        if self.exhaustive:
            return f"exhaustive k=1 ({len(self)} blocks: element pairs x 8 scale pairs)"
        return f"{self.random} random + {self.directed} directed blocks"

    @cached_property
    def a(self):
        return self.spec.in_formats[0].pack(self.a_elements, self.a_scales)

    @cached_property
    def b(self):
        return self.spec.in_formats[1].pack(self.b_elements, self.b_scales)

    def subset(self, index):
        """The blocks at ``index`` (an index array or slice), as a new `BlockVectors`."""
        parts = [x[index] for x in (self.a_elements, self.a_scales, self.b_elements, self.b_scales)]
        return BlockVectors(
            self.spec, *parts, exhaustive=False, directed=0, random=int(parts[1].size)
        )

    def golden(self):
        return np.asarray(
            self.spec.golden_blocks(self.a_elements, self.a_scales, self.b_elements, self.b_scales)
        )


def hex_words(elements, scales, *, fmt):
    """Packed block words as lines of hex digits (``$readmemh``), vectorized."""
    elements = np.asarray(elements).astype(np.uint8)  # codes of at most 8 bits
    n, k = elements.shape
    w = fmt.element.width
    digits = -(-(k * w + 8) // 4)
    bits = np.zeros((n, 8 * -(-digits // 2)), dtype=np.uint8)
    bits[:, : k * w] = ((elements[..., None] >> np.arange(w, dtype=np.uint8)) & 1).reshape(n, -1)
    scales = np.asarray(scales).astype(np.uint8)
    bits[:, k * w : k * w + 8] = (scales[:, None] >> np.arange(8, dtype=np.uint8)) & 1
    packed = np.packbits(bits, axis=1, bitorder="little")
    nibbles = np.stack([packed & 15, packed >> 4], axis=2).reshape(n, -1)[:, :digits][:, ::-1]
    table = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    text = np.empty((n, digits + 1), dtype=np.uint8)
    text[:, :-1] = table[nibbles]
    text[:, -1] = ord("\n")
    return text.tobytes()


def _exhaustive(spec):
    a_fmt, b_fmt = spec.in_formats
    na, nb = 1 << a_fmt.element.width, 1 << b_fmt.element.width
    ea = np.repeat(np.arange(na), nb)
    eb = np.tile(np.arange(nb), na)
    pairs = np.array(scale_pairs(spec))
    m = ea.size
    return (
        np.tile(ea, len(pairs))[:, None],
        np.repeat(pairs[:, 0], m),
        np.tile(eb, len(pairs))[:, None],
        np.repeat(pairs[:, 1], m),
    )


def _gaussian(spec, rng, n):
    a_fmt, b_fmt = spec.in_formats
    k = spec.k
    out = []
    for fmt in (a_fmt, b_fmt):
        x = rng.standard_normal((n, k)) * np.exp2(rng.integers(-30, 30, (n, 1)))
        x[rng.random((n, k)) < 0.05] = 0.0
        t = quantize(x, fmt=fmt)
        out += [t.elements.reshape(n, k).astype(np.int64), t.scales.reshape(n).astype(np.int64)]
    return out


def _uniform(spec, rng, n):
    a_fmt, b_fmt = spec.in_formats
    k = spec.k
    out = []
    for fmt in (a_fmt, b_fmt):
        elements = rng.integers(0, 1 << fmt.element.width, (n, k))
        wide = rng.integers(0, 256, n)
        near = (127 if spec.scale == "e8m0" else 0x38) + rng.integers(-12, 13, n)
        out += [elements, np.where(rng.random(n) < 0.5, wide, near)]
    return out


def _codes_of(elem, values):
    return elem.encode(np.asarray(values, dtype=np.float64)).astype(np.int64)


def _directed(spec, rng):
    a_fmt, b_fmt = spec.in_formats
    ae, be, k = a_fmt.element, b_fmt.element, spec.k
    one = 127 if spec.scale == "e8m0" else 0x38
    nan = 255 if spec.scale == "e8m0" else 0x7F
    lo, hi = (0, 254) if spec.scale == "e8m0" else (0x01, 0x7E)
    blocks = []

    def add(ea_, xa, eb_, xb):
        blocks.append((np.asarray(ea_), int(xa), np.asarray(eb_), int(xb)))

    g = _gaussian(spec, rng, 64)
    for i in range(8):
        add(g[0][i], nan, g[2][i], g[3][i])
        add(g[0][i], g[1][i], g[2][i], nan)
        for xa, xb in ((lo, lo), (hi, hi), (lo, hi), (hi, lo)):
            add(g[0][i], xa, g[2][i], xb)
    add(np.zeros(k), one, np.zeros(k), one)
    add(np.zeros(k), lo, np.zeros(k), hi)
    big_a = _codes_of(ae, np.full(k, ae.max_normal))
    big_b = _codes_of(be, np.full(k, be.max_normal))
    add(big_a, hi, big_b, hi)  # overflow to Inf
    add(big_a, hi, _codes_of(be, -np.full(k, be.max_normal)), hi)
    if k >= 2:  # exact cancellation: the second half repeats the first with B negated
        h = k // 2
        for i in range(16):
            x = ae.decode(g[0][i])
            y = be.decode(g[2][i])
            xs = np.concatenate([x[:h], x[:h], np.zeros(k - 2 * h)])
            ys = np.concatenate([y[:h], -y[:h], np.zeros(k - 2 * h)])
            add(_codes_of(ae, xs), g[1][i], _codes_of(be, ys), g[3][i])
    # results in fp32 subnormals: the sum's LSB at 2^-150 (E8M0) makes odd sums exact ties
    if spec.scale == "e8m0":
        lsb, _ = accumulator_layout(ae, be, k, spec.products)
        for target in (-150, -149, -140, -160):
            total = target - lsb + 254
            xa = int(np.clip(total // 2, 0, 254))
            xb = int(np.clip(total - xa, 0, 254))
            for i in range(16):
                add(g[0][16 + i], xa, g[2][16 + i], xb)
    # ties of normal results: two power-of-two products 2^24 apart (and 2^23 + 2^24)
    pa = [c for c in range(1 << ae.width) if _is_power_of_two(ae.decode([c])[0])]
    pb = [c for c in range(1 << be.width) if _is_power_of_two(be.decode([c])[0])]
    if k >= 3:
        value = {c: ae.decode([c])[0] for c in pa}
        value_b = {c: be.decode([c])[0] for c in pb}
        products = {}
        for x in pa:
            for y in pb:
                products.setdefault(value[x] * value_b[y], (x, y))
        for p1, (x1, y1) in sorted(products.items(), reverse=True)[:6]:
            for extra in (0, 1):
                p2, p3 = p1 * 2.0**-24, p1 * 2.0**-23
                if p2 in products and (not extra or p3 in products):
                    ea_, eb_ = np.zeros(k, np.int64), np.zeros(k, np.int64)
                    ea_[0], eb_[0] = x1, y1
                    ea_[1], eb_[1] = products[p2]
                    if extra:
                        ea_[2], eb_[2] = products[p3]
                    add(ea_, one, eb_, one)
    return [np.array([b[j] for b in blocks]) for j in range(4)]


def _is_power_of_two(v):
    return np.isfinite(v) and v > 0 and np.frexp(v)[0] == 0.5


def block_vectors(spec, *, count=100_000, seed=0):
    """The blocks that verify ``spec`` (see the module docstring)."""
    if spec.k == 1:
        parts = _exhaustive(spec)
        return BlockVectors(spec, *parts, exhaustive=True, directed=0, random=0)
    rng = np.random.default_rng([seed, sum(spec.name.encode())])
    directed = _directed(spec, rng)
    half = count // 2
    gaussian = _gaussian(spec, rng, half)
    uniform = _uniform(spec, rng, count - half)
    parts = [
        np.concatenate([d.astype(np.int64), g.astype(np.int64), u.astype(np.int64)])
        for d, g, u in zip(directed, gaussian, uniform)
    ]
    return BlockVectors(
        spec, *parts, exhaustive=False, directed=len(directed[1]), random=int(count)
    )
