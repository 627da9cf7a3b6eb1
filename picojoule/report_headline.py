"""The report's answer, first: one sentence per family (at most five), each with its number.

Every sentence is computed from the run's records (`ReportData`) and left out when its data
was not measured (a run of a few units or sections). The energy figure is each record's
``ENERGY`` field, the report's main figure.
"""

from picojoule.base.references import LMUL_CLAIMS

__all__ = [
    "ENERGY",
    "calibration_sentence",
    "headline_sentences",
    "pct",
    "saving_span",
    "times",
]

#: The record field the report states as energy per operation.
ENERGY = "energy_pj_per_op"


def pct(x, digits=1):
    """``0.6864`` -> ``"68.6%"``; None stays None."""
    return None if x is None else f"{100 * x:.{digits}f}%"


def times(x):
    """A ratio as ``"2.4x"`` (one decimal below 10)."""
    return f"{x:.1f}x" if x < 10 else f"{x:.0f}x"


def saving_span(savings, field, *, formats=True):
    """``"68.6% (e4m3) to 93.1% (fp32)"``: the lowest and highest ``field`` of the savings
    records, with their formats unless ``formats`` is False; one figure when they are equal."""
    lo = min(savings, key=lambda s: s[field])
    hi = max(savings, key=lambda s: s[field])
    low, high = (
        (f"{pct(r[field])} ({r['format']})" for r in (lo, hi))
        if formats
        else (pct(r[field]) for r in (lo, hi))
    )
    return low if low == high else f"{low} to {high}"


def _claim(key):
    return next(c for c in LMUL_CLAIMS if c.key == key).value


def _per_multiply(savings):
    ours = [s for s in savings if s["variant"] == "int_add"]
    if not ours:
        return None
    paper = _claim("elementwise_saving")
    reached = [s["format"] for s in ours if s["energy_saving"] >= paper - 0.025]
    verdict = (
        f"the paper's {pct(paper, 0)} holds"
        if len(reached) == len(ours)
        else f"the paper's {pct(paper, 0)} is approached only at {', '.join(reached)}"
        if reached
        else f"the paper's {pct(paper, 0)} is not reached"
    )
    text = (
        f"**Per multiply**, L-Mul (int_add) uses {saving_span(ours, 'energy_saving')} less "
        "energy than a correctly rounded multiplier of the same format"
    )
    zero = [s.get("energy_saving_zero_delay") for s in ours]
    if all(z is not None for z in zero):
        flips = [s["format"] for s, z in zip(ours, zero) if (s["energy_saving"] > 0) != (z > 0)]
        text += (
            f" ({saving_span(ours, 'energy_saving_zero_delay', formats=False)} counting "
            "settled values only, without glitches"
            + (f", which flips the conclusion at {', '.join(flips)}" if flips else "")
            + ")"
        )
    text += f"; {verdict}"
    return text + "."


def _dot_product(lut):
    dot = (lut or {}).get("dot_product_saving")
    if not dot:
        return None
    paper = _claim("dot_product_saving")
    verb = "as the paper claims" if dot["saving"] >= paper - 0.05 else "not the paper's"
    return (
        f"**Per MAC in a dot product** (e4m3 products summed in fp32), L-Mul saves "
        f"{pct(dot['saving'])}, {verb} {pct(paper, 0)}: the fp32 accumulation dominates "
        f"({dot['lmul_pj_per_mac']:.3g} vs {dot['fp8_pj_per_mac']:.3g} pJ per MAC"
        + (
            f"; {pct(dot['saving_zero_delay'])} with zero-delay toggles"
            if dot.get("saving_zero_delay") is not None
            else ""
        )
        + ")."
    )


def _against(rows, label):
    """``less energy per MAC than LABEL at W1, W2 (2.4x, 1.5x less; 1.0x more at W4)``."""
    wins = [r for r in rows if r["energy_ratio"] > 1]
    losses = [r for r in rows if r["energy_ratio"] <= 1]

    def where(group):
        return ", ".join(f"W{r['wbits']}" for r in group)

    def factors(group, invert):
        values = [1 / r["energy_ratio"] if invert else r["energy_ratio"] for r in group]
        lo, hi = min(values), max(values)
        return (
            times(lo)
            if len(values) == 1 or times(lo) == times(hi)
            else (f"{times(lo)[:-1]}-{times(hi)}")
        )

    if not losses:
        return f"less energy per MAC than {label} at every W ({factors(wins, False)} less)"
    if not wins:
        return f"more energy per MAC than {label} at every W ({factors(losses, True)} more)"
    return (
        f"less energy per MAC than {label} at {where(wins)} ({factors(wins, False)} less; "
        f"{factors(losses, True)} more at {where(losses)})"
    )


