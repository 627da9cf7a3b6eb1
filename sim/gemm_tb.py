"""cocotb test of one GEMM on `gemm_top` (see `picojoule.sim.gemm`); run through the runner.

``job.json`` in the run folder named by ``$PICOJOULE_SIM_RUN`` (`picojoule.sim.harness`) gives
the output memory's path, the drive mode and a cycle budget. The memories were preloaded by the
top (plusargs) and the clock runs in HDL (10 ns period); the test resets, pulses ``start`` and
waits for ``done``: with one await (``once``: the whole loop runs in HDL) or one await per clock
edge (``step``). It records the cycle count the core measured in ``result.json`` beside the job;
the output memory is dumped by the top when ``done`` rises.
"""

import json
import os
from pathlib import Path

import cocotb
from cocotb.triggers import ClockCycles, ReadOnly, RisingEdge, with_timeout

PERIOD_NS = 10  # the top's clock period


async def _settled_done(dut):
    """Return once ``done`` is high after its time step settles: the combinational ``done`` can
    glitch high for a delta cycle while the pipeline registers update at a clock edge."""
    while True:
        await RisingEdge(dut.done)
        await ReadOnly()
        if dut.done.value == 1:
            return


@cocotb.test()
async def gemm(dut):
    run = Path(os.environ["PICOJOULE_SIM_RUN"])
    job = json.loads((run / "job.json").read_text())
    dut.start.value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    dut.rst.value = 0
    await RisingEdge(dut.clk)
    dut.start.value = 1
    await RisingEdge(dut.clk)
    dut.start.value = 0
    budget = job["timeout_cycles"]
    if job["drive"] == "once":
        await with_timeout(_settled_done(dut), budget * PERIOD_NS, "ns")
    else:
        for _ in range(budget):
            await RisingEdge(dut.clk)
            if dut.done.value == 1:
                break
        assert dut.done.value == 1, f"GEMM not done within {budget} cycles"
    cycles = int(dut.cycles.value)
    await ClockCycles(dut.clk, 2)  # the top dumps the output memory
    assert Path(job["out_mem"]).exists(), "output memory was not dumped"
    (run / "result.json").write_text(json.dumps({"cycles": cycles}))
