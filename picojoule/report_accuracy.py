"""The L-Mul / fp8 accuracy study (`picojoule.models.accuracy`) as CSV and a figure."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from picojoule.models import lmul  # noqa: E402
from picojoule.models.accuracy import FIELDS, FP8_FORMATS  # noqa: E402
from picojoule.models.units import FpMul, LMul  # noqa: E402

__all__ = ["accuracy_csv", "accuracy_plot"]


def accuracy_csv(records):
    """CSV text of the records (errors as fractions, 6 significant digits)."""
    lines = [",".join(FIELDS)]
    for r in records:
        cells = []
        for f in FIELDS:
            v = r[f]
            cells.append(f"{v:.6g}" if isinstance(v, float) else str(v))
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def accuracy_plot(records, path):
    """Two panels: Gaussian mean error vs m per variant (fp8 multiply as lines); fp8 pairs."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    gauss = [r for r in records if r["study"] == "gaussian"]
    for variant in lmul.VARIANTS:
        rows = [r for r in gauss if r["method"] == LMul.kind and r["variant"] == variant]
        left.plot(
            [r["m"] for r in rows],
            [100 * r["mean_rel_error_vs_input"] for r in rows],
            marker="o",
            label=f"L-Mul {variant} (inputs truncated to m bits)",
        )
    fp = [r for r in gauss if r["method"] == FpMul.kind]
    for r, style in zip(fp, ("--", ":", "-.", (0, (1, 3)))):
        label = (
            f"{r['format']} multiply, RNE in and out"
            if r["format"] in FP8_FORMATS
            else f"{r['format']} RNE in and out, unbounded exponent"
        )
        left.axhline(
            100 * r["mean_rel_error_vs_input"], color="k", linestyle=style, linewidth=1, label=label
        )
    left.set_xlabel("mantissa bits m")
    left.set_ylabel("mean rel. error vs exact product of N(0,1) inputs (%)")
    left.set_title("Gaussian inputs")
    left.set_yscale("log")
    left.legend(fontsize=8)
    pairs = [r for r in records if r["study"] == "fp8_pairs"]
    labels = [f"{r['format']}\n{r['variant']}" for r in pairs]
    pos = np.arange(len(pairs))
    right.bar(pos - 0.2, [100 * r["mean_rel_error"] for r in pairs], 0.4, label="mean")
    right.bar(pos + 0.2, [100 * r["max_rel_error"] for r in pairs], 0.4, label="max")
    right.set_xticks(pos, labels, fontsize=8)
    right.set_ylabel("relative error (%)")
    right.set_title("all pairs of normal fp8 values")
    right.legend(fontsize=8)
    fig.suptitle(
        "picojoule accuracy study: L-Mul vs fp8 multiplication (measured by picojoule)", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
