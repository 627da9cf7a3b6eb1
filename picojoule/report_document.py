"""Turn `ReportData` into the report `Document`: tables, figures and the claims beside them."""

import datetime
import math

from picojoule import __version__
from picojoule.base.references import HOROWITZ_SOURCE, LMUL_CLAIMS, LMUL_SOURCE, PEERS, PEERS_SOURCE
from picojoule.document import Document, Figure, Heading, Paragraph, Table
from picojoule.models.units import FpMul, LMul
from picojoule.report_lut import lut_blocks
from picojoule.report_lut_accuracy import accuracy_blocks
from picojoule.report_plots import FLOAT_FORMATS, _find

FIGURES = {
    "area_energy": "figures/area_energy.png",
    "distribution": "figures/energy_by_distribution.png",
    "energy_error": "figures/energy_vs_error.png",
    "accuracy": "figures/accuracy.png",
    "lut": "figures/lut_vs_mac.png",
    "lut_accuracy": "figures/lut_accuracy.png",
}


def _pct(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def lmul_savings(records, *, distribution="gaussian"):
    """Per float format and L-Mul variant: energy and area saved against the FP multiplier."""
    rows = []
    for fmt in FLOAT_FORMATS:
        base = _find(records, kind=FpMul.kind, fmt=fmt, distribution=distribution)
        if base is None:
            continue
        for variant in LMul.VARIANTS:
            r = _find(records, kind=LMul.kind, fmt=fmt, variant=variant, distribution=distribution)
            if r is None:
                continue
            rows.append(
                {
                    "format": fmt,
                    "variant": variant,
                    "fp_mul_pj": base["energy_pj_per_op"],
                    "lmul_pj": r["energy_pj_per_op"],
                    "energy_saving": 1 - r["energy_pj_per_op"] / base["energy_pj_per_op"],
                    "fp_mul_area": base["area_um2"],
                    "lmul_area": r["area_um2"],
                    "area_saving": 1 - r["area_um2"] / base["area_um2"],
                }
            )
    return rows


def _accuracy_row(acc, *, study, method, m, variant):
    for r in acc:
        if (
            r["study"] == study
            and r["method"] == method
            and r["m"] == m
            and r["variant"] == variant
        ):
            return r
    return None


def _claims(data, savings):
    rows = []
    claim = {c.key: c for c in LMUL_CLAIMS}
    ours = [s for s in savings if s["variant"] == "int_add"]
    if ours:
        best = max(ours, key=lambda s: s["energy_saving"])
        worst = min(ours, key=lambda s: s["energy_saving"])
        rows.append(
            [
                claim["elementwise_saving"].text,
                _pct(claim["elementwise_saving"].value),
                f"{_pct(worst['energy_saving'])} ({worst['format']}) to "
                f"{_pct(best['energy_saving'])} ({best['format']}) saved by L-Mul int_add "
                f"against our RNE multiplier of the same format, Gaussian operands",
                "holds"
                if worst["energy_saving"] >= 0.9
                else f"approached only at {best['format']}"
                if best["energy_saving"] >= 0.9
                else "not reproduced",
            ]
        )
    dot = data.lut.get("dot_product_saving") if data.lut else None
    if dot is not None:
        rows.append(
            [
                claim["dot_product_saving"].text,
                _pct(claim["dot_product_saving"].value),
                dot["text"],
                "holds" if dot["saving"] >= 0.75 else "not reproduced",
            ]
        )
    else:
        rows.append(
            [
                claim["dot_product_saving"].text,
                _pct(claim["dot_product_saving"].value),
                "not measured in this run (needs the MAC arrays of the LUT comparison)",
                "",
            ]
        )
    acc = data.accuracy
    lm4 = _accuracy_row(acc, study="gaussian", method="lmul", m=4, variant="int_add")
    e4m3 = next(
        (
            r
            for r in acc
            if r["study"] == "gaussian" and r["method"] == "fp_mul" and r["format"] == "e4m3"
        ),
        None,
    )
    lm3 = _accuracy_row(acc, study="gaussian", method="lmul", m=3, variant="int_add")
    e5m2 = next(
        (
            r
            for r in acc
            if r["study"] == "gaussian" and r["method"] == "fp_mul" and r["format"] == "e5m2"
        ),
        None,
    )
    if lm4 and e4m3 and lm3 and e5m2:
        text = (
            f"mean rel. error vs the exact product of N(0,1) inputs: L-Mul m=4 "
            f"{_pct(lm4['mean_rel_error_vs_input'])} vs e4m3 {_pct(e4m3['mean_rel_error_vs_input'])}; "
            f"L-Mul m=3 {_pct(lm3['mean_rel_error_vs_input'])} vs e5m2 "
            f"{_pct(e5m2['mean_rel_error_vs_input'])}"
        )
        holds = (
            lm4["mean_rel_error_vs_input"] <= 1.25 * e4m3["mean_rel_error_vs_input"]
            and lm3["mean_rel_error_vs_input"] < e5m2["mean_rel_error_vs_input"]
        )
        pairs = [r for r in acc if r["study"] == "fp8_pairs" and r["format"] == "e4m3"]
        lmul_pairs = next((r for r in pairs if r["variant"] == "int_add"), None)
        rne_pairs = next((r for r in pairs if r["variant"] == "rne"), None)
        if lmul_pairs and rne_pairs:
            text += (
                f"; but on operands that are already e4m3, L-Mul int_add "
                f"{_pct(lmul_pairs['mean_rel_error'])} vs RNE {_pct(rne_pairs['mean_rel_error'])}"
            )
        rows.append(
            [
                claim["lmul4_vs_e4m3"].text,
                "(qualitative)",
                text,
                "holds on truncated Gaussian inputs" if holds else "not reproduced",
            ]
        )
    return rows


def build(data, *, figures):
    """The report `Document`; ``figures`` maps FIGURES keys to the ones actually drawn."""
    tools = data.tools
    doc = Document("picojoule report: does this arithmetic really save energy?")
    doc.add(
        Paragraph(
            f"Generated by `make report` (picojoule {__version__}) on "
            f"{datetime.date.today().isoformat()} in {data.seconds / 60:.1f} min. Every unit was "
            f"generated in Amaranth, exported to Verilog, "
            + (
                "co-verified in cocotb against its bit-exact golden model, "
                if data.verdicts
                else ""
            )
            + f"synthesized with {tools['yosys']} + ABC to the `{tools['library']}` cell library and "
            f"costed by zero-delay gate-level activity simulation at {tools['voltage']} V and "
            f"{tools['clock_ghz']} GHz on {tools['n_ops']:,} operations per operand distribution. "
            "Figures from papers and peers are labelled as theirs; everything else was measured "
            "in this run."
        )
    )

    savings = lmul_savings(data.records)
    doc.add(Heading("Headline"))
    for s in savings:
        if s["variant"] == "int_add":
            verb = "saves" if s["energy_saving"] > 0 else "costs"
            doc.add(
                Paragraph(
                    f"**{s['format']}**: L-Mul (int_add) {verb} {_pct(abs(s['energy_saving']))} of "
                    f"the energy ({s['lmul_pj']:.3g} vs {s['fp_mul_pj']:.3g} pJ per multiply) and "
                    f"{_pct(s['area_saving'])} of the area ({s['lmul_area']:.0f} vs "
                    f"{s['fp_mul_area']:.0f} um^2) of a correctly rounded multiplier."
                )
            )

    doc.add(Heading("The papers' claims beside our measurements"))
    doc.add(
        Table(
            ["claim (the paper's words)", "paper's figure", "picojoule measured", "verdict"],
            _claims(data, savings),
            caption=f"Claims from {LMUL_SOURCE}.",
        )
    )

    if data.verdicts:
        doc.add(Heading("Verification"))
        doc.add(
            Table(
                ["unit", "simulator", "vectors", "mismatches", "seconds"],
                [
                    [
                        v["name"],
                        v["simulator"],
                        v["vectors"],
                        v["mismatches"],
                        round(v["seconds"], 1),
                    ]
                    for v in data.verdicts
                ],
                caption="cocotb co-verification of the exported Verilog against the golden "
                "models in this run: exhaustive for 8-bit x 8-bit units, "
                f"{data.options.verify_vectors:,} random vectors plus directed "
                "corners for wider ones (`picojoule sim` runs 1M).",
            )
        )

    doc.add(Heading("Area, delay and energy per unit"))
    energy = {(r["name"], r["distribution"]): r for r in data.records}
    dists = list(dict.fromkeys(r["distribution"] for r in data.records))
    rows = []
    for spec in data.specs:
        first = energy.get((spec.name, dists[0]))
        if first is None:
            continue
        rows.append(
            [
                spec.name,
                spec.contract,
                first["cells"],
                first["area_um2"],
                first["logic_depth"],
                first["delay_ns"],
                *[energy[(spec.name, d)]["energy_pj_per_op"] for d in dists],
                energy.get((spec.name, "gaussian"), first)["power_mw"],
            ]
        )
    doc.add(
        Table(
            [
                "unit",
                "contract",
                "cells",
                "area um^2",
                "depth",
                "delay ns",
                *[f"pJ/op {d}" for d in dists],
                "mW gaussian",
            ],
            rows,
            caption=f"Library `{tools['library']}`, {tools['voltage']} V, "
            f"{tools['clock_ghz']} GHz; power = energy per op x clock.",
        )
    )
    for key, caption in (
        (
            "area_energy",
            "Area and energy per operation of the FP multipliers "
            "and L-Mul per format, integer units as lines.",
        ),
        (
            "distribution",
            "Energy per operation under each operand distribution "
            "(uniform random codes, Gaussian, Laplace).",
        ),
    ):
        if key in figures:
            doc.add(Figure(figures[key], caption))

    doc.add(Heading("L-Mul savings per format and variant"))
    doc.add(
        Table(
            [
                "format",
                "variant",
                "FP mul pJ",
                "L-Mul pJ",
                "energy saved",
                "FP mul um^2",
                "L-Mul um^2",
                "area saved",
            ],
            [
                [
                    s["format"],
                    s["variant"],
                    s["fp_mul_pj"],
                    s["lmul_pj"],
                    _pct(s["energy_saving"]),
                    s["fp_mul_area"],
                    s["lmul_area"],
                    _pct(s["area_saving"]),
                ]
                for s in savings
            ],
            caption="Gaussian operands; negative savings mean L-Mul costs more.",
        )
    )

    doc.add(Heading("Accuracy beside energy"))
    if data.errors:
        doc.add(
            Table(
                ["unit", "energy pJ/op", "mean rel. error", "max rel. error"],
                [
                    [
                        p["label"],
                        p["energy_pj_per_op"],
                        _pct(p["mean_rel_error"]),
                        _pct(p["max_rel_error"]),
                    ]
                    for p in data.errors
                ],
                caption="Error of each multiplier on the same Gaussian operands it was "
                "costed on, against the exact product of those operands.",
            )
        )
    if "energy_error" in figures:
        doc.add(Figure(figures["energy_error"], "Energy vs mean relative error per multiplier."))
    acc_rows = [
        [
            r["study"],
            r["method"],
            r["format"],
            r["m"],
            r["variant"],
            r["samples"],
            _pct(r["mean_rel_error"]),
            _pct(r["max_rel_error"]),
            _pct(r["mean_rel_error_vs_input"]) if r["mean_rel_error_vs_input"] != "" else None,
        ]
        for r in data.accuracy
    ]
    doc.add(
        Table(
            [
                "study",
                "method",
                "format",
                "m",
                "variant",
                "pairs",
                "mean rel. error",
                "max rel. error",
                "mean vs original input",
            ],
            acc_rows,
            caption="The accuracy study (`picojoule accuracy`): Gaussian inputs truncated to "
            "m mantissa bits, and all pairs of normal fp8 values.",
        )
    )
    if "accuracy" in figures:
        doc.add(Figure(figures["accuracy"], "L-Mul and fp8 multiplication accuracy."))

    if data.lut:
        doc.add(*lut_blocks(data.lut, figures=figures))
    if data.lut_accuracy:
        if not data.lut:
            doc.add(Heading("LUT tensor core"))
        doc.add(*accuracy_blocks(data.lut_accuracy, figure=figures.get("lut_accuracy")))

    if data.calibration:
        doc.add(Heading("Calibration against Horowitz' 45 nm figures"))
        doc.add(
            Table(
                [
                    "operation",
                    "unit",
                    "ours pJ",
                    "Horowitz pJ (his)",
                    "ratio",
                    "ours um^2",
                    "Horowitz um^2 (his)",
                    "area ratio",
                ],
                [
                    [
                        c["operation"],
                        c["unit"],
                        c["energy_pj"],
                        c["horowitz_pj"],
                        round(c["ratio"], 2),
                        c["area_um2"],
                        c["horowitz_area_um2"],
                        round(c["area_ratio"], 2),
                    ]
                    for c in data.calibration
                ],
                caption=f"Ours: default library at his {data.calibration[0]['voltage']} V, "
                f"uniform random operands, no fitted factor. His: {HOROWITZ_SOURCE}.",
            )
        )
        outside = [c["operation"] for c in data.calibration if not 1 / 3 <= c["ratio"] <= 3]
        doc.add(
            Paragraph(
                "Every energy ratio lies within a factor of 3."
                if not outside
                else f"Outside a factor of 3: {', '.join(outside)}."
            )
        )

    peer_rows = []
    by_name = {(r["name"], r["distribution"]): r for r in data.records}
    for peer in PEERS:
        ours = by_name.get((peer.unit, "uniform"))
        if ours is not None:
            peer_rows.append(
                [
                    peer.design,
                    peer.source,
                    peer.area_um2,
                    peer.delay_ns,
                    peer.unit,
                    ours["area_um2"],
                    ours["delay_ns"],
                ]
            )
    if peer_rows:
        doc.add(Heading("Peers' published figures (theirs) beside ours"))
        doc.add(
            Table(
                [
                    "peer design",
                    "peer source",
                    "peer um^2 (theirs)",
                    "peer ns (theirs)",
                    "picojoule unit",
                    "ours um^2",
                    "ours ns",
                ],
                peer_rows,
                caption=f"Peer figures {PEERS_SOURCE}. Ours: the default library. Peers "
                "differ in contract: none checks bit-exactness, and their FP "
                "multipliers' rounding and special values differ from ours.",
            )
        )

    doc.add(Heading("Method and limits"))
    doc.add(
        Paragraph(
            "Energy = switching (1/2 C V^2 per net toggle, C from fan-out pin capacitances plus a "
            "wire-load estimate) + cell internal energy per output toggle + leakage x clock period. "
            "Toggles are counted between consecutive operations with zero delay: glitches are not "
            "counted, which flatters deep carry chains and array multipliers most. Delays are a "
            "static estimate from the library's cell delays, not sign-off timing. Areas are cell "
            "areas after ABC mapping, without placement or routing."
        )
    )
    return doc
