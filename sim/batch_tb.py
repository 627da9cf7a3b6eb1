"""cocotb test run inside the simulator: start a batch wrapper, wait for ``done``, hand back.

The wrapper (`picojoule.sim.wrapper`) does the per-vector work in HDL. This test sets
``start``, waits for ``done`` (bounded by a simulated-time limit), reads the result memories the
wrapper wrote and saves them with the wall-clock seconds of the simulated run to
``results.npz`` in the run folder named by ``PICOJOULE_SIM_RUN``; the comparison with the golden
model happens in the calling process (`picojoule.sim.engine`).
"""

import json
import os
import time
from pathlib import Path

import cocotb
import numpy as np
from cocotb.triggers import RisingEdge, with_timeout

from picojoule.sim.hexio import read_memh


@cocotb.test()
async def run_batch(dut):
    """Run every preloaded vector through the wrapper and save the results."""
    run = Path(os.environ["PICOJOULE_SIM_RUN"])
    job = json.loads((run / "job.json").read_text())
    start = time.perf_counter()
    dut.start.value = 1
    await with_timeout(RisingEdge(dut.done), job["time_limit_ns"], "ns")
    seconds = time.perf_counter() - start
    out = {"sim_seconds": np.float64(seconds)}
    if job["mode"] == "batch":
        y, unknown = read_memh(
            run / "y.hex", width=job["y_width"], lanes=job["lanes"], count=job["count"]
        )
        out.update(y=y, unknown=unknown)
    else:
        got = int(dut.got.value)
        out.update(
            timeout=np.bool_(int(dut.timeout.value)),
            got=np.int64(got),
            cycles=np.int64(int(dut.cycle.value)),
        )
        if got:
            y, unknown = read_memh(run / "y.hex", width=job["y_width"])
            t_in, _ = read_memh(run / "t_in.hex", width=32)
            t_out, _ = read_memh(run / "t_out.hex", width=32)
            out.update(y=y, unknown=unknown, t_in=t_in, t_out=t_out)
    np.savez(run / "results.npz", **out)
