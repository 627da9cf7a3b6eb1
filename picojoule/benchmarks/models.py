"""Golden-model speed: 8-bit multiply and L-Mul throughput, L-Mul matmul against BLAS."""

import time

import numpy as np

TITLE = "golden models: 8-bit tables and L-Mul matmul"


def _best(fn, repeats=3):
    fn()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _best_interleaved(fn, base, repeats=3):
    """Best times of ``fn`` and of the baseline ``base``, run alternately, so that load from
    other processes on the machine hits both alike."""
    fn()
    best, best_base = float("inf"), float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        base()
        best_base = min(best_base, time.perf_counter() - start)
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best, best_base


def _fp8_band(fmt, shape, rng, *, lo, hi, zeros=0.1):
    """Codes of fmt with unbiased exponents in [lo, hi], random mantissas and signs, some zeros."""
    e = rng.integers(lo, hi + 1, shape) + fmt.bias
    codes = (
        (rng.integers(0, 2, shape) << (fmt.width - 1))
        | (e << fmt.mantissa_bits)
        | rng.integers(0, 1 << fmt.mantissa_bits, shape)
    )
    return np.where(rng.random(shape) < zeros, 0, codes).astype(fmt.code_dtype)


def run(report):
    import ml_dtypes

    from picojoule.models import accuracy, arith, lmul, lmul_matmul
    from picojoule.models.formats import get_format

    rng = np.random.default_rng(0)
    e4m3 = get_format("e4m3")
    n = 1 << 24
    a = rng.integers(0, 256, n, dtype=np.uint8)
    b = rng.integers(0, 256, n, dtype=np.uint8)
    av, bv = a.view(ml_dtypes.float8_e4m3fn), b.view(ml_dtypes.float8_e4m3fn)
    with np.errstate(all="ignore"):
        base = n / _best(lambda: av * bv)
    baseline = ("ml_dtypes e4m3 multiply", base)
    report("ml_dtypes e4m3 x e4m3 multiply (baseline)", base / 1e6, "M/s")
    rate = n / _best(lambda: arith.fp_mul(a, b, a_fmt=e4m3, b_fmt=e4m3, out_fmt=e4m3))
    report(
        "fp_mul e4m3 x e4m3 -> e4m3 (table)",
        rate / 1e6,
        "M/s",
        baseline=("ml_dtypes", base / 1e6),
        target=">= 300 M/s",
    )
    for variant in ("int_add", "formula"):
        rate = n / _best(lambda variant=variant: lmul.lmul(a, b, fmt=e4m3, variant=variant))
        report(
            f"lmul e4m3 {variant} (table)",
            rate / 1e6,
            "M/s",
            baseline=("ml_dtypes", base / 1e6),
            target=">= 300 M/s",
        )
    del baseline

    size = 1024
    x = accuracy.truncate_mantissa(rng.standard_normal((size, size)), m=3)
    y = accuracy.truncate_mantissa(rng.standard_normal((size, size)), m=3)
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    # Each line's float32 matmul baseline is timed alternately with it (best of each), so
    # that load from other processes shifts both alike.
    blas = _best(lambda: x32 @ y32)
    report("numpy float32 matmul 1024^3 (baseline)", blas * 1e3, "ms")

    def line(label, fn, target=None, repeats=3):
        t, base = _best_interleaved(fn, lambda: x32 @ y32, repeats=repeats)
        report(label, t * 1e3, "ms", baseline=("float32 matmul time", base * 1e3), target=target)

    line("numpy float64 matmul 1024^3 (two of these bound the exact formula)", lambda: x @ y)

    def matmul_line(label, xs, ys, target=None, repeats=3, **kwargs):
        line(
            f"lmul_matmul 1024^3 {label}",
            lambda: lmul_matmul.lmul_matmul(xs, ys, **kwargs),
            target,
            repeats,
        )

    # accumulate="float64": exact products, float64 sums (float32 only where provably exact).
    matmul_line(
        "exact formula, m=3 values, float64 sums", x, y, "<= 4x", m=3, variant="formula_exact"
    )
    matmul_line("int_add, m=3 values, float64 sums", x, y, "<= 10x", m=3, variant="int_add")
    # accumulate="float32": the same exact products, float32 BLAS sums (fp32 accumulators).
    matmul_line(
        "exact formula, m=3 values, float32 sums",
        x,
        y,
        "<= 4x",
        m=3,
        variant="formula_exact",
        accumulate="float32",
    )
    matmul_line(
        "int_add, m=3 values, float32 sums", x, y, m=3, variant="int_add", accumulate="float32"
    )
    for name in ("e4m3", "e5m2"):
        fmt = get_format(name)
        xc = _fp8_band(fmt, (size, size), rng, lo=-2, hi=2)
        yc = _fp8_band(fmt, (size, size), rng, lo=-2, hi=2)
        for accumulate in ("float64", "float32"):
            matmul_line(
                f"{name} int_add codes, exponents -2..2, {accumulate} sums",
                xc,
                yc,
                "<= 10x",
                fmt=fmt,
                variant="int_add",
                accumulate=accumulate,
            )
    # Real data reaches the range limits: the edge entries go element-wise (float64 sums).
    g = e4m3.encode(rng.standard_normal((size, size)))
    h = e4m3.encode(rng.standard_normal((size, size)))
    share = lmul_matmul.fast_path_fraction(g, h, fmt=e4m3, variant="int_add")
    for accumulate in ("float64", "float32"):
        matmul_line(
            f"e4m3 int_add, N(0,1) codes ({100 * share:.0f}% on BLAS), {accumulate} sums",
            g,
            h,
            "<= 10x" if accumulate == "float32" else None,
            repeats=2,
            fmt=e4m3,
            variant="int_add",
            accumulate=accumulate,
        )
