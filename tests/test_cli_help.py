"""Every command's --help states its outputs and what it refuses; the README's table matches."""

import re
from pathlib import Path

import pytest

from picojoule.cli import _command_modules, build_parser

README = Path(__file__).resolve().parents[1] / "README.md"
COMMANDS = [name for name, _ in _command_modules()]


def _subparser(name):
    parser = build_parser()
    action = next(a for a in parser._actions if hasattr(a, "choices") and a.choices)
    return action.choices[name]


@pytest.mark.parametrize("name", COMMANDS)
def test_help_states_outputs_and_refusals(name):
    text = " ".join(_subparser(name).format_help().split())
    assert re.search(r"\b(writes|prints)\b", text, re.I), name
    assert re.search(r"\brefuses\b", text, re.I), name


def _table_rows():
    text = README.read_text()
    table = text[text.index("| command | what it does |") :]
    table = table[: table.index("\n\n")]
    return [line for line in table.splitlines() if line.startswith("| `picojoule ")]


def test_readme_table_lists_every_command_with_real_flags():
    rows = _table_rows()
    listed = [re.match(r"\| `picojoule ([a-z-]+)", row).group(1) for row in rows]
    assert sorted(listed) == sorted(COMMANDS)
    for name, row in zip(listed, rows):
        usage = row.split("` |")[0]
        options = set()
        for action in _subparser(name)._actions:
            options.update(action.option_strings)
        for flag in re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", usage):
            assert flag in options, f"README lists {flag} for picojoule {name}"
