"""Gate-level activity simulation speed: packed 64 operations per word vs one bool per operation."""

import tempfile
import time
from pathlib import Path

import numpy as np

from picojoule.cost.boolexpr import evaluate
from picojoule.cost.gatesim import _Plan, simulate
from picojoule.cost.synth import synthesize

TITLE = "cost flow: gate-level activity simulation (default library)"

_RTL = """
module bench_mul16(input [15:0] a, input [15:0] b, output [31:0] y);
  assign y = a * b;
endmodule
module bench_mul32(input [31:0] a, input [31:0] b, output [63:0] y);
  assign y = a * b;
endmodule
module bench_stream_mul16(input clk, input rst, input i__valid, output i__ready,
                          input [31:0] i__payload, output reg o__valid, input o__ready,
                          output reg [31:0] o__payload);
  reg [31:0] p;
  reg v;
  assign i__ready = o__ready | ~o__valid;
  always @(posedge clk) begin
    if (rst) begin v <= 0; o__valid <= 0; end
    else if (i__ready) begin
      v <= i__valid; p <= i__payload[15:0] * i__payload[31:16];
      o__valid <= v; o__payload <= p;
    end
  end
endmodule
"""


def _bool_simulate(netlist, a, b):
    """Baseline: the same levelized evaluation on numpy bool arrays, one element per operation."""
    plan = _Plan(netlist, netlist.levels)
    values = np.zeros((netlist.n_nets, len(a)), dtype=bool)
    values[1] = True
    for name, codes in (("a", a), ("b", b)):
        for bit, net in enumerate(netlist.ports[name][1]):
            values[net] = (codes >> np.uint64(bit)) & np.uint64(1)
    for _cell, funcs, ins, outs, _ in plan.steps:
        env = {p: values[idx] for p, idx in ins.items()}
        like = next(iter(env.values()))
        for pin, target in outs.items():
            values[target] = evaluate(funcs[pin], env, like)
    return np.count_nonzero(values[:, 1:] != values[:, :-1], axis=1)


def run(report):
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bench.v"
        src.write_text(_RTL)
        for top, width in (("bench_mul16", 16), ("bench_mul32", 32)):
            start = time.perf_counter()
            result = synthesize(verilog=src, top=top, cache_dir=None, progress=None)
            report(
                f"{top}: synthesis (yosys + abc, {sum(result.cells.values())} cells)",
                time.perf_counter() - start,
                "s",
            )
            netlist = result.netlist
            n = 1 << 20
            rng = np.random.default_rng(0)
            a = rng.integers(0, 1 << width, n, dtype=np.uint64)
            b = rng.integers(0, 1 << width, n, dtype=np.uint64)
            start = time.perf_counter()
            sim = simulate(netlist, inputs={"a": a, "b": b})
            packed = len(netlist.instances) * n / (time.perf_counter() - start)
            m = 1 << 14
            start = time.perf_counter()
            base_toggles = _bool_simulate(netlist, a[:m], b[:m])
            unpacked = len(netlist.instances) * m / (time.perf_counter() - start)
            check = simulate(netlist, inputs={"a": a[:m], "b": b[:m]}).toggles
            assert np.array_equal(check[2:], base_toggles[2:]), (
                "packed and bool simulations disagree"
            )
            report(
                f"{top}: gate evaluations/s incl. toggle counting, {n:,} pairs",
                packed,
                "evals/s",
                baseline=("numpy bool arrays, one op per element", unpacked),
                target=">= 1e9",
            )
            report(f"{top}: toggles per operation", sim.toggles.sum() / (n - 1), "toggles")
        # a valid/ready pipeline: sequential feedback through the register enables, which the held
        # ready makes constant (feed-forward path); baseline: the cycle-by-cycle lane engine
        result = synthesize(verilog=src, top="bench_stream_mul16", cache_dir=None, progress=None)
        netlist = result.netlist
        n = 1 << 20
        payload = np.random.default_rng(1).integers(0, 1 << 32, n, dtype=np.uint64)
        holds = {"i__valid": 1, "o__ready": 1}
        start = time.perf_counter()
        fast = simulate(netlist, inputs={"i__payload": payload}, holds=holds)
        folded = len(netlist.instances) * n / (time.perf_counter() - start)
        start = time.perf_counter()
        slow = simulate(netlist, inputs={"i__payload": payload}, holds=holds, engine="lanes")
        lanes = len(netlist.instances) * n / (time.perf_counter() - start)
        assert fast.engine == "feed_forward" and slow.engine == "lanes"
        assert np.array_equal(fast.toggles, slow.toggles), "feed-forward and lane engines disagree"
        report(
            f"bench_stream_mul16 (valid/ready held, {len(netlist.flops)} flip-flops): gate evaluations/s, "
            f"{n:,} operations",
            folded,
            "evals/s",
            baseline=("cycle-by-cycle lane engine", lanes),
            target=">= 1e9",
        )
        # random backpressure: the enables follow the data, so the feedback stays: lane engine
        ready = np.random.default_rng(2).integers(0, 2, n, dtype=np.uint64)
        inputs = {"i__payload": payload, "o__ready": ready}
        start = time.perf_counter()
        lane_run = simulate(netlist, inputs=inputs, holds={"i__valid": 1})
        lanes = len(netlist.instances) * n / (time.perf_counter() - start)
        m = 512
        start = time.perf_counter()
        simulate(
            netlist,
            inputs={k: v[:m] for k, v in inputs.items()},
            holds={"i__valid": 1},
            lanes=64,
            warmup=m,
        )
        serial = len(netlist.instances) * m / (time.perf_counter() - start)
        report(
            f"bench_stream_mul16, random backpressure (lane engine, warm-up {lane_run.warmup}, "
            f"{lane_run.repaired_lanes} lanes repaired): "
            f"gate evaluations/s, {n:,} operations",
            lanes,
            "evals/s",
            baseline=("one serial run (64 lanes, one used)", serial),
            target=">= 1e9",
        )
