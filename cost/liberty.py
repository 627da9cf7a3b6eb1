"""A reader for the Liberty (.lib) format: the group/attribute tree, nothing more.

Liberty is a nest of groups ``kind (args) { ... }`` holding simple attributes ``name : value ;``
and complex attributes ``name (args) ;``. :func:`parse_liberty` returns the tree as
:class:`Group` objects; :mod:`picojoule.cost.library` turns it into per-cell figures.
A ``.lib.gz`` is decompressed in memory.
"""

import gzip
import re
from dataclasses import dataclass, field
from pathlib import Path

from picojoule.base.errors import UserError

_TOKEN = re.compile(
    r"""
    /\*.*?\*/            # block comment
  | //[^\n]*             # line comment
  | \\\r?\n              # line continuation
  | "((?:[^"\\]|\\.)*)"  # string (group 1)
  | ([{}():;,])          # punctuation (group 2)
  | ([^\s{}():;,"\\]+)   # word (group 3)
  | (\S)                 # anything else (group 4)
""",
    re.S | re.X,
)


@dataclass
class Group:
    """One Liberty group: ``kind (args) { attrs; complex; groups }``."""

    kind: str
    args: list
    attrs: dict = field(default_factory=dict)
    complex: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    span: tuple = None  # (start, end) character offsets of the group in the parsed text

    def children(self, kind):
        return [g for g in self.groups if g.kind == kind]

    def child(self, kind):
        for g in self.groups:
            if g.kind == kind:
                return g
        return None

    def complex_attr(self, name):
        for key, args in self.complex:
            if key == name:
                return args
        return None


def _tokens(text):
    for m in _TOKEN.finditer(text):
        string, punct, word, other = m.groups()
        if string is not None:
            yield "s", string, m.start()
        elif punct is not None:
            yield punct, punct, m.start()
        elif word is not None:
            yield "w", word, m.start()
        elif other is not None:
            raise ValueError(f"unexpected character {other!r}")


def parse_liberty(text):
    """Parse Liberty source text into its top-level :class:`Group` (normally ``library``).

    Raises
    ------
    ValueError
        On malformed input (one line naming the first problem).
    """
    tokens = list(_tokens(text))
    n = len(tokens)
    root = Group("<root>", [])
    stack = [root]
    i = 0
    while i < n:
        kind, value, _ = tokens[i]
        if kind == "}":
            if len(stack) == 1:
                raise ValueError("unbalanced '}'")
            done = stack.pop()
            done.span = (done.span[0], tokens[i][2] + 1)
            i += 1
            continue
        if kind == ";":
            i += 1
            continue
        if kind not in ("w", "s"):
            raise ValueError(f"unexpected {value!r} at token {i}")
        name = value
        if i + 1 >= n:
            raise ValueError(f"unexpected end of file after {name!r}")
        nxt = tokens[i + 1][0]
        if nxt == ":":
            j = i + 2
            parts = []
            while (
                j < n
                and tokens[j][0] not in (";", "}")
                and not (parts and j + 1 < n and tokens[j + 1][0] in (":", "("))
            ):
                parts.append(tokens[j][1])
                j += 1
            if not parts:
                raise ValueError(f"attribute {name!r} has no value")
            stack[-1].attrs[name] = " ".join(parts)
            i = j
        elif nxt == "(":
            j = i + 2
            args = []
            while j < n and tokens[j][0] != ")":
                if tokens[j][0] in ("s", "w"):
                    args.append(tokens[j][1])
                elif tokens[j][0] != ",":
                    raise ValueError(f"unexpected {tokens[j][1]!r} in the arguments of {name!r}")
                j += 1
            if j >= n:
                raise ValueError(f"unterminated argument list of {name!r}")
            j += 1
            if j < n and tokens[j][0] == "{":
                group = Group(name, args, span=(tokens[i][2], None))
                stack[-1].groups.append(group)
                stack.append(group)
                j += 1
            else:
                stack[-1].complex.append((name, args))
            i = j
        else:
            raise ValueError(f"expected ':' or '(' after {name!r}")
    if len(stack) != 1:
        raise ValueError(f"unterminated group {stack[-1].kind!r}")
    libraries = root.children("library")
    if len(libraries) != 1:
        raise ValueError("expected exactly one 'library (...) { ... }' group")
    return libraries[0]


def without_groups(text, groups):
    """``text`` with the source of each parsed group in ``groups`` cut out (e.g. unwanted cells)."""
    spans = sorted(g.span for g in groups)
    parts, at = [], 0
    for start, end in spans:
        parts.append(text[at:start])
        at = end
    parts.append(text[at:])
    return "".join(parts)


def read_liberty_text(path):
    """The text of a ``.lib`` or ``.lib.gz`` file; a missing or unreadable file is a UserError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(
            f"cannot read Liberty file {path}: {error.strerror}; pass an existing .lib or .lib.gz"
        ) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise UserError(
                f"Liberty file {path} is not valid gzip ({error}); pass a .lib or .lib.gz"
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")
