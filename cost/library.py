"""Cell libraries as the cost flow sees them: per-cell area, pin capacitance, energy, delay.

A :class:`CellLibrary` is built either from a Liberty file (:func:`library_from_liberty`) or
from the built-in Nangate45 table (:func:`default_library`, figures in
:mod:`picojoule.cost.nangate45`). Both go through the same derivation, stated here once:

* Units: capacitance fF, energy fJ, leakage nW, time ns, area um^2, voltage V. The energy unit
  of Liberty internal-power tables is capacitive_load_unit x voltage_unit^2.
* Reference input slew: the output transition of the library's smallest inverter driving four
  copies of itself (an FO4 slew), from the minimum table slew; all lookups use it.
* Loads: every per-output figure is fitted as ``a + b * C_load`` through two table lookups at
  C1 = the inverter's input capacitance and C4 = 4 * C1 (bilinear interpolation in the
  library's tables, clamped to the table range). The cost flow then uses each net's real load.
* Delay of an output pin: the largest, over its timing arcs, of the mean of cell_rise and
  cell_fall. Internal energy per output toggle: the mean, over related pins and ``when``
  conditions, of (rise_power + fall_power) / 2. Internal energy of an input pin (hidden power,
  e.g. a flip-flop's clock pin) per input toggle: the same mean. Leakage: cell_leakage_power.
* Wire load: the library's default_wire_load (capacitance x fanout_length, the slope beyond
  the table); none given -> zero wire capacitance.
* Transistor estimate: 4 transistors per NAND2 equivalent (area / area of the smallest NAND2).
"""

import dataclasses
import re

import numpy as np

from picojoule.base.errors import UserError
from picojoule.cost import nangate45
from picojoule.cost.boolexpr import parse_function, variables
from picojoule.cost.cells import Cell, CellLibrary, Flop, truth_table_of
from picojoule.cost.dont_use import DEFAULT_DONT_USE, excluded_groups, matches
from picojoule.cost.liberty import parse_liberty, read_liberty_text, without_groups

# ---------------------------------------------------------------- Liberty -> CellLibrary

_SCALE = {"": 1.0, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3}


def _unit(text, base):
    """'1ns' -> factor to ``base`` (e.g. base 1e-9 for ns)."""
    m = re.fullmatch(r"\s*([0-9.eE+-]*)\s*([fpnumk]?)([A-Za-z]+)\s*", text or "")
    if not m:
        raise ValueError(f"unknown Liberty unit {text!r}")
    number = float(m.group(1) or 1)
    return number * _SCALE[m.group(2)] / base


def _floats(text):
    return [float(v) for v in re.split(r"[,\s]+", text.strip()) if v]


class _Tables:
    """Table lookup with the library's templates: (slew ns, load fF) -> value."""

    def __init__(self, lib, time_ns, cap_ff):
        self.templates = {}
        for kind in ("lu_table_template", "power_lut_template"):
            for g in lib.children(kind):
                self.templates[g.args[0]] = g
        self.time_ns = time_ns
        self.cap_ff = cap_ff

    def lookup(self, table, slew_ns, load_ff):
        values = [_floats(v) for v in (table.complex_attr("values") or [])]
        if not values:
            return None
        template = self.templates.get(table.args[0]) if table.args else None
        axes = []
        for k in (1, 2, 3):
            var = template.attrs.get(f"variable_{k}") if template else None
            index = table.complex_attr(f"index_{k}") or (
                template.complex_attr(f"index_{k}") if template else None
            )
            if var is None:
                break
            var = var.strip('"')
            if "transition" in var:
                point, scale = slew_ns / self.time_ns, 1
            elif "capacitance" in var:
                point, scale = load_ff / self.cap_ff, 1
            else:
                return None
            axes.append((np.array(_floats(index[0])) * scale, point))
        grid = np.array(values, dtype=float)
        if not axes:
            return float(grid.ravel()[0])
        if len(axes) == 1:
            index, point = axes[0]
            return float(np.interp(point, index, grid.ravel()[: len(index)]))
        (i1, p1), (i2, p2) = axes[:2]
        grid = grid.reshape(len(i1), len(i2))
        rows = [np.interp(p2, i2, row) for row in grid]
        return float(np.interp(p1, i1, rows))


def _mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None


def _pin_names(group):
    names = []
    for arg in group.args:
        names.extend(n.strip() for n in arg.split(","))
    return names


def _arc_delay(tables, arc, slew, load):
    rise = arc.child("cell_rise")
    fall = arc.child("cell_fall")
    values = [tables.lookup(t, slew, load) for t in (rise, fall) if t is not None]
    return _mean(values)


def _toggle_energy(tables, groups, slew, load):
    """Mean (rise+fall)/2 over internal_power groups."""
    per_group = []
    for g in groups:
        rise, fall, both = g.child("rise_power"), g.child("fall_power"), g.child("power")
        if both is not None:
            per_group.append(tables.lookup(both, slew, load))
        else:
            per_group.append(
                _mean([tables.lookup(t, slew, load) for t in (rise, fall) if t is not None])
            )
    return _mean(per_group)


