"""Turn `ReportData` into the report `Document`: tables, figures and the claims beside them."""

import datetime
import math

from picojoule import __version__
from picojoule.base.references import HOROWITZ_SOURCE, LMUL_CLAIMS, LMUL_SOURCE, PEERS, PEERS_SOURCE
from picojoule.document import Details, Document, Figure, Heading, Paragraph, Table
from picojoule.models.units import FpMul, LMul
from picojoule.report_headline import (
    ENERGY,
    calibration_sentence,
    headline_sentences,
    pct,
    saving_span,
)
from picojoule.report_plots import FLOAT_FORMATS, _find

FIGURES = {
    "area_energy": "figures/area_energy.png",
    "distribution": "figures/energy_by_distribution.png",
    "energy_error": "figures/energy_vs_error.png",
    "accuracy": "figures/accuracy.png",
    "lut": "figures/lut_vs_mac.png",
    "lut_accuracy": "figures/lut_accuracy.png",
    "glitch": "figures/glitch_energy.png",
    "blocks": "figures/block_formats.png",
}


def _pct(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else pct(x)


def _zero(record):
    """The record's zero-delay energy (older records without a timing run: the same figure)."""
    value = record.get("energy_pj_per_op_zero_delay")
    return record["energy_pj_per_op"] if value is None else value


def glitch_rows(records, *, distribution="gaussian"):
    """[unit, zero-delay pJ, timing-aware pJ, glitch pJ, glitch share of dynamic] per record."""
    return [
        [
            r["name"],
            _zero(r),
            r["energy_pj_per_op"],
            r.get("glitch_pj", 0.0),
            _pct(r.get("glitch_fraction", 0.0)),
        ]
        for r in records
        if r["distribution"] == distribution
    ]


def calibration_verdict(calibration):
    """The calibration sentence: the 2x goal, per-operation ratios, how far glitches moved them,
    and for each operation outside 2x where its energy goes (measured, no fitted factor)."""
    outside = [c for c in calibration if not 0.5 <= c["ratio"] <= 2]
    moved = ", ".join(
        f"{c['operation']} {c.get('ratio_zero_delay') or c['ratio']:.2f}x -> {c['ratio']:.2f}x"
        for c in calibration
    )
    if not outside:
        head = "Every operation lies within 2x of Horowitz' figure (the goal)."
    else:
        causes = []
        for c in outside:
            parts = c.get("parts_pj") or {}
            shares = {k: v / c["energy_pj"] for k, v in parts.items() if c["energy_pj"]}
            top = max(shares, key=shares.get) if shares else None
            split = ", ".join(f"{k} {100 * v:.0f}%" for k, v in shares.items())
            causes.append(
                f"{c['operation']} at {c['ratio']:.2f}x ({split}; glitches "
                f"{_pct(c.get('glitch_fraction'))} of dynamic energy; zero-delay ratio "
                f"{c.get('ratio_zero_delay') or c['ratio']:.2f}x; largest part: {top})"
            )
        head = (
            "Goal (each operation within 2x of Horowitz) not reached for "
            + "; ".join(causes)
            + ". No factor is fitted: the split is the measured cause."
        )
    return f"{head} Zero delay -> timing-aware ratio: {moved}."


def per_transition_fj(c):
    """(transitions per operation, fJ of switching + internal energy per transition) of one
    calibration record, or (None, None) without toggle counts."""
    toggles = (c.get("toggles_per_op") or {}).get("total")
    parts = c.get("parts_pj") or {}
    if not toggles or "switching" not in parts:
        return None, None
    return toggles, 1e3 * (parts["switching"] + parts["internal"]) / toggles


#: How the energy model reads the library, checked against the Liberty semantics (the
#: calibration's excess is not an accounting error); stated for the built-in default library.
CALIBRATION_CHECKS = (
    "How the energy model reads the library was checked once against the Liberty semantics "
    "(2026-11-26, NanGate45; not recomputed by this run; the checks are listed in "
    "cost/calibration.py): no accounting error was found (internal energy once per output "
    "transition, no overlap with the switching term, no hidden power on combinational cells, "
    "internal energy scaled by (V / 1.1 V)^2). What remains is the number of transitions per "
    "operation (glitches, and netlists of single-output gates: ABC maps no full- or half-adder "
    "cells) and the energy per transition; the operand nets (input pins and their wire) are "
    "counted as the unit's, which Horowitz' figures may not include."
)


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
                    "fp_mul_pj": base[ENERGY],
                    "lmul_pj": r[ENERGY],
                    "energy_saving": 1 - r[ENERGY] / base[ENERGY],
                    "energy_saving_zero_delay": 1 - _zero(r) / _zero(base),
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


def _elementwise_verdict(ours, key):
    worst = min(ours, key=lambda s: s[key])
    best = max(ours, key=lambda s: s[key])
    if worst[key] >= 0.9:
        return "holds"
    return f"approached only at {best['format']}" if best[key] >= 0.9 else "not reproduced"


def _verdict_moved(holds, holds_zero_delay):
    text = "holds" if holds else "not reproduced"
    if holds != holds_zero_delay:
        text += " (glitches flip it: with zero-delay toggles " + (
            "it holds)" if holds_zero_delay else "it is not reproduced)"
        )
    return text


def _claims(data, savings):
    rows = []
    claim = {c.key: c for c in LMUL_CLAIMS}
    ours = [s for s in savings if s["variant"] == "int_add"]
    if ours:
        rows.append(
            [
                claim["elementwise_saving"].text,
                _pct(claim["elementwise_saving"].value),
                f"{saving_span(ours, 'energy_saving')} saved by L-Mul int_add against our RNE "
                "multiplier of the same format, Gaussian operands, glitches included"
                + (
                    f" (zero-delay toggles: {saving_span(ours, 'energy_saving_zero_delay')})"
                    if all(s.get("energy_saving_zero_delay") is not None for s in ours)
                    else ""
                ),
                _elementwise_verdict(ours, "energy_saving")
                + (
                    ""
                    if _elementwise_verdict(ours, "energy_saving")
                    == _elementwise_verdict(ours, "energy_saving_zero_delay")
                    else " (glitches flip it: with zero-delay toggles "
                    + _elementwise_verdict(ours, "energy_saving_zero_delay")
                    + ")"
                ),
            ]
        )
    dot = data.lut.get("dot_product_saving") if data.lut else None
    if dot is not None:
        rows.append(
            [
                claim["dot_product_saving"].text,
                _pct(claim["dot_product_saving"].value),
                dot["text"],
                _verdict_moved(
                    dot["saving"] >= 0.75, dot.get("saving_zero_delay", dot["saving"]) >= 0.75
                ),
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


def _with_proofs(verdicts, proofs):
    """Verdict rows with the cached netlist proof and RTL = netlist equivalence of each unit.

    String columns go to the appendix; the booleans ``netlist_exhaustive`` and
    ``rtl_equals_netlist`` (only for units with a cached proof) are counted in the summary line.
    """
    from picojoule.verification import COSTED_BLOCKS, equivalence_label, netlist_label

    by_name = {p["name"]: p for p in proofs}
    rows = []
    for verdict in verdicts:
        proof = by_name.get(verdict["name"], {})
        row = dict(verdict)
        row["netlist_vectors"] = netlist_label(proof.get("netlist"))
        row["RTL_=_netlist"] = equivalence_label(proof.get("equivalence"))
        netlist, equivalence = proof.get("netlist"), proof.get("equivalence")
        if netlist is not None and netlist["mode"] == COSTED_BLOCKS:
            # the report's own block-format units: a check on the costed blocks, not a proof
            rows.append(row)
            continue
        if netlist is not None:
            row["netlist_exhaustive"] = (
                netlist["mode"] == "exhaustive" and not netlist["mismatches"]
            )
        if equivalence is not None:
            row["rtl_equals_netlist"] = equivalence["verdict"] == "proven"
        rows.append(row)
    return rows


def _vector_rule(*, vectors, blocks):
    """How many vectors each unit was co-verified on, in words."""
    rule = (
        f"exhaustive for 8-bit x 8-bit units, {vectors:,} random vectors plus corners for "
        "wider ones"
    )
    if blocks:
        rule += f"; the block-format units {blocks:,} random blocks plus directed ones"
    return rule


#: How the summary line names the cached proofs' yes/no columns (`_with_proofs`).
_FLAG_WORDS = {
    "netlist_exhaustive": "gate netlist proven on every operand pair (`make prove`)",
    "rtl_equals_netlist": "RTL = netlist proven",
}


def _verification_summary(verdicts, *, vectors, blocks=0):
    """One line over every unit's verdict; extra boolean fields (e.g. netlist proofs) are
    counted as "N of M units"."""
    units = len(verdicts)
    total = sum(v["vectors"] for v in verdicts)
    bad = [v["name"] for v in verdicts if v["mismatches"]]
    which = "the unit" if units == 1 else f"all {units} units"
    text = (
        f"**Verification**: {which} co-verified in cocotb against the bit-exact golden "
        f"models in this flow, {total:,} vectors, "
        + (f"mismatches in {', '.join(bad)}" if bad else "0 mismatches")
        + f" ({_vector_rule(vectors=vectors, blocks=blocks)})"
    )
    known = {"name", "vectors", "mismatches", "seconds", "simulator", "examples", "cached"}
    extra = [k for k in dict.fromkeys(k for v in verdicts for k in v) if k not in known]
    for key in extra:
        flags = [v.get(key) for v in verdicts if isinstance(v.get(key), bool)]
        if flags:
            words = _FLAG_WORDS.get(key, key.replace("_", " "))
            text += f"; {words}: {sum(flags)} of {len(flags)} units"
    return text + ". Per-unit rows are in the appendix."


def _verification_appendix(verdicts, *, vectors, blocks=0):
    known = ["name", "simulator", "vectors", "mismatches"]
    skip = {"examples", "cached", "seconds", "netlist_exhaustive", "rtl_equals_netlist"}
    extra = [
        k for k in dict.fromkeys(k for v in verdicts for k in v) if k not in known and k not in skip
    ]
    return Details(
        "Appendix: co-verification per unit",
        [
            Table(
                [
                    "unit",
                    "simulator",
                    "vectors",
                    "mismatches",
                    *[k.replace("_", " ") for k in extra],
                ],
                [[v.get(k) for k in known + extra] for v in verdicts],
                caption="cocotb co-verification of the exported Verilog against the golden "
                f"models: {_vector_rule(vectors=vectors, blocks=blocks)} (`picojoule sim` runs "
                "1M vectors, 100,000 blocks).",
            )
        ],
    )


def _duration(seconds):
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _max_error(value):
    """A maximum relative error; exactly 100% is marked for the underflow footnote."""
    return None if value is None else pct(value) + (" *" if value == 1.0 else "")


UNDERFLOW_NOTE = (
    "* 100%: some products underflow to zero (the result is 0 where the exact product is "
    "not), a relative error of exactly 1."
)


def build(data, *, figures):
    """The report `Document`; ``figures`` maps FIGURES keys to the ones actually drawn."""
    tools = data.tools
    doc = Document("picojoule report: does this arithmetic really save energy?")
    savings = lmul_savings(data.records)
    for sentence in headline_sentences(data, savings=savings):
        doc.add(Paragraph(sentence, css="headline"))
    method = (
        "Every unit was generated in Amaranth, exported to Verilog, "
        + ("co-verified in cocotb against its bit-exact golden model, " if data.verdicts else "")
        + f"synthesized with {tools['yosys']} + ABC to the `{tools['library']}` cell library and "
        "costed by gate-level timing simulation (library cell delays at each instance's load, "
        "1 ps step, inertial delays as in Icarus; every transition counted, glitches included) "
        f"at {tools['voltage']} V and "
        f"{tools['clock_ghz']} GHz on {tools['n_ops']:,} operations per operand distribution. "
        if data.records
        else ""
    )
    doc.add(
        Paragraph(
            f"Generated by `{data.options.command}` (picojoule {__version__}) on "
            f"{datetime.date.today().isoformat()} in {_duration(data.seconds)}. "
            + method
            + "Figures from papers and peers are labelled as theirs; everything else was "
            "measured in this run. Figures are shown to 3 significant digits (whole numbers "
            "from 1,000), percentages to 0.1%."
            + (f" {calibration_sentence(data.calibration)}" if data.calibration else "")
        )
    )
    verdicts = _with_proofs(data.verdicts, data.proofs)
    if verdicts:
        doc.add(
            Paragraph(
                _verification_summary(
                    verdicts, vectors=data.options.verify_vectors, blocks=data.block_verify
                )
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

    if data.records:
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
                    *[energy[(spec.name, d)][ENERGY] for d in dists],
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

        doc.add(Heading("Glitches: timing-aware vs zero-delay energy"))
        doc.add(
            Table(
                ["unit", "zero-delay pJ/op", "timing-aware pJ/op", "glitch pJ/op", "glitch share"],
                glitch_rows(data.records),
                caption="Gaussian operands. Timing-aware = every transition of the inertial-delay "
                "timing simulation; zero-delay = settled-value changes only; glitch share = "
                "glitch energy / dynamic (switching + internal) energy. Every other energy figure "
                "of this report is the timing-aware one.",
            )
        )
        if "glitch" in figures:
            doc.add(
                Figure(
                    figures["glitch"],
                    "Share of functional (zero-delay) and glitch energy per unit, Gaussian "
                    "operands; the timing-aware pJ per operation above each bar.",
                )
            )

        doc.add(Heading("L-Mul savings per format and variant"))
        doc.add(
            Table(
                [
                    "format",
                    "variant",
                    "FP mul pJ",
                    "L-Mul pJ",
                    "energy saved",
                    "saved (zero delay)",
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
                        _pct(s["energy_saving_zero_delay"]),
                        s["fp_mul_area"],
                        s["lmul_area"],
                        _pct(s["area_saving"]),
                    ]
                    for s in savings
                ],
                caption="Gaussian operands; negative savings mean L-Mul costs more.",
            )
        )

    if data.errors or data.accuracy:
        doc.add(Heading("Accuracy beside energy"))
    if data.errors:
        doc.add(
            Table(
                [
                    "unit",
                    "energy pJ/op",
                    "mean rel. error",
                    "max rel. error",
                    "products flushed to zero",
                    "max rel. error of the others",
                ],
                [
                    [
                        p["label"],
                        p[ENERGY],
                        _pct(p["mean_rel_error"]),
                        _max_error(p["max_rel_error"]),
                        f"{p.get('zero_results', 0):,} of {p['pairs']:,}",
                        _pct(p.get("max_rel_error_nonzero")),
                    ]
                    for p in data.errors
                ],
                caption="Error of each multiplier on the same Gaussian operands it was "
                "costed on, against the exact product of those operands.",
                digits=3,
                notes=[UNDERFLOW_NOTE]
                if any(p["max_rel_error"] == 1.0 for p in data.errors)
                else [],
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
            _max_error(r["max_rel_error"]),
            _pct(r["mean_rel_error_vs_input"]) if r["mean_rel_error_vs_input"] != "" else None,
        ]
        for r in data.accuracy
    ]
    if acc_rows:
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
                notes=[UNDERFLOW_NOTE]
                if any(r["max_rel_error"] == 1.0 for r in data.accuracy)
                else [],
            )
        )
    if "accuracy" in figures:
        doc.add(Figure(figures["accuracy"], "L-Mul and fp8 multiplication accuracy."))

    if data.lut:
        from picojoule.report_lut import lut_blocks

        doc.add(*lut_blocks(data.lut, figures=figures))
    if data.lut_accuracy:
        from picojoule.report_lut_accuracy import accuracy_blocks

        if not data.lut:
            doc.add(Heading("LUT tensor core"))
        doc.add(*accuracy_blocks(data.lut_accuracy, figure=figures.get("lut_accuracy")))

    if data.blocks:
        from picojoule.report_blocks import blocks_blocks

        doc.add(*blocks_blocks(data.blocks, figure=figures.get("blocks")))

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
        doc.add(Paragraph(calibration_verdict(data.calibration)))
        doc.add(
            Table(
                [
                    "operation",
                    "ratio (zero delay)",
                    "glitch share",
                    "switching",
                    "internal",
                    "leakage",
                    "transitions per op",
                    "fJ per transition",
                ],
                [
                    [
                        c["operation"],
                        round(c.get("ratio_zero_delay") or c["ratio"], 2),
                        _pct(c.get("glitch_fraction")),
                        *[
                            _pct(c["parts_pj"][k] / c["energy_pj"]) if c.get("parts_pj") else None
                            for k in ("switching", "internal", "leakage")
                        ],
                        *per_transition_fj(c),
                    ]
                    for c in data.calibration
                ],
                caption="Where our energy goes per calibration operation (shares of the "
                "timing-aware total), the ratio to Horowitz with zero-delay toggles, every "
                "net transition per operation (glitches included) and the switching + internal "
                "energy per transition at his voltage.",
            )
        )
        if all(c.get("library") == "default" for c in data.calibration):
            doc.add(Paragraph(CALIBRATION_CHECKS))

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
    if verdicts:
        doc.add(
            _verification_appendix(
                verdicts, vectors=data.options.verify_vectors, blocks=data.block_verify
            )
        )
    return doc
