"""The README's contract table is the one rendered from the specs."""

import re
from pathlib import Path

from picojoule.contract import markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_contract_matches_specs():
    text = README.read_text()
    match = re.search(r"<!-- contract:begin -->\n(.*?)<!-- contract:end -->", text, re.S)
    assert match, "README lacks the contract markers"
    assert match.group(1) == markdown(), "README contract is stale: paste `picojoule contract`"


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "make report" in text and "make test" in text
