"""Golden DotGeneral of block-scaled formats (issue 12) against numpy's float32 matmul."""

import numpy as np

from picojoule.benchmarks.models import _best_interleaved

TITLE = "block formats (issue 12): golden MX DotGeneral 1024^3 vs float32 BLAS"


def run(report):
    from picojoule.models.mx_dot import dot_general
    from picojoule.models.mx_formats import quantize

    size = 1024
    rng = np.random.default_rng(0)
    x = rng.standard_normal((size, size))
    w = rng.standard_normal((size, size))
    x32, w32 = x.astype(np.float32), w.T.astype(np.float32)
    for name in ("mxfp8_e4m3", "mxfp4_e2m1", "nvfp4"):
        qa, qb = quantize(x, fmt=name), quantize(w, fmt=name)

        # the float32 baseline is timed alternately with the model (best of each)
        def model(qa=qa, qb=qb):
            return dot_general(qa, qb)

        t, base = _best_interleaved(model, lambda: x32 @ w32)
        report(
            f"dot_general {name} 1024^3, Gaussian data (fp32 block accumulation)",
            t * 1e3,
            "ms",
            baseline=("float32 matmul time", base * 1e3),
            target="<= 10x" if name != "nvfp4" else None,
        )
