"""Command-line options of the unit kinds (``picojoule generate``), declared with the specs.

Each spec class of the unit registry (`picojoule.models.units`) lists its `Option` objects in
``OPTIONS`` and builds itself from their values with ``from_options``; the options shared by
several kinds (operand and result formats) are defined here once.
"""

from dataclasses import dataclass

__all__ = ["Option", "A", "B", "RESULT"]


@dataclass(frozen=True)
class Option:
    """One command-line option of a unit kind (``picojoule generate --NAME``).

    ``name`` is the flag without dashes and the key in ``from_options``'s values; ``negation``
    names the opposite flag of a boolean option (``--unsigned`` for ``--signed``). Given to a
    kind that does not take it, the option is refused with "--NAME applies to SCOPE, not KIND;
    FIX" (``scope`` defaults to the kinds that take it, ``fix`` to "drop it").
    """

    name: str
    help: str
    choices: tuple = None
    default: object = None
    type: type = str
    metavar: str = None
    negation: str = None
    scope: str = None
    fix: str = "drop it"


A = Option(
    "a",
    "format of operand a (float kinds: e4m3, e5m2, bf16, fp16, fp32, eXmY...; integer kinds: "
    "int8, uint8, ... or use --width; mx_dot: the element format)",
    metavar="FMT",
)
B = Option("b", "format of operand b (default: as --a)", metavar="FMT")
RESULT = Option(
    "result",
    "result format (default: as --a for float kinds; the exact width for integer kinds; fp32 "
    "for mx_dot)",
    metavar="FMT",
)