def _parse_cell(group, tables, slew, c1, c4, energy_fj):
    pins = {}
    for pin_group in group.children("pin"):
        for name in _pin_names(pin_group):
            pins[name] = pin_group
    if group.children("bus") or group.children("bundle"):
        return None  # buses: not used by gate mapping
    if group.children("latch") or group.children("statetable"):
        return None
    flop = None
    ffs = group.children("ff")
    if ffs:
        ff = ffs[0]
        names = _pin_names(ff)
        if "next_state" not in ff.attrs or "clocked_on" not in ff.attrs:
            return None
        clocked = ff.attrs["clocked_on"].strip('"')
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", clocked):
            return None  # inverted or gated clocks: not supported
        flop = Flop(
            state=names[0],
            state_n=names[1] if len(names) > 1 else names[0] + "_N",
            next_state=ff.attrs["next_state"].strip('"'),
            clocked_on=clocked,
            clear=ff.attrs.get("clear", "").strip('"') or None,
            preset=ff.attrs.get("preset", "").strip('"') or None,
        )
    inputs, outputs, internal, delay, input_internal = {}, {}, {}, {}, {}
    for name, pin in pins.items():
        direction = pin.attrs.get("direction", "").strip('"')
        if direction == "input":
            inputs[name] = float(pin.attrs.get("capacitance", 0)) * tables.cap_ff
            e = _toggle_energy(tables, pin.children("internal_power"), slew, c1)
            if e is not None:
                input_internal[name] = e * energy_fj
        elif direction == "output":
            if "function" not in pin.attrs or "three_state" in pin.attrs:
                return None
            outputs[name] = pin.attrs["function"].strip('"')
            arcs = [
                a
                for a in pin.children("timing")
                if a.attrs.get("timing_type", "combinational").strip('"')
                in ("combinational", "rising_edge", "falling_edge")
            ]
            d = [[_arc_delay(tables, a, slew, load) for a in arcs] for load in (c1, c4)]
            d = [
                max(x for x in ds if x is not None) if any(x is not None for x in ds) else 0.0
                for ds in d
            ]
            e = [
                _toggle_energy(tables, pin.children("internal_power"), slew, load) or 0.0
                for load in (c1, c4)
            ]
            delay[name] = _fit(d, c1, c4, tables.time_ns)
            internal[name] = _fit(e, c1, c4, energy_fj)
        else:
            return None  # inout or internal pins
    if not outputs:
        return None
    known = set(inputs) | ({flop.state, flop.state_n} if flop else set())
    for function in list(outputs.values()) + ([flop.next_state, flop.clocked_on] if flop else []):
        try:
            if not set(variables(parse_function(function))) <= known:
                return None
        except ValueError:
            return None
    return Cell(
        name=group.args[0],
        area_um2=float(group.attrs.get("area", 0)),
        inputs=inputs,
        outputs=outputs,
        internal_fj=internal,
        delay_ns=delay,
        input_internal_fj=input_internal,
        leakage_nw=float(group.attrs.get("cell_leakage_power", 0)) * tables.leak_nw,
        flop=flop,
    )


def _fit(values, c1, c4, scale):
    v1, v4 = (v * scale for v in values)
    slope = (v4 - v1) / (c4 - c1)
    return (round(v1 - slope * c1, 6), round(slope, 6))


def read_library(path, *, cells=None, dont_use=DEFAULT_DONT_USE):
    """Read a Liberty file (.lib or .lib.gz) for synthesis and costing.

    Parameters
    ----------
    path : path-like
    cells : iterable of str, optional
        Keep only these cell names (used to build the compact default table); then no cell
        is excluded.
    dont_use : tuple of str
        Cell-name patterns to exclude besides the cells marked ``dont_use : true`` (see
        :mod:`picojoule.cost.dont_use`).

    Returns
    -------
    (CellLibrary, str, tuple of str)
        The library without the excluded cells, the Liberty text without them (what Yosys and
        ABC read), and the excluded cell names.

    Raises
    ------
    UserError
        If the file does not parse or lacks an inverter or a 2-input NAND.
    """
    text = read_liberty_text(path)
    try:
        lib = parse_liberty(text)
        dropped = [] if cells else excluded_groups(lib.children("cell"), dont_use)
        names = {g.args[0] for g in dropped}
        result = _library(lib, source=str(path), keep=set(cells) if cells else None, drop=names)
    except ValueError as error:
        raise UserError(
            f"Liberty file {path} does not parse: {error}; pass a valid Liberty file"
        ) from None
    _check_basic_cells(result, f"Liberty file {path}", len(names))
    return result, without_groups(text, dropped), tuple(sorted(names))


