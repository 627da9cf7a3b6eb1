"""Liberty ``function`` strings: parse once, evaluate on packed bit vectors, print as Verilog.

Grammar (Liberty, highest precedence first): ``!x`` and ``x'`` (not), ``^`` (xor),
``&``, ``*`` or juxtaposition (and), ``|`` or ``+`` (or); parentheses; constants ``0``/``1``.
An expression is a nested tuple: ``("var", name)``, ``("const", 0|1)``, ``("not", e)``,
``("and"|"or"|"xor", (e, ...))``.
"""

import re

import numpy as np

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_\[\].]*)|([01])|(.))")


def _lex(text):
    out = []
    for m in _TOKEN.finditer(text):
        name, const, op = m.groups()
        if name is not None:
            out.append(("var", name))
        elif const is not None:
            out.append(("const", int(const)))
        elif op is not None and not op.isspace():
            out.append(("op", op))
    return out


def parse_function(text):
    """Parse a Liberty boolean function; ValueError naming the text if it is malformed."""
    tokens = _lex(text)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else ("end", None)

    def parse_or():
        nonlocal pos
        terms = [parse_and()]
        while peek() in (("op", "|"), ("op", "+")):
            pos += 1
            terms.append(parse_and())
        return terms[0] if len(terms) == 1 else ("or", tuple(terms))

    def parse_and():
        nonlocal pos
        terms = [parse_xor()]
        while True:
            tok = peek()
            if tok in (("op", "&"), ("op", "*")):
                pos += 1
                terms.append(parse_xor())
            elif tok[0] in ("var", "const") or tok in (("op", "!"), ("op", "(")):
                terms.append(parse_xor())  # juxtaposition means and
            else:
                break
        return terms[0] if len(terms) == 1 else ("and", tuple(terms))

    def parse_xor():
        nonlocal pos
        terms = [parse_unary()]
        while peek() == ("op", "^"):
            pos += 1
            terms.append(parse_unary())
        return terms[0] if len(terms) == 1 else ("xor", tuple(terms))

    def parse_unary():
        nonlocal pos
        tok = peek()
        if tok == ("op", "!"):
            pos += 1
            node = ("not", parse_unary())
        elif tok == ("op", "("):
            pos += 1
            node = parse_or()
            if peek() != ("op", ")"):
                raise ValueError(f"unbalanced parentheses in Liberty function {text!r}")
            pos += 1
        elif tok[0] in ("var", "const"):
            pos += 1
            node = tok
        else:
            raise ValueError(f"cannot parse Liberty function {text!r}")
        while peek() == ("op", "'"):
            pos += 1
            node = ("not", node)
        return node

    if not tokens:
        raise ValueError("empty Liberty function")
    tree = parse_or()
    if pos != len(tokens):
        raise ValueError(f"cannot parse Liberty function {text!r}")
    return tree


def variables(tree):
    """The input names an expression reads, in first-use order."""
    out = []

    def walk(node):
        if node[0] == "var":
            if node[1] not in out:
                out.append(node[1])
        elif node[0] == "not":
            walk(node[1])
        elif node[0] != "const":
            for child in node[1]:
                walk(child)

    walk(tree)
    return out


def evaluate(tree, env, like):
    """Evaluate on packed words: ``env`` maps names to uint64 arrays of ``like``'s shape."""
    kind = tree[0]
    if kind == "var":
        return env[tree[1]]
    if kind == "const":
        return np.full_like(like, np.uint64(0xFFFFFFFFFFFFFFFF) if tree[1] else 0)
    if kind == "not":
        return ~evaluate(tree[1], env, like)
    values = [evaluate(child, env, like) for child in tree[1]]
    op = {"and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor}[kind]
    result = op(values[0], values[1])
    for value in values[2:]:
        op(result, value, out=result)
    return result


def to_verilog(tree, rename=lambda name: name):
    """A Verilog expression of the same function."""
    kind = tree[0]
    if kind == "var":
        return rename(tree[1])
    if kind == "const":
        return f"1'b{tree[1]}"
    if kind == "not":
        return f"~({to_verilog(tree[1], rename)})"
    joiner = {"and": " & ", "or": " | ", "xor": " ^ "}[kind]
    return "(" + joiner.join(to_verilog(child, rename) for child in tree[1]) + ")"


def count_literals(tree):
    """Number of variable occurrences (a size measure of the expression)."""
    kind = tree[0]
    if kind == "var":
        return 1
    if kind == "const":
        return 0
    if kind == "not":
        return count_literals(tree[1])
    return sum(count_literals(child) for child in tree[1])


def support_given(tree, fixed):
    """The variables ``tree`` still depends on when those in ``fixed`` (name -> 0/1) are held.

    Returns ``(support, value)``: the free variables whose value can change the result, and
    the result (0 or 1) when it is constant (``support`` empty), else None. More than six free
    variables are all reported as support (no truth table is built).
    """
    free = [v for v in variables(tree) if v not in fixed]
    if len(free) > 6:
        return frozenset(free), None
    patterns = np.arange(64, dtype=np.uint64)
    env = {}
    for k, name in enumerate(free):
        bits = (patterns >> np.uint64(k)) & np.uint64(1)
        env[name] = np.array([int(np.sum(bits << patterns))], dtype=np.uint64)
    for name, value in fixed.items():
        env[name] = np.array([0xFFFFFFFFFFFFFFFF if value else 0], dtype=np.uint64)
    rows = 1 << len(free)
    table = int(evaluate(tree, env, np.zeros(1, np.uint64))[0]) & ((1 << rows) - 1)
    support = frozenset(
        name
        for k, name in enumerate(free)
        if any(
            (table >> p & 1) != (table >> (p | 1 << k) & 1) for p in range(rows) if not p >> k & 1
        )
    )
    if support:
        return support, None
    return support, table & 1
