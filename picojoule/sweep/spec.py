"""The sweep file: a TOML document (read with ``tomllib``) naming the axes of a design space.

Layout::

    [sweep]                      # settings, and the default of every shared axis
    name = "smoke"
    seed = 0                     # operand and vector seed
    vectors = 20000              # random vectors for units above 16 input bits (+ corners)
    ops = 20000                  # operations (units) or cycles (tiles) per energy estimate
    simulator = "icarus"         # or "verilator"
    sample = 50                  # optional: a seeded random sample of N of all points
    library = "default"          # shared axes, each a value or a list:
    voltage = [0.9, 1.1]         #   supply in V (default: the library's nominal)
    clock_ghz = 1.0
    operands = "gaussian"        #   uniform | gaussian | laplace | a .npy tensor (units)

    [[units]]                    # one table: the Cartesian product of its lists
    kind = "lmul"                # any kind of picojoule.models.units.UNIT_KINDS
    format = ["e4m3", "e5m2fnuz", "e3m4"]   # a = b = out (any eXmY[fn|fnuz|finite])
    variant = ["int_add", "mitchell"]
    overflow = ["nonsat", "sat"]
    stages = [0, 2]

    [[tiles]]                    # tensor-core tiles
    core = ["lut", "mac-int"]    # lut, mac-int, mac-int8, mac-int16, mac-fp8, mac-lmul
    m = 2                        # tile shape (defaults M2 N8 K4, W2, int8)
    n = 8
    k = 4
    wbits = [1, 2, 4]
    act = ["int8", "int16"]

    [[points]]                   # explicit points, one each (scalars only)
    kind = "int_mul"
    width = 12

A units table takes ``kind``, the spec fields of that kind (e.g. ``a``, ``b``, ``out``,
``variant``, ``overflow``, ``stages``) and the shorthands ``format`` (a = b = out) and
``width`` / ``signed`` (integer operands); a table's own shared axes replace ``[sweep]``'s.
Paths (Liberty files, .npy tensors) are relative to the sweep file. Any mistake is a
`UserError` naming the file, the line, the table and the key.
"""

import hashlib
import random
import re
import tomllib
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

from picojoule.base.errors import UserError
from picojoule.sweep import adapter

__all__ = ["SweepSpec", "load_spec", "SETTINGS", "SHARED_AXES"]

#: [sweep] settings: name -> (type check, default).
SETTINGS = {
    "name": (str, None),
    "seed": (int, 0),
    "vectors": (int, 20_000),
    "ops": (int, 20_000),
    "simulator": (str, "icarus"),
    "sample": (int, None),
}
#: Axes every table shares, defaulted by [sweep].
SHARED_AXES = ("library", "voltage", "clock_ghz", "operands")
SHORTHANDS = ("format", "width", "signed")
TILE_KEYS = ("core", "m", "n", "k", "wbits", "act", "pipelined")
TABLES = ("sweep", "units", "tiles", "points")
DISTRIBUTIONS = ("uniform", "gaussian", "laplace")
SIMULATORS = ("icarus", "verilator")


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep: its settings, its design points (plain dicts, in file order) and the
    content hash of every file a point names (Liberty, .npy)."""

    path: Path
    settings: dict
    points: list
    files: dict = field(default_factory=dict)

    @property
    def name(self):
        return self.settings["name"] or self.path.stem


class _Locator:
    """Line numbers of tables and keys in the TOML text (tomllib gives none)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")

    def __init__(self, text):
        self.lines = text.splitlines()

    def line(self, table, index=None, key=None):
        seen, inside, header = -1, False, None
        for number, text in enumerate(self.lines, 1):
            match = self._HEADER.match(text)
            if match:
                name = match.group(2)
                if name == table:
                    seen += 1
                    inside = index is None or seen == index
                    if inside:
                        header = header or number
                else:
                    inside = False
                continue
            if inside and key is not None and re.match(rf"^\s*{re.escape(key)}\s*=", text):
                return number
        if header is None and key is not None:  # a top-level key
            for number, text in enumerate(self.lines, 1):
                if self._HEADER.match(text):
                    break
                if re.match(rf"^\s*{re.escape(key)}\s*=", text):
                    return number
        return header or 1