def library_from_liberty(path, *, cells=None, dont_use=DEFAULT_DONT_USE):
    """The :class:`CellLibrary` of a Liberty file (see :func:`read_library`)."""
    return read_library(path, cells=cells, dont_use=dont_use)[0]


def _check_basic_cells(library, what, n_excluded):
    for name, tt, n in (("an inverter", 0b01, 1), ("a 2-input NAND", 0b0111, 2)):
        if not library.find(tt, n):
            hint = (
                f" after excluding {n_excluded} dont_use cells; relax --dont-use"
                if n_excluded
                else "; pass a complete standard-cell library"
            )
            raise UserError(f"{what} lacks {name} cell{hint}")


def without_cells(library, patterns):
    """(library without the cells whose names match ``patterns``, excluded names)."""
    names = tuple(sorted(n for n in library.cells if matches(n, patterns)))
    if not names:
        return library, ()
    kept = {n: c for n, c in library.cells.items() if n not in names}
    result = dataclasses.replace(library, cells=kept)
    _check_basic_cells(result, f"library {library.name}", len(names))
    return result, names


def _library(lib, *, source, keep, drop=frozenset()):
    time_ns = _unit(lib.attrs.get("time_unit", '"1ns"').strip('"'), 1e-9)
    cap = lib.complex_attr("capacitive_load_unit") or ["1", "pf"]
    cap_unit = cap[1].strip('"').lower()
    if cap_unit not in ("ff", "pf"):
        raise ValueError(f"capacitive_load_unit {cap_unit!r} is not ff or pf")
    cap_ff = float(cap[0]) * (1.0 if cap_unit == "ff" else 1000.0)
    volt = _unit(lib.attrs.get("voltage_unit", '"1V"').strip('"'), 1.0)
    leak = _unit(lib.attrs.get("leakage_power_unit", '"1nW"').strip('"'), 1e-9)
    voltage = float(lib.attrs.get("nom_voltage", 0)) * volt
    if voltage <= 0:
        raise ValueError("no nom_voltage")
    tables = _Tables(lib, time_ns, cap_ff)
    tables.leak_nw = leak
    energy_fj = cap_ff * volt * volt
    groups = {g.args[0]: g for g in lib.children("cell") if g.args and g.args[0] not in drop}
    if keep:
        missing = keep - set(groups)
        if missing:
            raise ValueError(f"cells {sorted(missing)} not in the library")
    # Reference slew and loads from the smallest inverter (see the module docstring).
    inverters = []
    for g in groups.values():
        pins = g.children("pin")
        ins = [p for p in pins if p.attrs.get("direction", "").strip('"') == "input"]
        outs = [p for p in pins if p.attrs.get("direction", "").strip('"') == "output"]
        if (
            len(ins) == 1
            and len(outs) == 1
            and "function" in outs[0].attrs
            and not g.children("ff")
        ):
            try:
                if truth_table_of(outs[0].attrs["function"].strip('"'), _pin_names(ins[0])) == 0b01:
                    inverters.append((float(g.attrs.get("area", 0)), g, ins[0], outs[0]))
            except ValueError:
                pass
    if not inverters:
        raise ValueError("no inverter cell")
    _, inv, inv_in, inv_out = min(inverters, key=lambda t: t[0])
    c1 = float(inv_in.attrs.get("capacitance", 0)) * cap_ff
    c4 = 4 * c1
    slews = []
    for arc in inv_out.children("timing"):
        for kind in ("rise_transition", "fall_transition"):
            t = arc.child(kind)
            if t is not None:
                slews.append(tables.lookup(t, 0.0, c4) * time_ns)
    slew = _mean(slews) or 0.0
    cells = {}
    for name, g in groups.items():
        if keep is not None and name not in keep:
            continue
        cell = _parse_cell(g, tables, slew, c1, c4, energy_fj)
        if cell is not None:
            cells[name] = cell
    wire = (0.0, 0.0, ())
    default_wl = lib.attrs.get("default_wire_load", "").strip('"')
    for wl in lib.children("wire_load"):
        if wl.args and wl.args[0] == default_wl:
            lengths = tuple(
                (int(float(a[0])), float(a[1])) for k, a in wl.complex if k == "fanout_length"
            )
            wire = (
                float(wl.attrs.get("capacitance", 0)) * cap_ff,
                float(wl.attrs.get("slope", 0)),
                lengths,
            )
    name = lib.args[0] if lib.args else "liberty"
    return CellLibrary(
        name=name,
        source=source,
        voltage=voltage,
        cells=cells,
        wire_cap_per_length_ff=wire[0],
        wire_slope=wire[1],
        wire_fanout_length=wire[2],
    )


def default_library():
    """The built-in 45 nm library (Nangate45 figures, see :mod:`picojoule.cost.nangate45`)."""
    return nangate45.library()


def load_library(liberty=None):
    """The default library when ``liberty`` is None, else the user's Liberty file."""
    return default_library() if liberty is None else library_from_liberty(liberty)
