"""Cells kept away from synthesis: Liberty ``dont_use``, physical-only and power-management cells.

A Liberty file lists more than ordinary logic: fill, tap, decap, antenna/diode and probe cells
(physical or test structures), and, in sky130, the low-power ``lpflow_*`` family (isolation,
level shifters, keep-alive buffers on a separate supply) whose timing arcs make them look like
cheap gates to ABC. A cell is excluded when

* its Liberty group says ``dont_use : true``, or
* its name matches one of :data:`DEFAULT_DONT_USE` or a user pattern (shell-style globs,
  ``fnmatch``, case-insensitive, matched against the whole cell name).

Excluded cells are removed from the Liberty text Yosys/ABC read and from the library the cost
flow uses (so they also never serve as the reference inverter or NAND2).
"""

import fnmatch

from picojoule.base.errors import UserError

#: Name patterns excluded by default (physical-only, probe and power-management cells).
DEFAULT_DONT_USE = (
    "*lpflow_*",
    "*probe*",
    "*diode*",
    "*antenna*",
    "*tap*",
    "*fill*",
    "*decap*",
    "*sparecell*",
)


def patterns_with_defaults(extra=()):
    """:data:`DEFAULT_DONT_USE` plus the user's ``extra`` patterns, as a tuple (checked)."""
    if isinstance(extra, str):
        extra = (extra,)
    extra = tuple(extra or ())
    for pattern in extra:
        if not isinstance(pattern, str) or not pattern.strip():
            raise UserError(
                f"--dont-use takes a cell-name pattern such as '*xor3*', got {pattern!r}"
            )
    return DEFAULT_DONT_USE + tuple(p for p in extra if p not in DEFAULT_DONT_USE)


def matches(name, patterns):
    """True if cell ``name`` matches any of ``patterns`` (case-insensitive globs)."""
    lower = name.lower()
    return any(fnmatch.fnmatchcase(lower, p.lower()) for p in patterns)


def _flag(group):
    return str(group.attrs.get("dont_use", "false")).strip('"').lower() == "true"


def excluded_groups(cell_groups, patterns):
    """The Liberty ``cell`` groups to leave out: ``dont_use : true`` or a name pattern match."""
    return [g for g in cell_groups if g.args and (_flag(g) or matches(g.args[0], patterns))]
