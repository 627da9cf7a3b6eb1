"""cocotb tests that drive the unit itself from Python, one await per vector or per cycle.

These are the straightforward testbenches, kept as the baseline the batch wrappers are measured
against (`picojoule bench sim`) and as an independent check of the stream protocol:

``drive_each_vector``
    combinational unit as toplevel: set ``a`` and ``b``, await 1 ns, read ``y``.
``drive_stream``
    pipelined unit as toplevel: a clock from cocotb, input ``valid`` and output ``ready``
    drawn from a seeded random generator each cycle; records every output transfer and the
    cycle of every input and output transfer.

Operands come from ``a.npy`` / ``b.npy`` in the run folder ``PICOJOULE_SIM_RUN``; the job names
the ports that carry them, the result and the handshake (``job["ports"]``, from the manifest's
port records, `picojoule.base.ports`); results go to ``results.npz`` there (compared by
`picojoule.sim.engine`).
"""

import json
import os
import random
import time
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge, Timer


def _job():
    run = Path(os.environ["PICOJOULE_SIM_RUN"])
    return run, json.loads((run / "job.json").read_text())


def _set_operands(dut, ports, a, b):
    """Drive operands ``a`` and ``b`` into their ports, each at its bit offset."""
    values = {}
    for operand, (port, offset, _) in ports["operands"].items():
        values[port] = values.get(port, 0) | ({"a": a, "b": b}[operand] << offset)
    for port, value in values.items():
        getattr(dut, port).value = value


def _value(handle):
    value = handle.value
    return (int(value), False) if value.is_resolvable else (0, True)


@cocotb.test()
async def drive_each_vector(dut):
    """One Python await per vector (the slow baseline)."""
    run, job = _job()
    ports = job["ports"]
    a = np.load(run / "a.npy").tolist()
    b = np.load(run / "b.npy").tolist()
    y = np.zeros(len(a), dtype=np.uint64)
    unknown = np.zeros(len(a), dtype=bool)
    result = getattr(dut, ports["result"])
    start = time.perf_counter()
    for i, (x, w) in enumerate(zip(a, b)):
        _set_operands(dut, ports, x, w)
        await Timer(1, "ns")
        y[i], unknown[i] = _value(result)
    np.savez(
        run / "results.npz",
        y=y,
        unknown=unknown,
        sim_seconds=np.float64(time.perf_counter() - start),
    )


@cocotb.test()
async def drive_stream(dut):
    """Random valid and backpressure from Python, every transfer recorded with its cycle."""
    run, job = _job()
    a = np.load(run / "a.npy").tolist()
    b = np.load(run / "b.npy").tolist()
    n = len(a)
    rng = random.Random(job["seed"])
    ports = job["ports"]
    clk, rst = getattr(dut, ports["clock"]), getattr(dut, ports["reset"])
    in_valid, in_ready = getattr(dut, ports["in_valid"]), getattr(dut, ports["in_ready"])
    out_valid, out_ready = getattr(dut, ports["out_valid"]), getattr(dut, ports["out_ready"])
    result = getattr(dut, ports["result"])
    clock = Clock(clk, 10, unit="ns")
    clock.start()
    rst.value = 1
    in_valid.value = 0
    out_ready.value = 0
    for _ in range(2):
        await RisingEdge(clk)
    rst.value = 0
    start = time.perf_counter()
    y, unknown, t_in, t_out = [], [], [], []
    sent = cycle = 0
    while len(y) < n and cycle < job["max_cycles"]:
        valid = sent < n and (sent < job["warm"] or rng.random() < job["p_valid"])
        ready = len(y) < job["warm"] or rng.random() < job["p_ready"]
        in_valid.value = int(valid)
        if valid:
            _set_operands(dut, ports, a[sent], b[sent])
        out_ready.value = int(ready)
        await ReadOnly()  # settled: what the next clock edge will sample
        if valid and int(in_ready.value):
            t_in.append(cycle)
            sent += 1
        got_valid, _ = _value(out_valid)
        if ready and got_valid:
            value, bad = _value(result)
            y.append(value)
            unknown.append(bad)
            t_out.append(cycle)
        await RisingEdge(clk)
        cycle += 1
    got = len(y)
    np.savez(
        run / "results.npz",
        y=np.array(y, dtype=np.uint64),
        unknown=np.array(unknown, dtype=bool),
        t_in=np.array(t_in[:got], dtype=np.uint64),
        t_out=np.array(t_out, dtype=np.uint64),
        got=np.int64(got),
        timeout=np.bool_(got < n),
        cycles=np.int64(cycle),
        sim_seconds=np.float64(time.perf_counter() - start),
    )
