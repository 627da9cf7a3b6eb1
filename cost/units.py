"""Cost a generated unit from its manifest entry (``build/verilog/manifest.json``).

The entry's ``kind`` and ``params`` rebuild the unit spec (``picojoule.models.units``), whose
input formats decide how operand streams are quantized; the entry's port records say where the
operands go (`picojoule.base.ports.unit_ports`: ports ``a``/``b``, or the fields of a stream's
payload with valid and ready held high).
"""

from pathlib import Path

import numpy as np

from picojoule.base import profile
from picojoule.base.ports import unit_ports
from picojoule.cost.energy import cost_record, estimate
from picojoule.cost.gatesim import simulate
from picojoule.cost.operands import operand_stream
from picojoule.cost.synth import synthesize
from picojoule.models.units import unit_from_params


def cost_unit(
    entry,
    *,
    manifest_dir,
    distribution="uniform",
    n=100_000,
    seed=1,
    liberty=None,
    dont_use=(),
    voltage=None,
    clock_ghz=1.0,
    cache_dir="default",
    progress=None,
    synth=None,
):
    """The ``summary.json`` record of one manifest unit on one operand distribution.

    ``synth`` (optional) is the unit's synthesis result, to cost one netlist on several
    distributions without loading it again.
    """
    spec = unit_from_params(entry["kind"], entry["params"])
    fmt_a, fmt_b = spec.in_formats
    if synth is None:
        synth = synthesize(
            verilog=Path(manifest_dir) / entry["verilog"],
            top=entry["top"],
            liberty=liberty,
            dont_use=dont_use,
            cache_dir=cache_dir,
            progress=progress,
        )
    with profile.phase("stimulus"):
        a = operand_stream(fmt=fmt_a, dist=distribution, n=n, seed=seed)
        b = operand_stream(fmt=fmt_b, dist=distribution, n=n, seed=seed + 1)
        streams, holds = unit_ports(entry["ports"]).drive(a, b)
    _, energy = estimate(
        synth=synth,
        streams=streams,
        holds=holds,
        voltage=voltage,
        clock_ghz=clock_ghz,
        cache_dir=cache_dir,
        progress=progress,
    )
    record = cost_record(
        synth,
        energy,
        name=entry["name"],
        kind=entry["kind"],
        params=entry["params"],
        distribution=distribution,
    )
    record["latency"] = entry.get("latency", spec.latency)
    return record


def netlist_check(entry, *, synth, distribution="gaussian", n=2000, seed=1):
    """The netlist's outputs against the unit's golden model on the operands `cost_unit`
    drives (same distribution, ``n`` and seeds; zero-delay simulation, a pipelined unit's
    results compared ``latency`` operations later): ``{"operations", "mismatches"}``."""
    spec = unit_from_params(entry["kind"], entry["params"])
    fmt_a, fmt_b = spec.in_formats
    a = operand_stream(fmt=fmt_a, dist=distribution, n=n, seed=seed)
    b = operand_stream(fmt=fmt_b, dist=distribution, n=n, seed=seed + 1)
    ports = unit_ports(entry["ports"])
    streams, holds = ports.drive(a, b)
    sim = simulate(synth.netlist, inputs=streams, holds=holds, record_outputs=True)
    lag = entry.get("latency", spec.latency)
    got = sim.outputs[ports.result][lag:].astype(np.int64)
    expect = np.asarray(spec.golden(a, b)).astype(np.int64)[: n - lag]
    return {"operations": int(n - lag), "mismatches": int(np.sum(got != expect))}
