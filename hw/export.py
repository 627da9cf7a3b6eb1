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

Verilog text is cached by content: in memory, and on disk under ``cache_dir`` keyed by the
spec, the fault, the Amaranth version and the source of `picojoule.hw` and
`picojoule.models`, so re-exporting an unchanged unit costs a file copy.
"""

import functools
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from pathlib import Path

from amaranth.back import verilog as amaranth_verilog

import picojoule.hw
import picojoule.models
from picojoule.base import atomic
from picojoule.hw.ports import port_records
from picojoule.hw.registry import build
from picojoule.models.units import standard_suite

__all__ = [
    "verilog_source",
    "manifest_entry",
    "export_unit",
    "export_suite",
    "convert_in_parallel",
    "default_cache_dir",
]


def default_cache_dir():
    """``$PICOJOULE_CACHE/verilog`` if set, else ``build/cache/verilog`` under the cwd."""
    root = os.environ.get("PICOJOULE_CACHE")
    return Path(root) / "verilog" if root else Path("build") / "cache" / "verilog"


@functools.cache
def _source_digest():
    digest = hashlib.sha256(metadata.version("amaranth").encode())
    for package in (picojoule.hw, picojoule.models):
        for path in sorted(Path(package.__file__).parent.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_key(spec, fault):
    text = json.dumps(
        {
            "kind": spec.kind,
            "name": spec.name,
            "params": spec.params(),
            "fault": fault,
            "source": _source_digest(),
        },
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


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

    Later `verilog_source` / `export_unit` calls then find the text in memory.
    """
    jobs = jobs or os.cpu_count() or 1
    missing = [
        spec
        for spec in dict.fromkeys(specs)
        if (spec, fault) not in _TEXTS
        and not (
            cache_dir is not None and (Path(cache_dir) / f"{_cache_key(spec, fault)}.v").is_file()
        )
    ]
    if jobs < 2 or len(missing) < 2:
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(missing)), mp_context=context) as pool:
        for spec, text in zip(
            missing, pool.map(_convert_uncached, missing, [fault] * len(missing))
        ):
            _TEXTS[(spec, fault)] = text


def verilog_source(spec, *, fault=None, cache_dir=None):
    """The Verilog text of ``spec`` (module ``spec.name``), parameters baked in.

    ``cache_dir`` (optional) holds converted text keyed by content across processes.
    """
    if cache_dir is None:
        return _convert(spec, fault)
    path = Path(cache_dir) / f"{_cache_key(spec, fault)}.v"
    try:
        return path.read_text()
    except FileNotFoundError:
        pass
    text = _convert(spec, fault)
    atomic.write_text(path, text)
    return text


def verilog_file_name(spec, *, fault=None):
    return f"{spec.name}.v" if fault is None else f"{spec.name}__{fault}.v"


def manifest_entry(spec, *, text=None, fault=None):
    """The manifest record of ``spec`` (``text``, its Verilog, is not needed: the ports come
    from the component's signature)."""
    entry = {
        "name": spec.name,
        "kind": spec.kind,
        "top": spec.name,
        "verilog": verilog_file_name(spec, fault=fault),
        "params": spec.params(),
        "ports": port_records(build(spec, fault=fault), clocked=spec.stages > 0),
        "latency": spec.latency,
    }
    if fault is not None:
        entry["fault"] = fault
    return entry


def export_unit(spec, directory, *, fault=None, cache_dir=...):
    """Write ``spec``'s Verilog into ``directory``; return its manifest entry.

    The file is written atomically and only when its content changed. ``cache_dir``
    defaults to `default_cache_dir`; pass None for the in-memory cache only.
    """
    if cache_dir is ...:
        cache_dir = default_cache_dir()
    text = verilog_source(spec, fault=fault, cache_dir=cache_dir)
    entry = manifest_entry(spec, text=text, fault=fault)
    path = Path(directory) / entry["verilog"]
    if not path.is_file() or path.read_text() != text:
        atomic.write_text(path, text)
    return entry


def export_suite(out, *, specs=None, cache_dir=..., progress=None, jobs=None):
    """Write every spec (default: `standard_suite`) and ``manifest.json`` to ``out`` atomically.

    Returns the manifest dict. ``progress(entry)`` is called after each unit; units not
    cached yet are converted in ``jobs`` processes (default: all CPUs).
    """

    specs = standard_suite() if specs is None else list(specs)
    names = [spec.name for spec in specs]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise ValueError(f"two units share the module name {duplicate}; make the specs distinct")
    if cache_dir is ...:
        cache_dir = default_cache_dir()
    convert_in_parallel(specs, cache_dir=cache_dir, jobs=jobs)
    with atomic.replace_dir(out) as tmp:
        units = []
        for spec in specs:
            units.append(export_unit(spec, tmp, cache_dir=cache_dir))
            if progress is not None:
                progress(units[-1])
        manifest = {"units": units}
        atomic.write_text(Path(tmp) / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return manifest
