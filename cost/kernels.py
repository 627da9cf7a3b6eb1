"""Cell functions compiled to straight-line numpy code on packed words (the simulator's inner loop).

A kernel evaluates one output function of one cell type over many instances at once:
``kernel(values, out_rows, *pin_rows)`` gathers each input pin's rows of the ``values`` matrix
(nets x words, uint64), computes the function with in-place bitwise ufuncs (no temporaries
beyond one array per gathered pin) and writes the result to ``values[out_rows]``. The code
is generated from the parsed Liberty function (:mod:`picojoule.cost.boolexpr`); pin names never
enter the generated source, only positional arguments ``p0, p1, ...``.
"""

import functools

import numpy as np

_OPS = {"and": "np.bitwise_and", "or": "np.bitwise_or", "xor": "np.bitwise_xor"}


def _uses(tree, counts):
    kind = tree[0]
    if kind == "var":
        counts[tree[1]] = counts.get(tree[1], 0) + 1
    elif kind == "not":
        _uses(tree[1], counts)
    elif kind != "const":
        for child in tree[1]:
            _uses(child, counts)
    return counts


class _Writer:
    def __init__(self, pins, counts):
        self.lines = []
        self.pins = pins
        self.counts = counts
        self.loaded = {}
        self.fresh = 0

    def temp(self):
        self.fresh += 1
        return f"t{self.fresh}"

    def emit(self, tree):
        """Code computing ``tree``; returns (name, owned): owned arrays may be overwritten."""
        kind = tree[0]
        if kind == "var":
            name = tree[1]
            if name not in self.loaded:
                var = f"g{self.pins.index(name)}"
                self.lines.append(f"{var} = values[p{self.pins.index(name)}]")
                self.loaded[name] = var
            return self.loaded[name], self.counts[name] == 1
        if kind == "const":
            var = self.temp()
            fill = "0xFFFFFFFFFFFFFFFF" if tree[1] else "0"
            self.lines.append(
                f"{var} = np.full((len(out_rows), values.shape[1]), np.uint64({fill}))"
            )
            return var, True
        if kind == "not":
            inner, owned = self.emit(tree[1])
            if owned:
                self.lines.append(f"np.invert({inner}, out={inner})")
                return inner, True
            var = self.temp()
            self.lines.append(f"{var} = np.invert({inner})")
            return var, True
        op = _OPS[kind]
        acc, acc_owned = self.emit(tree[1][0])
        for child in tree[1][1:]:
            other, other_owned = self.emit(child)
            if acc_owned:
                self.lines.append(f"{op}({acc}, {other}, out={acc})")
            elif other_owned:
                self.lines.append(f"{op}({other}, {acc}, out={other})")
                acc, acc_owned = other, True
            else:
                var = self.temp()
                self.lines.append(f"{var} = {op}({acc}, {other})")
                acc, acc_owned = var, True
        return acc, acc_owned


@functools.lru_cache(maxsize=None)
def compile_kernel(tree, pins):
    """``kernel(values, out_rows, *pin_rows)`` for the function ``tree`` of input ``pins``.

    ``tree`` is a parsed function (hashable nested tuples); ``pins`` the cell's input pin names
    in the order their row arrays are passed. ``out_rows`` is an index array or a slice.
    """
    pins = tuple(pins)
    writer = _Writer(list(pins), _uses(tree, {}))
    result, _ = writer.emit(tree)
    args = ", ".join(f"p{k}" for k in range(len(pins)))
    body = "\n    ".join(writer.lines + [f"values[out_rows] = {result}"])
    source = f"def kernel(values, out_rows{', ' if args else ''}{args}):\n    {body}\n"
    namespace = {"np": np}
    exec(compile(source, "<picojoule cell kernel>", "exec"), namespace)  # noqa: S102 (generated)
    return namespace["kernel"]
