"""Golden LUT mpGEMM (LUT Tensor Core, Mo et al. ISCA 2025; T-MAC): bit-exact numpy model.

Numeric contract
----------------
Weights are unsigned W-bit codes ``q`` in ``[0, 2^W - 1]`` (W = 1..4), dequantized as
``r = s (q - z)`` with a scale ``s`` and zero point ``z`` per quantization group (a run of
``group_size`` rows of K along one output column). Offline each code is reinterpreted as the odd
symmetric value ``q' = 2q - (2^W - 1)``, so ``q = (q' + 2^W - 1) / 2`` exactly and bit-plane ``b``
of ``q`` contributes ``(2 bit - 1) 2^b`` to ``q'``.

Activations come in groups of ``k`` (the tile's K, default 4). For each group the full table
``T[i] = sum_j (2 i_j - 1) a_j`` over the ``2^k`` indices is odd: ``T[~i] = -T[i]``. Only the half
with index bit ``k-1`` clear is stored (``2^(k-1)`` entries, `table_precompute`); the stored weight
word of one bit-plane (`encode_weight_indices`) carries that bit as a *sign* bit and the low
``k-1`` index bits already complemented when the sign is set, so the hardware reads
``T_half[low]`` and negates it when the sign bit is set (`table_lookup`). ``T_half[0] = -sum a``:
the zero-point term comes from the table.

Per output ``(m, n)`` the tile accumulates, bit-serially over planes, ``P = sum_g sum_b 2^b
(+-T_half[idx])`` (``= sum_k a_k q'_k``) and, per row, ``Z = sum_g T_half[0]`` (``= -sum a``).
Then ``sum_k a_k q_k = (P - (2^W - 1) Z) / 2`` (always an exact halving for integers), and with
scales and zero points ``sum_k a_k r_k = sum_groups (s / 2) (P - z' (-Z))`` with
``z' = 2z + 1 - 2^W``.

Integer activations (int8, int16): every quantity is an exact integer and the result equals the
direct integer GEMM ``A @ W`` exactly. The hardware accumulator of ``acc_width`` bits holds ``P``;
`LutGemmSpec.check_depth` refuses a K whose worst case does not fit.

Float activations (fp16, bf16, e4m3, any ``FloatFormat``): three formats and a fixed order.

1. Table (``table_format``, default the activation format): ``T_half[j]`` is the left fold
   ``t = -a_0 or +a_0``; ``t = round(t -+ a_j)`` for ``j = 1..k-1``, each addition rounded to
   nearest even in ``table_format`` (negation is exact). For ``k = 1`` the single entry
   ``-a_0`` is rounded to ``table_format``.
2. Accumulation (``acc_format``, default fp32), per output, groups in order and within a group
   planes ``b = 0..W-1``: ``acc = round(acc + (+-T_half[idx]) * 2^b)``; the ``2^b`` scaling adds
   ``b`` to the exponent (exact in the wider accumulator format), one rounding per addition.
   Per row: ``Z = round(Z + T_half[0])`` once per group.
3. Output: ``C = round(round(acc - round((2^W - 1) Z)) / 2)``, all in ``acc_format``.

Scales and zero points are applied afterwards in float64 (see `lut_mpgemm`). Additions are
evaluated in float64 and rounded once with `FloatFormat.encode`; float64 holds every sum of two
fp16 or e4m3 values exactly, and for bf16/fp32 it has more than 2p + 2 bits, so rounding the
float64 sum again is the correctly rounded sum (double rounding is innocuous, Figueroa 1995).
"""

import functools
from dataclasses import dataclass

import numpy as np

from picojoule.models.formats import FloatFormat, IntFormat, Overflow, get_format

__all__ = [
    "LutGemmSpec",
    "ACT_FORMATS",
    "check_weight_codes",
    "symmetric_weights",
    "bit_planes",
    "encode_weight_indices",
    "table_precompute",
    "table_lookup",
    "lut_mpgemm",
    "direct_gemm",
    "fp_error",
]

ACT_FORMATS = ("int8", "int16", "fp16", "bf16", "e4m3")
MAX_K = 8


