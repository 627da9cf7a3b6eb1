"""Accuracy of the block formats beside the tiles' element formats, and the costed block units.

The costed units: one combinational `picojoule.models.mx_unit.MxDot` per block format
(`BLOCK_UNITS`, `block_specs`), with ``COST_K`` elements per block (not OCP's 32 / NVFP4's 16)
so that each synthesizes in seconds.

`accuracy_records`: a Gaussian GEMM (`SHAPE`) with A and W quantized to each format at its real
block size (k = 32, NVFP4 16; per-block scales along K, NVFP4's tensor scales applied),
computed by the golden model (`picojoule.models.mx_gemm.mx_gemm`, i.e. DotGeneral), against the
float64 product of the unquantized data: ``rel_rms`` = ||C - C64|| / ||C64|| (Frobenius). The
same on data with outliers (``outliers``: 0.1% of the values times 30). Reference points
without blocks, each under its tile's numeric rule: e4m3 elements (one power-of-two scale per
tensor putting its largest magnitude in [8, 16), so that no e4m3 product overflows; products
rounded to e4m3 as the e4m3 MAC array does, or L-Mul products), and int8 activations (one
absmax scale per tensor) with 2- or 4-bit weights (per-column min-max with a zero point), the
LUT tile's data; their sums are float64 (fp32's rounding is far below these errors).
"""

import numpy as np

from picojoule.models.formats import PRESETS
from picojoule.models.lmul import lmul
from picojoule.models.mx_gemm import MxArraySpec, mx_gemm
from picojoule.models.mx_unit import MxDot

__all__ = ["BLOCK_UNITS", "COST_K", "SHAPE", "block_specs", "accuracy_records"]

#: Elements per block of the costed units.
COST_K = 8
#: label -> (MX preset of the accuracy study, MxDot parameters of the costed unit).
BLOCK_UNITS = {
    "MXFP8 e4m3": ("mxfp8_e4m3", {"a": "e4m3"}),
    "MXFP8 e5m2": ("mxfp8_e5m2", {"a": "e5m2"}),
    "MXFP6 e3m2": ("mxfp6_e3m2", {"a": "e3m2"}),
    "MXFP4 e2m1": ("mxfp4_e2m1", {"a": "e2m1"}),
    "MXINT8": ("mxint8", {"a": "int8"}),
    "NVFP4": ("nvfp4", {"a": "e2m1", "scale": "e4m3"}),
}
#: The Gaussian GEMM of the accuracy study: A is M x K, W is K x N.
SHAPE = {"m": 32, "k": 1024, "n": 32}
SEED = 12


def block_specs():
    """label -> the costed `MxDot` unit of each block format."""
    return {label: MxDot(k=COST_K, **params) for label, (_, params) in BLOCK_UNITS.items()}


def _data(kind, rng):
    m, k, n = SHAPE["m"], SHAPE["k"], SHAPE["n"]
    a, w = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    if kind == "outliers":
        for x in (a, w):
            x[rng.random(x.shape) < 1e-3] *= 30
    return a, w


def _rel_rms(c, exact):
    return float(np.linalg.norm(c - exact) / np.linalg.norm(exact))


def _tensor_scale(x):
    """The power of two that puts ``max |x|`` in [8, 16): e4m3 products stay below 448."""
    return float(np.exp2(3 - np.floor(np.log2(np.abs(x).max()))))


def _e4m3_products(a, w, *, rule):
    e4m3 = PRESETS["e4m3"]
    sa, sw = _tensor_scale(a), _tensor_scale(w)
    qa, qw = e4m3.encode(a * sa, overflow="sat"), e4m3.encode(w * sw, overflow="sat")
    out = np.zeros((a.shape[0], w.shape[1]))
    for i in range(a.shape[1]):
        x, y = qa[:, i, None], qw[None, i, :]
        if rule == "lmul":
            p = lmul(x, y, fmt=e4m3)
        else:
            p = e4m3.encode(e4m3.decode(x) * e4m3.decode(y), overflow="nonsat")
        out += e4m3.decode(p)
    return out / (sa * sw)


def _int_weights(a, w, *, wbits):
    scale_a = 127 / np.abs(a).max()
    qa = np.clip(np.rint(a * scale_a), -127, 127)
    lo, hi = w.min(axis=0), w.max(axis=0)
    step = (hi - lo) / ((1 << wbits) - 1)
    qw = np.clip(np.rint((w - lo) / step), 0, (1 << wbits) - 1)
    return (qa @ (qw * step + lo)) / scale_a


def accuracy_records(*, seed=SEED):
    """One record per block format and reference point: ``label``, ``kind`` (``block`` or
    ``reference``), ``format``, ``rule`` and ``rel_rms`` per data kind (``gaussian``,
    ``outliers``); see the module docstring."""
    records = []
    data = {
        kind: _data(kind, np.random.default_rng([seed, i]))
        for i, kind in enumerate(("gaussian", "outliers"))
    }
    exact = {kind: a @ w for kind, (a, w) in data.items()}
    for label, (preset, _) in BLOCK_UNITS.items():
        spec = MxArraySpec(m=1, n=1, a=preset)
        errors = {}
        for kind, (a, w) in data.items():
            c, scale = mx_gemm(a, w, spec=spec, tensor_scale=True)
            errors[kind] = _rel_rms(c * scale, exact[kind])
        records.append(
            {
                "label": label,
                "kind": "block",
                "format": spec.a.name,
                "k": spec.k,
                "rule": f"{spec.k}-element blocks, {spec.a.scale.name} scales; exact block "
                "dot, fp32 accumulation",
                "rel_rms": errors,
            }
        )
    references = {
        "e4m3 MAC array": lambda a, w: _e4m3_products(a, w, rule="rne"),
        "e4m3 L-Mul array": lambda a, w: _e4m3_products(a, w, rule="lmul"),
        "LUT tile W2A8": lambda a, w: _int_weights(a, w, wbits=2),
        "LUT tile W4A8": lambda a, w: _int_weights(a, w, wbits=4),
    }
    rules = {
        "e4m3 MAC array": "e4m3 elements, one power-of-two scale per tensor; products "
        "rounded to e4m3 (RNE)",
        "e4m3 L-Mul array": "e4m3 elements, one power-of-two scale per tensor; L-Mul "
        "products (int_add)",
        "LUT tile W2A8": "int8 A (absmax per tensor), 2-bit W (min-max per column)",
        "LUT tile W4A8": "int8 A (absmax per tensor), 4-bit W (min-max per column)",
    }
    for label, compute in references.items():
        errors = {kind: _rel_rms(compute(a, w), exact[kind]) for kind, (a, w) in data.items()}
        records.append(
            {
                "label": label,
                "kind": "reference",
                "format": label,
                "k": None,
                "rule": rules[label],
                "rel_rms": errors,
            }  # fmt: skip
        )
    return records
