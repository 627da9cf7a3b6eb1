"""The error line of an external HDL tool (Yosys, Icarus Verilog, Verilator), as it wrote it.

Each tool names the file and line of a source error in its own way::

    broken.v:2: ERROR: syntax error, unexpected ';'          (Yosys)
    broken.v:2: syntax error                                 (Icarus Verilog)
    %Error: broken.v:2:13: syntax error, unexpected ';'      (Verilator)

`tool_error_line` picks the first such line out of a log, so the user sees the file and line
number instead of an exit status.
"""

import re

__all__ = ["tool_error_line"]

_LOCATED = re.compile(r"^\s*(%Error(-[A-Z0-9_]+)?:\s*)?\S+\.s?v[h]?:\d+(:\d+)?:.*$", re.IGNORECASE)
_GENERIC = re.compile(r"^\s*(%Error|ERROR|error)\b.*$")


def tool_error_line(log, *, rename=None):
    """The first ``file:line:`` error line of ``log`` (text), else its first ``ERROR`` line,
    else None. ``rename`` maps file names the tool saw to the names the user knows."""
    lines = log.splitlines()
    located = [
        line.strip()
        for line in lines
        if _LOCATED.match(line) and re.search(r"error", line, re.IGNORECASE)
    ]
    found = (
        located[0] if located else next((ln.strip() for ln in lines if _GENERIC.match(ln)), None)
    )
    if found and rename:
        for seen, known in rename.items():
            found = found.replace(seen, known)
    return found
