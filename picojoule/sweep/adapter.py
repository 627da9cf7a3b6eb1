"""The sweep's one door to the unit and tile registries.

Every other sweep module reaches unit specs, generators and tile specs through these
functions only, so a change of the registries (new unit kinds, new tile cores) is absorbed
here. Unit kinds and their parameter names are read from `picojoule.models.units.UNIT_KINDS`;
tile cores are those of the tile registry (`picojoule.models.tiles.TILE_CORES`).
"""

import re
from dataclasses import fields
from pathlib import Path

import numpy as np

from picojoule.models.tiles import TILE_CORES as _REGISTERED_CORES
from picojoule.models.units import UNIT_KINDS, unit_from_params

__all__ = [
    "unit_kinds",
    "unit_parameters",
    "unit_spec",
    "export_unit_verilog",
    "TILE_CORES",
    "tile_entry",
    "exact_operation",
    "export_tile_verilog",
    "tile_streams",
    "tile_operands",
    "verify_tile",
    "tile_golden",
]

#: Tile cores a sweep can name (the registry's); ``mac-int8``/``mac-int16`` are general MAC
#: arrays fed weights dequantized to the activation width (`picojoule.cost.tiles`).
TILE_CORES = tuple(_REGISTERED_CORES)


def unit_kinds():
    """The unit kinds the registry knows, in registry order."""
    return tuple(UNIT_KINDS)


def unit_parameters(kind):
    """The spec field names of unit ``kind`` (what ``unit_from_params`` may receive)."""
    return tuple(f.name for f in fields(UNIT_KINDS[kind]))


def _int_format(name):
    """``intN`` / ``uintN`` of any width as an `IntFormat` (the presets stop at 4/8/16/32)."""
    from picojoule.models.formats import IntFormat, get_format

    if not isinstance(name, str) or not re.fullmatch(r"u?int\d+", name):
        return name
    width = int(name.lstrip("u").removeprefix("int"))
    return get_format(name) if name in _presets() else IntFormat(name, width, name[0] != "u")


def _presets():
    from picojoule.models.formats import PRESETS

    return PRESETS


def unit_spec(*, kind, params):
    """The unit spec of ``kind`` built from plain ``params`` (ValueError if it is invalid).

    Shorthands: ``format`` sets ``a``, ``b`` and ``out`` (``fmt`` for one-format kinds);
    ``width`` (with ``signed``, default true) sets integer operands ``a`` and ``b``.
    """
    p = dict(params)
    fmt = p.pop("format", None)
    if fmt is not None:
        for role in ("a", "b", "out", "fmt"):
            p.setdefault(role, fmt)
    width, signed = p.pop("width", None), p.pop("signed", True)
    if width is not None:
        name = f"{'' if signed else 'u'}int{width}"
        p.setdefault("a", name)
        p.setdefault("b", name)
    if "fmt" in p:
        p.setdefault("a", p["fmt"])
    p = {k: _int_format(v) for k, v in p.items()}
    return unit_from_params(kind, p)


def export_unit_verilog(*, spec, directory):
    """Generate ``spec``'s Verilog into ``directory``; return the verification `Design`."""
    from picojoule.hw.export import export_unit
    from picojoule.sim.design import Design

    # the Design is built from ``spec`` itself: rebuilding it from the manifest's format
    # names would lose formats that have no preset name (e.g. int12)
    entry = export_unit(spec, directory)
    return Design(
        spec=spec,
        top=entry["top"],
        verilog=(Path(directory) / entry["verilog"]).resolve(),
        ports=dict(entry["ports"]),
        latency=int(entry["latency"]),
    )


def tile_entry(*, core, m, n, k, wbits, act, pipelined=False):
    """The `picojoule.cost.tiles.TileEntry` of one tile (ValueError if it is invalid).

    ``lut`` is a `LutGemmSpec`; the ``mac-*`` cores are `MacArraySpec` arrays of the same
    M x N x K: ``mac-int`` takes W-bit codes on its weight port, ``mac-int8``/``mac-int16``
    the weights as activation-width integers, ``mac-fp8``/``mac-lmul`` e4m3 activations.
    """
    from picojoule.cost.tiles import TileEntry
    from picojoule.models.lut_gemm import LutGemmSpec
    from picojoule.models.mac_gemm import MacArraySpec

    if core not in TILE_CORES:
        raise ValueError(f"unknown tile core {core!r}; choose from {', '.join(TILE_CORES)}")
    shape = {"m": m, "n": n, "k": k, "wbits": wbits}
    if core == "mx":
        raise ValueError(
            "the sweep does not cost the mx core (float blocks, no W-bit codes); use "
            "picojoule gemm --core mx or the report's Block formats section"
        )
    if core == "lut":
        spec = LutGemmSpec(act=act, **shape)
    elif core == "mac-int":
        spec = MacArraySpec(mul="int", act=act, weight_port="code", **shape)
    elif core in ("mac-int8", "mac-int16"):
        if act != core.removeprefix("mac-"):
            raise ValueError(f"core {core} takes {core.removeprefix('mac-')} activations")
        spec = MacArraySpec(mul="int", act=act, weight_port="act", **shape)
    else:
        spec = MacArraySpec(mul=core.removeprefix("mac-"), act=act, **shape)
    return TileEntry(core, spec, pipelined=pipelined)


def exact_operation(kind):
    """``"mul"`` or ``"add"``: the exact operation a unit of ``kind`` approximates, or None.

    Read from the kind's name (``*mul``, ``*add``), so a new multiplier or adder kind of the
    registry gets its accuracy measured without a change here.
    """
    if kind.endswith("mul"):
        return "mul"
    if kind.endswith("add"):
        return "add"
    return None


def export_tile_verilog(*, entry, directory):
    """Write the tile's Verilog into ``directory``; return (Verilog path, top module name)."""
    from picojoule.cost.tile_export import export_tile

    record = export_tile(entry, directory)
    return Path(directory) / record["verilog"], record["top"]


def tile_streams(*, entry, cycles, seed):
    """Per-cycle input streams and held inputs of a GEMM inner loop on the tile."""
    from picojoule.cost.tile_streams import tile_streams as streams

    return streams(entry, cycles=cycles, seed=seed)


def tile_operands(*, entry, m, n, k, seed):
    """Random GEMM operands for the tile: A (M x K codes) and W (K x N weight codes)."""
    from picojoule.sim.gemm import random_operands

    return random_operands(entry.spec, m=m, n=n, k=k, seed=seed)


def verify_tile(*, entry, a, w, simulator):
    """Run ``A @ W`` cycle by cycle on the generated tile in cocotb; raise on any mismatch.

    Returns the GEMM's statistics (``macs``, ``cycles``, ...).
    """
    from picojoule.sim.gemm import run_gemm

    _, stats = run_gemm(
        core=entry.core,
        a=a,
        w=w,
        spec=entry.spec,
        simulator=simulator,
        pipelined=entry.pipelined,
    )
    return stats


def tile_golden(*, entry, a, w):
    """The golden model's GEMM result of the tile (float64 values)."""
    from picojoule.sim.gemm import golden

    return np.asarray(golden(entry.spec, a, w, core=entry.core), dtype=np.float64)
