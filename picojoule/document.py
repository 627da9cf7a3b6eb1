"""A small document model for reports, rendered to Markdown and to one self-contained HTML page.

A `Document` is a title and a list of blocks: `Heading`, `Paragraph`, `Table`, `Figure`.
Text is plain (inline `code` in backticks is kept in Markdown and rendered as <code> in HTML).
Figures are PNG files; the Markdown links them relative to the report folder, the HTML embeds
them as base64 so the page stands alone.
"""

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Document", "Heading", "Paragraph", "Table", "Figure", "render_markdown", "render_html"]


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    """``rows`` are lists of cells (str, int, float or None); floats are shown with ``digits``."""

    headers: list
    rows: list
    caption: str = ""
    digits: int = 4


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
        if abs(value) >= 10**digits or abs(value) < 10 ** -(digits - 1):
            return f"{value:.{digits - 1}e}"
        return f"{value:.{digits}g}"
    return str(value)


def _md_escape(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(doc):
    out = [f"# {doc.title}", ""]
    for block in doc.blocks:
        if isinstance(block, Heading):
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
        elif isinstance(block, Figure):
            out += [
                f"![{block.caption}]({Path(block.path).as_posix()})",
                "",
                f"*{block.caption}*",
                "",
            ]
        else:
            raise TypeError(f"unknown block {block!r}")
    return "\n".join(out).rstrip() + "\n"


def _inline(text):
    escaped = html.escape(str(text))
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1b1f24;line-height:1.45}
h1{border-bottom:2px solid #444}h2{margin-top:2em;border-bottom:1px solid #bbb}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f2f5}
td:first-child,th:first-child{text-align:left}caption{caption-side:top;text-align:left;
font-style:italic;padding:4px 0}figure{margin:1.5em 0}img{max-width:100%}
figcaption{font-style:italic;color:#444}code{background:#f3f3f3;padding:0 3px}
"""


def render_html(doc, *, root):
    """One HTML page; figures are read from ``root / figure.path`` and embedded."""
    out = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(doc.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(doc.title)}</h1>",
    ]
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{_inline(block.text)}</p>")
        elif isinstance(block, Table):
            out.append("<table>")
            if block.caption:
                out.append(f"<caption>{_inline(block.caption)}</caption>")
            out.append("<tr>" + "".join(f"<th>{_inline(h)}</th>" for h in block.headers) + "</tr>")
            for row in block.rows:
                out.append(
                    "<tr>"
                    + "".join(f"<td>{_inline(_cell(c, block.digits))}</td>" for c in row)
                    + "</tr>"
                )
            out.append("</table>")
        elif isinstance(block, Figure):
            data = base64.b64encode((Path(root) / block.path).read_bytes()).decode("ascii")
            out.append(
                f"<figure><img alt='{html.escape(block.caption)}' "
                f"src='data:image/png;base64,{data}'>"
                f"<figcaption>{_inline(block.caption)}</figcaption></figure>"
            )
        else:
            raise TypeError(f"unknown block {block!r}")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