def _lut_tile(lut):
    ratios = [r for r in (lut or {}).get("ratios", []) if not r.get("pipelined")]
    groups = (
        ("mac-int8", "int8", "a general int8 MAC array"),
        ("mac-int", "int8", "an int8 x uintW multiplier array of the same peak throughput"),
        ("mac-fp8", "e4m3", "an e4m3 multiplier array (LUT tile with e4m3 activations)"),
    )
    parts = []
    for baseline, act, label in groups:
        rows = sorted(
            (r for r in ratios if r["baseline"] == baseline and r["act"] == act),
            key=lambda r: r["wbits"],
        )
        if rows:
            parts.append(_against(rows, label))
    if not parts:
        return None
    return "**The LUT tensor-core tile** spends " + "; ".join(parts) + "."


def _accuracy(errors):
    by_label = {(p["format"], p["variant"], p["overflow"]): p for p in errors}
    lmul = by_label.get(("e4m3", "int_add", "nonsat"))
    rne = by_label.get(("e4m3", "rne", "nonsat"))
    if not (lmul and rne):
        return None
    return (
        "**Accuracy**: L-Mul flushes subnormal operands and underflowing products to zero; on "
        f"the same Gaussian e4m3 operands its mean relative error is "
        f"{pct(lmul['mean_rel_error'])} against {pct(rne['mean_rel_error'])} for the correctly "
        f"rounded multiplier ({lmul.get('zero_results', 0):,} vs "
        f"{rne.get('zero_results', 0):,} of {lmul['pairs']:,} products flushed to zero)."
    )


def calibration_sentence(calibration):
    """One plain sentence on how our absolute energies compare with Horowitz' (None if the
    run has no calibration); it sits under the headline, which is about ratios."""
    if not calibration:
        return None
    ratios = [c["ratio"] for c in calibration]
    zero = [c.get("ratio_zero_delay") for c in calibration]
    text = (
        f"Absolute energies: ours for {len(ratios)} of Horowitz' 45 nm reference "
        f"operations lie at {min(ratios):.2g}-{max(ratios):.2g}x his figures, at his "
        f"{calibration[0]['voltage']:g} V and without a fitted factor"
    )
    if all(z is not None for z in zero):
        text += f" ({min(zero):.2g}-{max(zero):.2g}x with zero-delay toggles)"
    outside = [c["operation"] for c in calibration if not 0.5 <= c["ratio"] <= 2]
    if outside:
        text += (
            f"; {len(outside)} of {len(ratios)} lie outside the 2x goal "
            "(causes in the calibration section)"
        )
    return text + "."


def _and_list(words):
    """'a', 'a and b', 'a, b and c'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _block_formats(blocks):
    from picojoule.report_blocks import pareto, pareto_points

    rows = [r for r in (blocks or {}).get("rows", ()) if r["kind"] == "block" and r["pj_per_mac"]]
    if not rows:
        return None
    error = {r["label"]: r["accuracy"]["rel_rms"]["gaussian"] for r in rows}
    cheap = min(rows, key=lambda r: r["pj_per_mac"])
    exact = min(rows, key=lambda r: error[r["label"]])
    front = set(pareto(pareto_points(blocks)))
    losers = [r["label"] for r in rows if r["label"] not in front]
    text = (
        f"**Block formats** (one {blocks['cost_k']}-element dot-product unit per format, "
        "glitches included; GEMM error against float64 at each format's own block size): "
        f"{cheap['label']} is the cheapest at {cheap['pj_per_mac']:.3g} pJ/MAC with "
        f"{pct(error[cheap['label']])} error, {exact['label']} the most accurate at "
        f"{pct(error[exact['label']])} for {exact['pj_per_mac']:.3g} pJ/MAC"
    )
    if losers:
        text += (
            f"; {_and_list(losers)} {'is' if len(losers) == 1 else 'are'} beaten on both "
            "energy and error by another point"
        )
    return text + "."


def headline_sentences(data, *, savings):
    """The headline's sentences (Markdown), those whose data this run measured."""
    sentences = [
        _per_multiply(savings),
        _dot_product(data.lut),
        _lut_tile(data.lut),
        _block_formats(data.blocks),
        _accuracy(data.errors),
    ]
    return [s for s in sentences if s]
