"""The golden models on float arrays: `picojoule.lmul`, `fp_mul`, `lmul_matmul`.

Quantization rule, stated once: every float input is first rounded to the operand format by
`picojoule.quantize` (round to nearest, ties to even, saturating at +-max finite); the
bit-exact model then runs on those codes, and results come back as float64 values. The
results are exactly what the generated hardware returns for the rounded operands.
"""

import numpy as np

from picojoule.api_formats import dequantize, format_of, quantize

__all__ = ["lmul", "fp_mul", "lmul_matmul"]


def lmul(x, y, *, fmt="e4m3", variant="int_add", overflow="nonsat"):
    """Element-wise L-Mul of float arrays ``x`` and ``y`` (shapes broadcast) in the float
    format ``fmt``; ``variant`` is ``int_add`` (the paper's code), ``formula`` or
    ``mitchell``. Returns float64 values of ``fmt``."""
    from picojoule.models import lmul as model

    spec = format_of(fmt)
    codes = model.lmul(
        quantize(x, spec), quantize(y, spec), fmt=spec, variant=variant, overflow=overflow
    )
    return dequantize(codes, spec)


def fp_mul(x, y, *, fmt="e4m3", fmt_b=None, out=None, overflow="nonsat"):
    """Correctly rounded product (RNE) of float arrays ``x`` in ``fmt`` and ``y`` in ``fmt_b``
    (default ``fmt``), rounded once to ``out`` (default ``fmt``). Returns float64 values."""
    from picojoule.models import arith

    a_fmt = format_of(fmt)
    b_fmt = format_of(fmt_b or fmt)
    out_fmt = format_of(out or fmt)
    codes = arith.fp_mul(
        quantize(x, a_fmt),
        quantize(y, b_fmt),
        a_fmt=a_fmt,
        b_fmt=b_fmt,
        out_fmt=out_fmt,
        overflow=overflow,
    )
    return dequantize(codes, out_fmt)


def lmul_matmul(x, y, *, fmt="e4m3", variant="int_add", accumulate="float64"):
    """``sum_k L-Mul(x[i, k], y[k, j])`` for float matrices ``x`` (M x K) and ``y`` (K x N):
    both rounded to ``fmt`` first, every product the element-wise model's value, sums in
    float64 (``accumulate="float64"``) or float32 in BLAS order (``"float32"``)."""
    from picojoule.models.lmul_matmul import lmul_matmul as model

    spec = format_of(fmt)
    x_codes, y_codes = quantize(x, spec), quantize(y, spec)
    return np.asarray(model(x_codes, y_codes, fmt=spec, variant=variant, accumulate=accumulate))