def _positive_int(value, *, label, low=1, high=None):
    if (
        not isinstance(value, (int, np.integer))
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        valid = f"{low}..{high}" if high is not None else f">= {low}"
        raise ValueError(f"{label} must be a whole number in {valid}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class LutGemmSpec:
    """An M x N x K LUT tensor-core tile and the numeric contract of the GEMM it computes.

    Parameters
    ----------
    m : int
        Rows of activations per tile (one table per row), default 2.
    n : int
        Weight columns per tile (one mux cell and accumulator per row and column), default 64.
    k : int
        Activations per table (group size), 1..8, default 4; a table has 2^(k-1) entries.
    wbits : int
        Weight bits W, 1..4; a weight takes W cycles (bit-serial).
    act : str or format
        Activation format: an integer format (int8, int16) or a float format (fp16, bf16, e4m3).
    acc_width : int
        Integer accumulator width in bits (two's complement), used for integer activations.
    table_format, acc_format : str or FloatFormat
        Float activations only: the table's format (default: the activation format) and the
        accumulator's (default fp32). See the module docstring for the rounding order.
    """

    m: int = 2
    n: int = 64
    k: int = 4
    wbits: int = 2
    act: object = "int8"
    acc_width: int = 32
    table_format: object = None
    acc_format: object = "fp32"

    def __post_init__(self):
        _positive_int(self.m, label="tile M")
        _positive_int(self.n, label="tile N")
        _positive_int(self.k, label="group size K", high=MAX_K)
        _positive_int(self.wbits, label="wbits", high=4)
        act = get_format(self.act)
        if isinstance(act, IntFormat):
            if not act.signed or act.width not in (8, 16):
                raise ValueError(
                    f"activation format {act.name} unsupported; choose from "
                    f"{', '.join(ACT_FORMATS)}"
                )
        object.__setattr__(self, "act", act)
        _positive_int(self.acc_width, label="accumulator width", low=8, high=64)
        if isinstance(act, FloatFormat):
            table = get_format(self.table_format if self.table_format is not None else act)
            acc = get_format(self.acc_format)
            for role, fmt in (("table", table), ("accumulator", acc)):
                if not isinstance(fmt, FloatFormat):
                    raise ValueError(
                        f"{role} format {fmt.name} must be a float format for float "
                        f"activations (e.g. fp16, fp32)"
                    )
            object.__setattr__(self, "table_format", table)
            object.__setattr__(self, "acc_format", acc)
        else:
            object.__setattr__(self, "table_format", None)
            object.__setattr__(self, "acc_format", None)

    # -- derived ----------------------------------------------------------------------------
    @property
    def is_float(self):
        return isinstance(self.act, FloatFormat)

    @property
    def table_entries(self):
        """Stored entries per table: 2^(k-1) (half table by odd symmetry)."""
        return 1 << (self.k - 1)

    @property
    def table_width(self):
        """Bits of a signed integer table entry: |T| <= k * 2^(A-1)."""
        return self.act.width + max(self.k - 1, 0).bit_length() + 1

    @property
    def peak_macs_per_cycle(self):
        """Weight-times-activation products per cycle at full occupancy: M N K / W."""
        return self.m * self.n * self.k / self.wbits

    @property
    def planes(self):
        """Steps per group of K activations: W (one bit-plane of the weights per step)."""
        return self.wbits

    @property
    def weight_lanes(self):
        """(lanes, bits per lane) of the weight word of one step: N encoded K-bit indices."""
        return self.n, self.k

    def weight_steps(self, codes):
        """The weight words of every step: ``codes`` (K_total x N) -> (groups, planes, N) lanes
        (`encode_weight_indices`, one bit-plane per step)."""
        return encode_weight_indices(codes, k=self.k, wbits=self.wbits).transpose(1, 0, 2)

    @property
    def pipelinable(self):
        """Whether the tile has a variant with a register between table read and accumulation
        (the integer LUT tile)."""
        return not self.is_float

    @property
    def name(self):
        act = self.act.name
        acc = (
            f"a{self.acc_width}"
            if not self.is_float
            else f"t{self.table_format.name}_{self.acc_format.name}"
        )
        return f"lut_m{self.m}_n{self.n}_k{self.k}_w{self.wbits}_{act}_{acc}"

    def params(self):
        out = {"m": self.m, "n": self.n, "k": self.k, "wbits": self.wbits, "act": self.act.name}
        if self.is_float:
            out.update(table=self.table_format.name, acc=self.acc_format.name)
        else:
            out["acc_width"] = self.acc_width
        return out

    @property
    def contract(self):
        if self.is_float:
            acc = self.acc_format.name
            return (
                f"LUT mpGEMM W{self.wbits} x {self.act.name}: tables in "
                f"{self.table_format.name} (left fold, RNE), bit-serial accumulation in "
                f"{acc} (RNE per addition), output (P - (2^W - 1) Z) / 2 with one {acc} "
                f"rounding per operation"
            )
        return (
            f"LUT mpGEMM W{self.wbits} x {self.act.name}: exact integer, "
            f"{self.acc_width}-bit accumulators"
        )

    def max_depth(self):
        """Largest reduction length K_total whose worst case fits the integer accumulator."""
        worst_per_k = (1 << (self.act.width - 1)) * ((1 << self.wbits) - 1)
        return ((1 << (self.acc_width - 1)) - 1) // worst_per_k

    def check_depth(self, depth):
        """ValueError if a reduction of ``depth`` could overflow the integer accumulator."""
        if not self.is_float and depth > self.max_depth():
            raise ValueError(
                f"K={depth} may overflow the {self.acc_width}-bit accumulator "
                f"(max K {self.max_depth()}); raise acc_width"
            )


# -- weights ----------------------------------------------------------------------------------
def check_weight_codes(codes, *, wbits):
    """Return ``codes`` as int64; ValueError if not integers in [0, 2^W - 1]."""
    _positive_int(wbits, label="wbits", high=4)
    arr = np.asarray(codes)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"weight codes must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() > (1 << wbits) - 1):
        raise ValueError(
            f"weight codes out of range for wbits={wbits}: values must be in "
            f"[0, {(1 << wbits) - 1}]"
        )
    return arr


def symmetric_weights(codes, *, wbits):
    """The odd symmetric reinterpretation ``q' = 2q - (2^W - 1)`` of unsigned codes."""
    return 2 * check_weight_codes(codes, wbits=wbits) - ((1 << wbits) - 1)


def bit_planes(codes, *, wbits):
    """Bit-planes of unsigned codes: array of shape ``(wbits, *codes.shape)`` with 0/1 entries."""
    q = check_weight_codes(codes, wbits=wbits)
    return np.stack([(q >> b) & 1 for b in range(wbits)])


def _pad_rows(x, multiple):
    rows = x.shape[0]
    pad = -rows % multiple
    if pad:
        x = np.concatenate([x, np.zeros((pad, *x.shape[1:]), dtype=x.dtype)])
    return x


def encode_weight_indices(codes, *, k, wbits):
    """Offline weight encoding: the stored K-bit word per (bit-plane, group, column).

    ``codes`` is K_total x N; rows are padded with zeros to a multiple of ``k``. Returns int64
    array of shape ``(wbits, groups, N)``: bit ``k-1`` is the sign (index bit ``k-1`` of the
    bit-plane), the low ``k-1`` bits the half-table index, complemented when the sign is set.
    """
    planes = bit_planes(codes, wbits=wbits)  # (W, Kt, N)
    planes = np.moveaxis(_pad_rows(np.moveaxis(planes, 1, 0), k), 0, 1)
    w, kt, n = planes.shape
    grouped = planes.reshape(w, kt // k, k, n)
    weights = (1 << np.arange(k, dtype=np.int64))[None, None, :, None]
    index = (grouped * weights).sum(axis=2)  # full index i
    sign = (index >> (k - 1)) & 1
    low_mask = (1 << (k - 1)) - 1
    low = np.where(sign == 1, ~index & low_mask, index & low_mask)
    return (sign << (k - 1)) | low


def _fp_rules(fn):
    """Run ``fn`` with numpy's invalid-operation warning off: Inf - Inf = NaN is the contract."""

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with np.errstate(invalid="ignore"):
            return fn(*args, **kwargs)

    return wrapped


# -- tables -----------------------------------------------------------------------------------
def _signs(k):
    """(2^(k-1), k) matrix of +-1: entry j, position i is 2 * bit_i(j) - 1 (bit k-1 is 0)."""
    j = np.arange(1 << (k - 1))[:, None]
    return 2 * ((j >> np.arange(k)[None, :]) & 1) - 1


@_fp_rules
def table_precompute(groups, *, k, fmt=None):
    """Half tables of activation groups.

    ``groups`` has shape ``(..., k)``; returns ``(..., 2^(k-1))`` with
    ``T_half[j] = sum_i (2 bit_i(j) - 1) a_i``. Integers: exact int64. With a ``FloatFormat``
    ``fmt`` the groups are float64 values and each partial sum of the left fold is rounded to
    ``fmt`` (RNE); the result is float64 values of ``fmt``.
    """
    signs = _signs(k)
    if fmt is None:
        return np.asarray(groups, dtype=np.int64) @ signs.T
    a = np.asarray(groups, dtype=np.float64)
    t = a[..., None, 0] * signs[:, 0]
    for i in range(1, k):
        t = _round(t + a[..., None, i] * signs[:, i], fmt)
    return _round(t, fmt) if k == 1 else t


def table_lookup(tables, words, *, k):
    """Signed table read: ``T_half[low]``, negated when the sign bit (bit k-1) is set.

    ``tables`` is ``(..., 2^(k-1))``; ``words`` is broadcast against ``tables[..., 0]``.
    """
    words = np.asarray(words)
    sign = (words >> (k - 1)) & 1
    low = words & ((1 << (k - 1)) - 1)
    value = np.take_along_axis(tables, low[..., None], axis=-1)[..., 0]
    return np.where(sign == 1, -value, value)


def _round(x, fmt):
    return fmt.decode(fmt.encode(x, overflow=Overflow.NONSAT))


# -- the GEMM ---------------------------------------------------------------------------------
def _activation_values(a, spec):
    a = np.asarray(a)
    if spec.is_float:
        return spec.act.decode(spec.act.check_codes(a))
    if a.dtype.kind not in "iu":
        raise ValueError(f"integer activations must have an integer dtype, got {a.dtype}")
    a = a.astype(np.int64)
    if a.size and (a.min() < spec.act.min_value or a.max() > spec.act.max_value):
        raise ValueError(
            f"activations out of range for {spec.act.name}: values must be in "
            f"[{spec.act.min_value}, {spec.act.max_value}]"
        )
    return a


def _check_shapes(a, w):
    if a.ndim != 2 or w.ndim != 2:
        raise ValueError(f"A must be M x K and W K x N (2-D), got shapes {a.shape} and {w.shape}")
    if a.shape[1] != w.shape[0]:
        raise ValueError(
            f"shapes do not match: A is {a.shape[0]}x{a.shape[1]} but W is "
            f"{w.shape[0]}x{w.shape[1]}; A's columns must equal W's rows"
        )


def _partials_int(a, words, spec, chunk=64):
    """Integer P (M, G, N) per group and Z (M, G) per group, exactly as the tile adds them."""
    m = a.shape[0]
    groups = _pad_rows(a.T, spec.k).T.reshape(m, -1, spec.k)  # (M, G, k)
    tables = table_precompute(groups, k=spec.k)  # (M, G, H)
    g_count = tables.shape[1]
    p = np.zeros((m, g_count, words.shape[2]), dtype=np.int64)
    for lo in range(0, g_count, chunk):
        hi = min(lo + chunk, g_count)
        t = tables[:, lo:hi, None, :]  # (M, g, 1, H)
        for b in range(spec.wbits):
            p[:, lo:hi] += table_lookup(t, words[b, lo:hi][None], k=spec.k) << b
    return p, tables[:, :, 0]


@_fp_rules
def _accumulate_float(a, words, spec):
    """Float P (M, N) and Z (M,) in the stated order and formats, and the output C."""
    m = a.shape[0]
    groups = _pad_rows(a.T, spec.k).T.reshape(m, -1, spec.k)
    tables = table_precompute(groups, k=spec.k, fmt=spec.table_format)
    acc_fmt = spec.acc_format
    acc = np.zeros((m, words.shape[2]))
    z = np.zeros(m)
    for g in range(tables.shape[1]):
        t = tables[:, g, None, :]
        for b in range(spec.wbits):
            acc = _round(acc + table_lookup(t, words[b, g][None], k=spec.k) * 2.0**b, acc_fmt)
        z = _round(z + tables[:, g, 0], acc_fmt)
    corr = _round(((1 << spec.wbits) - 1) * z, acc_fmt)
    return _round(_round(acc - corr[:, None], acc_fmt) * 0.5, acc_fmt)


def lut_mpgemm(a, w, *, spec, scales=None, zero_points=None, group_size=None):
    """The LUT tensor core's GEMM ``C = A @ dequant(W)``, bit-exact to the hardware contract.

    Parameters
    ----------
    a : array (M, K)
        Activations: integers of ``spec.act`` or, for a float format, its codes.
    w : array (K, N)
        Unsigned weight codes of ``spec.wbits`` bits.
    spec : LutGemmSpec
        Group size, weight bits and formats (the tile's M and N do not change the result).
    scales, zero_points : array (K / group_size, N), optional
        Per-group weight scales ``s`` and zero points ``z`` (``r = s (q - z)``); float64.
    group_size : int, optional
        Rows of K per quantization group (a multiple of ``spec.k``; default all of K).

    Returns
    -------
    ndarray (M, N)
        Without scales or zero points: ``sum_k a q`` as exact int64 (integer activations) or
        float64 values of ``spec.acc_format`` (float activations). With them: float64
        ``sum_groups (s / 2) (P - z' sum a)`` from the exact integer (or rounded float) partials.
    """
    a_in, w = np.asarray(a), check_weight_codes(w, wbits=spec.wbits)
    _check_shapes(a_in, w)
    a = _activation_values(a_in, spec)
    kt = a.shape[1]
    if not spec.is_float:
        spec.check_depth(kt)
    words = encode_weight_indices(w, k=spec.k, wbits=spec.wbits)
    full = (1 << spec.wbits) - 1
    if scales is None and zero_points is None:
        if spec.is_float:
            return _accumulate_float(a, words, spec)
        p, z = _partials_int(a, words, spec)
        twice = p.sum(axis=1) - full * z.sum(axis=1)[:, None]
        assert not (twice & 1).any(), "LUT identity broken: 2 * sum(a q) must be even"
        return twice >> 1
    group_size = kt if group_size is None else _positive_int(group_size, label="group_size")
    if group_size % spec.k:
        raise ValueError(
            f"group_size {group_size} must be a multiple of the table group K={spec.k}"
        )
    n_groups = -(-kt // group_size)
    s = np.ones((n_groups, w.shape[1])) if scales is None else np.asarray(scales, np.float64)
    zp = (
        np.zeros((n_groups, w.shape[1]))
        if zero_points is None
        else np.asarray(zero_points, np.float64)
    )
    if s.shape != (n_groups, w.shape[1]) or zp.shape != s.shape:
        raise ValueError(
            f"scales and zero points must have shape ({n_groups}, {w.shape[1]}) "
            f"for K={kt}, group_size={group_size}"
        )
    out = np.zeros((a.shape[0], w.shape[1]))
    for q in range(n_groups):
        rows = slice(q * group_size, min((q + 1) * group_size, kt))
        sub = LutGemmSpec(
            m=spec.m,
            n=spec.n,
            k=spec.k,
            wbits=spec.wbits,
            act=spec.act,
            acc_width=spec.acc_width,
            table_format=spec.table_format,
            acc_format=spec.acc_format or "fp32",
        )
        part = lut_mpgemm(a_in[:, rows], w[rows], spec=sub).astype(np.float64)  # sum a q
        sum_a = a[:, rows].sum(axis=1).astype(np.float64)
        # (s/2)(P - z' sum a) with P = 2 sum(a q) - (2^W - 1) sum a and z' = 2z + 1 - 2^W
        # equals s (sum(a q) - z sum a).
        out += s[q] * (part - zp[q] * sum_a[:, None])
    return out


def direct_gemm(a, w, *, spec):
    """Reference ``A @ W`` with unsigned codes: exact int64 for integer activations, float64
    (exact products, float64 sums) for float activations."""
    a_in, w = np.asarray(a), check_weight_codes(w, wbits=spec.wbits)
    _check_shapes(a_in, w)
    a = _activation_values(a_in, spec)
    if spec.is_float:
        return a @ w.astype(np.float64)
    return a @ w


def fp_error(a, w, *, spec):
    """Error of the float LUT contract against the exact product: dict of relative errors.

    ``rel_mean``/``rel_max`` are ``|C - C_exact| / max|C_exact|`` over the outputs (normalized by
    the largest output, as a dot-product error), ``elem_rel_median`` the median of per-output
    relative errors where ``C_exact != 0``.
    """
    if not spec.is_float:
        raise ValueError("fp_error applies to float activations (fp16, bf16, e4m3)")
    got = lut_mpgemm(a, w, spec=spec)
    exact = direct_gemm(a, w, spec=spec)
    err = np.abs(got - exact)
    scale = np.max(np.abs(exact)) or 1.0
    nz = exact != 0
    return {
        "rel_mean": float(err.mean() / scale),
        "rel_max": float(err.max() / scale),
        "elem_rel_median": float(np.median(err[nz] / np.abs(exact[nz]))) if nz.any() else 0.0,
    }
