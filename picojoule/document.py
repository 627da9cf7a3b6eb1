"""A small document model for reports, rendered to Markdown and to one self-contained HTML page.

A `Document` is a title and a list of blocks: `Heading`, `Paragraph`, `Table`, `Figure`, and
`Details` (a titled group of blocks, collapsed in HTML: an appendix).
Text is plain (inline `code` in backticks is kept in Markdown and rendered as <code> in HTML).
Figures are PNG files; the Markdown links them relative to the report folder, the HTML embeds
them as base64 so the page stands alone.
"""

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Document",
    "Heading",
    "Paragraph",
    "Table",
    "Figure",
    "Details",
    "render_markdown",
    "render_html",
]


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    """Text; ``css`` names an HTML class (``headline``: the boxed answer at the top)."""

    text: str
    css: str = ""


@dataclass
class Table:
    """``rows`` are lists of cells (str, int, float or None); floats are shown with ``digits``
    significant digits (whole numbers from ``10**digits`` up, powers of ten below
    ``10**-(digits - 1)``). ``notes`` are lines printed under the table (legends, footnotes)."""

    headers: list
    rows: list
    caption: str = ""
    digits: int = 3
    notes: list = field(default_factory=list)


@dataclass
class Details:
    """A titled group of blocks: a heading and the blocks in Markdown, a collapsed section
    (``<details>``) in HTML."""

    summary: str
    blocks: list = field(default_factory=list)


@dataclass
class Figure:
    path: Path  # PNG, relative to the report folder
    caption: str


@dataclass
class Document:
    title: str
    blocks: list = field(default_factory=list)

    def add(self, *blocks):
        self.blocks.extend(blocks)
        return self


def _cell(value, digits):
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return "n/a"
        if value == 0:
            return "0"
        if abs(value) >= 10**digits:
            return f"{value:,.0f}"
        if abs(value) < 10 ** -(digits - 1):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}"
    return str(value)


def _md_escape(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(doc):
    out = [f"# {doc.title}", ""]
    _markdown_blocks(doc.blocks, out)
    return "\n".join(out).rstrip() + "\n"


def _markdown_blocks(blocks, out):
    for block in blocks:
        if isinstance(block, Details):
            out += ["## " + block.summary, ""]
            _markdown_blocks(block.blocks, out)
        elif isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            out += [block.text, ""]
        elif isinstance(block, Table):
            if block.caption:
                out += [f"*{block.caption}*", ""]
            out.append("| " + " | ".join(_md_escape(h) for h in block.headers) + " |")
            out.append("|" + "---|" * len(block.headers))
            for row in block.rows:
                out.append(
                    "| " + " | ".join(_md_escape(_cell(c, block.digits)) for c in row) + " |"
                )
            out.append("")
            for note in block.notes:
                out += [f"<sub>{note}</sub>", ""]
        elif isinstance(block, Figure):
            out += [
                f"![{block.caption}]({Path(block.path).as_posix()})",
                "",
                f"*{block.caption}*",
                "",
            ]
        else:
            raise TypeError(f"unknown block {block!r}")


def _numeric(value):
    """The class attribute of a numeric cell (right-aligned)."""
    return " class='n'" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _inline(text):
    escaped = html.escape(str(text))
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1b1f24;line-height:1.45}
h1{border-bottom:2px solid #444}h2{margin-top:2em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f0f2f5}
td.n{text-align:right;font-variant-numeric:tabular-nums}caption{caption-side:top;text-align:left;
font-style:italic;padding:4px 0}figure{margin:1.5em 0}img{max-width:100%}
figcaption{font-style:italic;color:#444}code{background:#f3f3f3;padding:0 3px}
.note{font-size:0.85em;color:#444;margin:-0.5em 0 1em}
.headline{font-size:1.08em;background:#f6f8fa;border-left:4px solid #2b6cb0;padding:0.4em 1em}
details{margin:2em 0}summary{font-size:1.3em;font-weight:600;cursor:pointer}
"""


def render_html(doc, *, root):
    """One HTML page; figures are read from ``root / figure.path`` and embedded."""
    out = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(doc.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(doc.title)}</h1>",
    ]
    _html_blocks(doc.blocks, out, root)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_blocks(blocks, out, root):
    for block in blocks:
        if isinstance(block, Details):
            out.append(f"<details><summary>{_inline(block.summary)}</summary>")
            _html_blocks(block.blocks, out, root)
            out.append("</details>")
        elif isinstance(block, Heading):
            out.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            css = f" class='{block.css}'" if block.css else ""
            out.append(f"<p{css}>{_inline(block.text)}</p>")
        elif isinstance(block, Table):
            out.append("<table>")
            if block.caption:
                out.append(f"<caption>{_inline(block.caption)}</caption>")
            out.append("<tr>" + "".join(f"<th>{_inline(h)}</th>" for h in block.headers) + "</tr>")
            for row in block.rows:
                out.append(
                    "<tr>"
                    + "".join(
                        f"<td{_numeric(c)}>{_inline(_cell(c, block.digits))}</td>" for c in row
                    )
                    + "</tr>"
                )
            out.append("</table>")
            out += [f"<p class='note'>{_inline(note)}</p>" for note in block.notes]
        elif isinstance(block, Figure):
            data = base64.b64encode((Path(root) / block.path).read_bytes()).decode("ascii")
            out.append(
                f"<figure><img alt='{html.escape(block.caption)}' "
                f"src='data:image/png;base64,{data}'>"
                f"<figcaption>{_inline(block.caption)}</figcaption></figure>"
            )
        else:
            raise TypeError(f"unknown block {block!r}")
