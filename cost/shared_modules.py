"""Repeated sub-blocks of a Verilog design written by Amaranth, merged into one module each.

Amaranth writes every instance of a sub-component as its own module (``top.tile.acc_add0_0``,
``top.tile.acc_add0_1``, ...) even when their texts are identical, so a tile of M x N equal
accumulators reaches Yosys as M x N modules. `merge_repeated_modules` keeps the first module of
each group whose port list and body are the same text (only the module name differs) and points
every instance of the others at it. The design's logic is unchanged: instances connect by port
name, and the merged modules are the same text under another name.
"""

import hashlib
import re

__all__ = ["merge_repeated_modules"]

#: One module with the attribute lines before it: its name (plain or escaped identifier), port
#: list and body up to ``endmodule``.
_MODULE = re.compile(
    r"^(?:\(\*[^\n]*\*\)\n)*module (\\\S+|[^\s(]+) ?(\(.*?\));(.*?)^endmodule\b[^\n]*\n?",
    re.S | re.M,
)


def _instance_pattern(names):
    """A pattern for an instantiation of any module in ``names`` (the module name first on its
    line, then an instance name and an opening parenthesis)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"^(\s+)({alternatives})(\s+\S+\s*\()", re.M)


def merge_repeated_modules(text):
    """(Verilog text, number of modules merged away) for Amaranth's Verilog ``text``.

    Modules with the same port list and body text form a group; the first of each group stays
    and the instances of the others name it instead. Returns ``text`` itself and 0 when no two
    modules are the same.
    """
    kept = {}
    rename = {}
    spans = []
    for match in _MODULE.finditer(text):
        name, ports, body = match.groups()
        digest = hashlib.sha256((ports + ";" + body).encode()).hexdigest()
        if digest in kept:
            rename[name] = kept[digest]
            spans.append(match.span())
        else:
            kept[digest] = name
    if not rename:
        return text, 0
    pieces = []
    start = 0
    for begin, end in spans:
        pieces.append(text[start:begin])
        start = end
    pieces.append(text[start:])
    merged = "".join(pieces)
    merged = _instance_pattern(rename).sub(
        lambda m: m.group(1) + rename[m.group(2)] + m.group(3), merged
    )
    return merged, len(rename)
