"""Verilog export: one ``.v`` per unit plus ``manifest.json``.

Manifest (``manifest.json`` beside the Verilog files)::

    {"units": [{"name", "kind", "top", "verilog", "params", "ports", "latency"}]}

``name`` = ``top`` = ``spec.name`` (the Verilog module name, which encodes the parameters);
``verilog`` is the file name relative to the manifest; ``params`` is ``spec.params()``;
``ports`` maps each Verilog port to its record (direction, width, role; from the component's
signature, see `picojoule.hw.ports` and `picojoule.base.ports`); ``latency`` is in cycles (0:
combinational).
A unit exported with a fault (see `picojoule.hw.faults`) keeps its module name, is written to
``<name>__<fault>.v`` and its entry carries ``"fault"``.

Combinational units have the ports ``a``, ``b`` (operands), ``y`` (result). Pipelined units have
``clk``, ``rst`` and two `amaranth.lib.stream` interfaces: ``i__valid``, ``i__ready``,
``i__payload`` (payload fields ``a`` in the low bits, ``b`` above) and ``o__valid``,
``o__ready``, ``o__payload`` (the result).

Verilog text is cached in memory and in the flow's cache (`picojoule.base.cache`, kind
``verilog``), keyed by the spec, the fault, Amaranth's toolchain versions
(`picojoule.hw.tools.amaranth_toolchain`) and the source of `picojoule.models` and
`picojoule.hw`, so re-exporting an unchanged unit costs a file copy.
"""

import json
import os
from pathlib import Path

from amaranth.back import verilog as amaranth_verilog

from picojoule.base import atomic, cache, outputs
from picojoule.base.workers import spawn_pool
from picojoule.hw.ports import port_records
from picojoule.hw.registry import build
from picojoule.hw.tools import amaranth_toolchain
from picojoule.models.units import standard_suite

__all__ = [
    "verilog_source",
    "manifest_entry",
    "export_unit",
    "export_suite",
    "convert_in_parallel",
    "SOURCES",
]

VERILOG_OUTPUTS = ("*.v", "manifest.json")


#: The packages whose source decides a unit's Verilog.
SOURCES = ("picojoule.base", "picojoule.models", "picojoule.hw")


def _cache_key(spec, fault):
    return cache.key(
        "verilog",
        spec.kind,
        spec.name,
        spec.params(),
        fault,
        amaranth_toolchain(),
        sources=SOURCES,
    )


_TEXTS = {}  # (spec, fault) -> Verilog text, this process


def _convert_uncached(spec, fault):
    component = build(spec, fault=fault)
    text = amaranth_verilog.convert(component, name=spec.name, emit_src=False)
    if fault is not None and not component.fault_point.applied:
        raise ValueError(
            f"fault {fault} reaches no fault point of {spec.name}; it would change nothing"
        )
    return text


def _convert(spec, fault):
    key = (spec, fault)
    if key not in _TEXTS:
        _TEXTS[key] = _convert_uncached(spec, fault)
    return _TEXTS[key]


def convert_in_parallel(specs, *, fault=None, cache_dir=None, jobs=None):
    """Convert the ``specs`` not cached yet in ``jobs`` worker processes (default: all CPUs).

    Later `verilog_source` / `export_unit` calls then find the text in memory. Kinds registered
    at run time reach the workers (`picojoule.base.workers`).
    """
    jobs = jobs or os.cpu_count() or 1
    cache_dir = cache.resolve(cache_dir)
    missing = [
        spec
        for spec in dict.fromkeys(specs)
        if (spec, fault) not in _TEXTS
        and cache.load_text(cache_dir, "verilog", _cache_key(spec, fault), suffix=".v") is None
    ]
    if jobs < 2 or len(missing) < 2:
        return
    with spawn_pool(min(jobs, len(missing))) as pool:
        for spec, text in zip(
            missing, pool.map(_convert_uncached, missing, [fault] * len(missing))
        ):
            _TEXTS[(spec, fault)] = text


def verilog_source(spec, *, fault=None, cache_dir=None):
    """The Verilog text of ``spec`` (module ``spec.name``), parameters baked in.

    ``cache_dir`` (a cache root, ``"default"`` for `picojoule.base.cache.default_dir`, or
    None for this process's memory only) keeps converted text across processes.
    """
    cache_dir = cache.resolve(cache_dir)
    if cache_dir is None:
        return _convert(spec, fault)
    digest = _cache_key(spec, fault)
    text = cache.load_text(cache_dir, "verilog", digest, suffix=".v")
    if text is None:
        text = _convert(spec, fault)
        cache.store_text(cache_dir, "verilog", digest, text, suffix=".v")
    return text


def verilog_file_name(spec, *, fault=None):
    return f"{spec.name}.v" if fault is None else f"{spec.name}__{fault}.v"


def manifest_entry(spec, *, text=None, fault=None):
    """The manifest record of ``spec`` (``text``, its Verilog, is not needed: the ports come
    from the component's signature)."""
    component = build(spec, fault=fault)
    component._MustUse__silence = True  # built for its signature only, never elaborated
    entry = {
        "name": spec.name,
        "kind": spec.kind,
        "top": spec.name,
        "verilog": verilog_file_name(spec, fault=fault),
        "params": spec.params(),
        "ports": port_records(component, clocked=spec.stages > 0),
        "latency": spec.latency,
    }
    if fault is not None:
        entry["fault"] = fault
    return entry


def export_unit(spec, directory, *, fault=None, cache_dir="default"):
    """Write ``spec``'s Verilog into ``directory``; return its manifest entry.

    The file is written atomically and only when its content changed. ``cache_dir`` as in
    `verilog_source`.
    """
    text = verilog_source(spec, fault=fault, cache_dir=cache_dir)
    entry = manifest_entry(spec, text=text, fault=fault)
    path = Path(directory) / entry["verilog"]
    if not path.is_file() or path.read_text() != text:
        atomic.write_text(path, text)
    return entry


def export_suite(out, *, specs=None, cache_dir="default", progress=None, jobs=None, force=False):
    """Write every spec (default: `standard_suite`) and ``manifest.json`` to ``out``.

    ``out`` is an output folder of `picojoule.base.outputs` (command ``verilog``): only its
    ``.v`` files and ``manifest.json`` are replaced, others are never touched; a non-empty
    folder picojoule did not create is refused unless ``force``. Returns the manifest dict.
    ``progress(entry)`` is called after each unit; units not cached yet are converted in
    ``jobs`` processes (default: all CPUs).
    """

    specs = standard_suite() if specs is None else list(specs)
    names = [spec.name for spec in specs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"two units share the module name {duplicate}; make the specs distinct")
    convert_in_parallel(specs, cache_dir=cache_dir, jobs=jobs)
    with outputs.owned_folder(out, command="verilog", outputs=VERILOG_OUTPUTS, force=force) as tmp:
        units = []
        for spec in specs:
            units.append(export_unit(spec, tmp, cache_dir=cache_dir))
            if progress is not None:
                progress(units[-1])
        manifest = {"units": units}
        atomic.write_text(Path(tmp) / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return manifest
