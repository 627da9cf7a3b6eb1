"""DIR/results.csv and a self-contained DIR/index.html: the table, Pareto fronts, their points.

Pareto fronts minimize both axes; a point is on the front when no other point is at most as
large on both axes and smaller on one. Fronts drawn (finished points with both values):

* units: energy per operation vs mean relative error (against the exact result);
* units and tiles: area vs critical-path delay;
* tiles: energy per MAC vs mean relative error of the tile's GEMM.

The figures are matplotlib PNGs embedded as base64, so the page needs no other file.
`preload` loads matplotlib (and draws a throwaway figure, which loads the fonts) in a thread
while the sweep still runs; `write_outputs` waits for it.
"""

import base64
import csv
import html
import io
import math
import threading

from picojoule.base import atomic

__all__ = ["write_outputs", "preload", "pareto", "FRONTS"]

#: (title, family, x field, x label, y field, y label); both minimized.
FRONTS = (
    (
        "Units: energy per operation vs mean relative error",
        "units",
        "mean_rel_error",
        "mean relative error",
        "energy_pj_per_op",
        "energy per operation (pJ)",
    ),
    ("Area vs delay", None, "delay_ns", "critical path (ns)", "area_um2", "area (um^2)"),
    (
        "Tiles: energy per MAC vs mean relative error",
        "tiles",
        "mean_rel_error",
        "mean relative error of the GEMM (of max |C|)",
        "pj_per_mac",
        "energy per MAC (pJ)",
    ),
)
FIRST_COLUMNS = (
    "name",
    "status",
    "family",
    "kind",
    "core",
    "energy_pj_per_op",
    "pj_per_mac",
    "mean_rel_error",
    "max_rel_error",
    "area_um2",
    "delay_ns",
    "verify_method",
    "error",
)


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def pareto(records, x, y):
    """The records not dominated on (``x``, ``y``), both minimized, sorted by ``x``."""
    points = sorted(
        (r for r in records if _number(r.get(x)) and _number(r.get(y))),
        key=lambda r: (r[x], r[y]),
    )
    front, best = [], math.inf
    for record in points:
        if record[y] < best:
            front.append(record)
            best = record[y]
    return front


def _columns(records):
    seen = dict.fromkeys(c for c in FIRST_COLUMNS if any(c in r for r in records))
    for record in records:
        seen.update(dict.fromkeys(record))
    return list(seen)


def _csv_text(records, columns):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


_PRELOAD = []


def _draw_nothing():
    try:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(1, 1), dpi=20)
        fig.subplots().set(title="t", xlabel="x", ylabel="y")
        fig.savefig(io.BytesIO(), format="png")
    except Exception:  # noqa: BLE001, S110 - write_outputs draws again and reports it
        pass


def preload():
    """Start loading matplotlib and its fonts in a background thread (once)."""
    if not _PRELOAD:
        thread = threading.Thread(target=_draw_nothing, daemon=True, name="render-preload")
        _PRELOAD.append(thread)
        thread.start()


def _figure(records, front, *, title, x, xlabel, y, ylabel):
    # a bare Figure (Agg canvas) instead of pyplot: no GUI backend, no global state, and
    # half the import time, which every sweep pays at its end
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.8), dpi=110)
    # fixed margins (room for the tick labels and axis titles) instead of tight_layout, which
    # draws the figure once more to measure it
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.11, top=0.93)
    ax = fig.subplots()
    usable = [r for r in records if _number(r.get(x)) and _number(r.get(y))]
    for family, marker in (("units", "o"), ("tiles", "s")):
        chosen = [r for r in usable if r["family"] == family]
        if chosen:
            ax.scatter(
                [r[x] for r in chosen],
                [r[y] for r in chosen],
                marker=marker,
                alpha=0.5,
                label=f"{family} ({len(chosen)})",
            )
    ax.step(
        [r[x] for r in front],
        [r[y] for r in front],
        where="post",
        color="crimson",
        marker="x",
        label=f"Pareto front ({len(front)})",
    )
    xs = [r[x] for r in front] or [0.0]
    low, high = min(xs), max(xs)
    for r in front[:12]:
        # a label right of the points in the right half would run past the axes: put it left
        left = r[x] > (low + high) / 2
        ax.annotate(
            r.get("name", ""),
            (r[x], r[y]),
            fontsize=6,
            xytext=(-3 if left else 3, 3),
            textcoords="offset points",
            ha="right" if left else "left",
        )
    if all(r[y] > 0 for r in usable) and max(r[y] for r in usable) > 20 * min(r[y] for r in usable):
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode()


def _cell(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape("" if value is None else str(value))


def _table(records, columns):
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = "".join(
        f"<tr class='{html.escape(str(r.get('status')))}'>"
        + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns)
        + "</tr>"
        for r in records
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


STYLE = """
body{font-family:sans-serif;margin:1.5em;max-width:100%}
table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ccc;padding:2px 5px;white-space:nowrap}
th{background:#eee;position:sticky;top:0}
tr.failed td{background:#fdd}
.scroll{overflow:auto;max-height:40em}
img{max-width:100%}
"""


def _page(spec, records, ok):
    counts = f"{len(ok)} of {len(spec.points)} points finished"
    failed = [r for r in records if r.get("status") == "failed"]
    if failed:
        counts += f", {len(failed)} failed"
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>sweep {html.escape(spec.name)}"
        f"</title><style>{STYLE}</style></head><body>",
        f"<h1>Sweep {html.escape(spec.name)}</h1>",
        f"<p>{html.escape(str(spec.path))}: {counts}. Figures from picojoule's own flow "
        "(generated RTL, co-verified, Yosys + ABC, energy from a gate-level timing simulation, glitches included).</p>",
    ]
    for title, family, x, xlabel, y, ylabel in FRONTS:
        chosen = [r for r in ok if family is None or r["family"] == family]
        front = pareto(chosen, x, y)
        if not front:
            continue
        image = _figure(chosen, front, title=title, x=x, xlabel=xlabel, y=y, ylabel=ylabel)
        parts += [
            f"<h2>{html.escape(title)}</h2>",
            f"<img alt='{html.escape(title)}' src='data:image/png;base64,{image}'>",
            f"<p>Pareto-optimal points ({len(front)} of {len(chosen)}):</p>",
            _table(front, list(dict.fromkeys(["name", "family", x, y, *_front_extras(front)]))),
        ]
    if failed:
        parts += ["<h2>Failed points</h2>", _table(failed, ["label", "error", "key"])]
    parts += [
        "<h2>All points</h2>",
        f"<div class='scroll'>{_table(records, _shown_columns(records))}</div>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _shown_columns(records):
    """The columns with a value in some record (the CSV keeps them all)."""
    return [c for c in _columns(records) if any(r.get(c) not in (None, "") for r in records)]


def _front_extras(front):
    wanted = ("area_um2", "delay_ns", "energy_pj_per_op", "mean_rel_error", "max_rel_error")
    return [c for c in wanted if any(c in r for r in front)]


def write_outputs(directory, spec, records):
    """Write ``results.csv`` and ``index.html`` (atomically) for this spec's ``records``."""
    for thread in _PRELOAD:
        thread.join()
    records = sorted(records, key=lambda r: (r.get("family", ""), r.get("name") or "", r["key"]))
    ok = [r for r in records if r.get("status") == "ok"]
    atomic.write_text(directory / "results.csv", _csv_text(records, _columns(records)))
    atomic.write_text(directory / "index.html", _page(spec, records, ok))