class _Parser:
    def __init__(self, path, text):
        self.path = path
        self.where = _Locator(text)
        self.files = {}

    def fail(self, message, *, table, index=None, key=None):
        line = self.where.line(table, index, key)
        place = table if index is None else f"{table}[{index + 1}]"
        if key is not None:
            place += f" key '{key}'"
        raise UserError(f"{self.path}:{line}: {place}: {message}")

    # -- values ----------------------------------------------------------------------------

    def axis(self, value, *, table, index, key, scalar_only=False):
        """The list of values of one axis (a scalar is a one-value axis)."""
        values = value if isinstance(value, list) else [value]
        if isinstance(value, list) and scalar_only:
            self.fail(
                "explicit points take one value, not a list", table=table, index=index, key=key
            )
        if not values:
            self.fail("empty axis; give at least one value", table=table, index=index, key=key)
        return [self.value(v, table=table, index=index, key=key) for v in values]

    def value(self, v, *, table, index, key):
        def want(kind, check=lambda _: True, what=None):
            ok = isinstance(v, kind) and not (kind is not bool and isinstance(v, bool))
            if not ok or not check(v):
                got = type(v).__name__ if not ok else repr(v)
                self.fail(f"expected {what or kind.__name__}, got {got}", **where)
            return v

        where = {"table": table, "index": index, "key": key}
        if key in ("voltage", "clock_ghz"):
            return float(want((int, float), lambda x: x > 0, "a positive number"))
        if key in ("stages",):
            return want(int, lambda x: x >= 0, "a whole number >= 0")
        if key in ("m", "n", "k", "wbits", "width"):
            return want(int, lambda x: x >= 1, "a whole number >= 1")
        if key in ("signed", "pipelined"):
            return want(bool, what="true or false")
        if key in ("format", "a", "b", "out", "fmt", "act"):
            self.format_name(want(str, what="a format name"), **where)
            return v
        if key == "library":
            return self.file_or(
                want(str, what="'default' or a Liberty path"), ("default",), **where
            )
        if key == "operands":
            if not want(str, what="a distribution or a .npy path").endswith(".npy"):
                if v not in DISTRIBUTIONS:
                    self.fail(
                        f"unknown operand distribution {v!r}; choose from "
                        f"{', '.join(DISTRIBUTIONS)} or a .npy tensor",
                        **where,
                    )
                return v
            return self.file_or(v, (), **where)
        if key == "kind":
            if want(str) not in adapter.unit_kinds():
                self.fail(
                    f"unknown unit kind {v!r}; choose from {', '.join(adapter.unit_kinds())}",
                    **where,
                )
            return v
        if key == "core":
            if want(str) not in adapter.TILE_CORES:
                self.fail(
                    f"unknown tile core {v!r}; choose from {', '.join(adapter.TILE_CORES)}",
                    **where,
                )
            return v
        return want((str, int, float, bool), what="a string, number or boolean")

    def format_name(self, name, **where):
        from picojoule.models.formats import get_format

        if re.fullmatch(r"u?int\d+", name):
            return name
        try:
            get_format(name)
        except ValueError as error:
            self.fail(str(error), **where)

    def file_or(self, value, keywords, **where):
        if value in keywords:
            return value
        path = (self.path.parent / value).resolve()
        try:
            self.files[value] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            self.fail(f"cannot read {path}; give an existing file", **where)
        return value

    # -- tables ----------------------------------------------------------------------------

    def settings(self, table):
        out = {}
        for key, value in table.items():
            if key not in SETTINGS and key not in SHARED_AXES:
                self.fail(
                    f"unknown key; choose from {', '.join([*SETTINGS, *SHARED_AXES])}",
                    table="sweep",
                    key=key,
                )
            if key in SHARED_AXES:
                out[key] = self.axis(value, table="sweep", index=None, key=key)
                continue
            kind = SETTINGS[key][0]
            if not isinstance(value, kind) or isinstance(value, bool):
                self.fail(
                    f"expected {kind.__name__}, got {type(value).__name__}", table="sweep", key=key
                )
            out[key] = value
        for key in ("vectors", "ops", "sample"):
            low = 2 if key == "ops" else 1
            if out.get(key) is not None and out[key] < low:
                self.fail(f"must be >= {low}, got {out[key]}", table="sweep", key=key)
        if out.get("simulator", "icarus") not in SIMULATORS:
            self.fail(f"choose from {', '.join(SIMULATORS)}", table="sweep", key="simulator")
        settings = {k: out.get(k, default) for k, (_, default) in SETTINGS.items()}
        axes = {k: out.get(k, [None]) for k in SHARED_AXES}
        return settings, axes

    def allowed(self, table_name, row, index):
        if "kind" in row and "core" in row:
            self.fail(
                "a point is a unit (kind) or a tile (core), not both", table=table_name, index=index
            )
        if "core" in row or table_name == "tiles":
            return "tiles", set(TILE_KEYS) | set(SHARED_AXES) - {"operands"}
        if "kind" not in row:
            self.fail("missing key 'kind' (or 'core' for a tile)", table=table_name, index=index)
        kinds = row["kind"] if isinstance(row["kind"], list) else [row["kind"]]
        keys = {"kind", *SHORTHANDS, *SHARED_AXES}
        for kind in kinds:
            self.value(kind, table=table_name, index=index, key="kind")
            keys |= set(adapter.unit_parameters(kind))
        return "units", keys

    def rows(self, table_name, rows, defaults, *, explicit):
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            self.fail(f"write it as [[{table_name}]] tables", table=table_name)
        points = []
        for index, row in enumerate(rows):
            family, keys = self.allowed(table_name, row, index)
            for key in row:
                if key not in keys:
                    self.fail(
                        f"unknown key; choose from {', '.join(sorted(keys))}",
                        table=table_name,
                        index=index,
                        key=key,
                    )
            if family == "tiles" and "core" not in row:
                self.fail("missing key 'core'", table=table_name, index=index)
            axes = {
                key: self.axis(value, table=table_name, index=index, key=key, scalar_only=explicit)
                for key, value in row.items()
            }
            for key in SHARED_AXES:
                if key not in axes and not (family == "tiles" and key == "operands"):
                    axes[key] = defaults[key]
            names = list(axes)
            for combo in product(*(axes[n] for n in names)):
                point = {"family": family, **dict(zip(names, combo))}
                self.check_point(point, table=table_name, index=index)
                points.append(point)
        return points

    def check_point(self, point, *, table, index):
        try:
            if point["family"] == "units":
                adapter.unit_spec(kind=point["kind"], params=unit_params(point))
            else:
                adapter.tile_entry(**tile_params(point))
        except (ValueError, KeyError, TypeError) as error:
            message = str(error).strip("'\"") or type(error).__name__
            if isinstance(error, KeyError):
                message = f"missing parameter {message} for this kind"
            named = [k for k in point if k != "family" and re.search(rf"\b{k}\b", message)]
            key = named[0] if named else None  # the key the message names, if any
            self.fail(message.splitlines()[0], table=table, index=index, key=key)


def unit_params(point):
    """The unit parameters of a units point (without shared axes and bookkeeping)."""
    return {k: v for k, v in point.items() if k not in ("family", "kind", *SHARED_AXES)}


def tile_params(point):
    """The `adapter.tile_entry` arguments of a tiles point."""
    return {k: point.get(k, TILE_DEFAULTS[k]) for k in TILE_KEYS}


#: Tile parameters a [[tiles]] table may leave out (`picojoule.cost.tiles.COST_TILE`).
TILE_DEFAULTS = {
    "core": None,
    "m": 2,
    "n": 8,
    "k": 4,
    "wbits": 2,
    "act": "int8",
    "pipelined": False,
}


def load_spec(path):
    """Parse and validate the sweep file at ``path``; return a `SweepSpec`.

    Raises `UserError` (one line: file, line, table, key and the fix) on any mistake.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise UserError(f"cannot read sweep file {path} ({error.strerror})") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML: {error}") from None
    parser = _Parser(path, text)
    for key in document:
        if key not in TABLES:
            parser.fail(f"unknown table; choose from {', '.join(TABLES)}", table=key, key=key)
    if not isinstance(document.get("sweep", {}), dict):
        parser.fail("write it as a [sweep] table", table="sweep")
    settings, defaults = parser.settings(document.get("sweep", {}))
    points = []
    for table in ("units", "tiles", "points"):
        if table in document:
            points += parser.rows(table, document[table], defaults, explicit=table == "points")
    unique = {}
    for point in points:
        unique.setdefault(_canonical(point), point)
    points = list(unique.values())
    if not points:
        parser.fail(
            "no design points; add a [[units]], [[tiles]] or [[points]] table", table="sweep"
        )
    if settings["sample"] is not None and settings["sample"] < len(points):
        chosen = sorted(
            random.Random(settings["seed"]).sample(range(len(points)), settings["sample"])
        )
        points = [points[i] for i in chosen]
    return SweepSpec(path=path, settings=settings, points=points, files=parser.files)


def _canonical(point):
    return tuple(sorted((k, repr(v)) for k, v in point.items()))
