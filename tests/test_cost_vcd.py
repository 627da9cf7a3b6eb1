"""The bit-parallel simulator's per-net toggle counts equal an Icarus simulation's VCD."""

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from liberties import SKY130_EXCERPT

from picojoule.cost.gatesim import simulate
from picojoule.cost.synth import synthesize
from picojoule.cost.verilog_model import cell_models, netlist_verilog

DESIGN = """
module unit(input clk, input rst, input [4:0] a, input [4:0] b, output [9:0] p, output reg [9:0] q,
            output [4:0] s);
  reg [9:0] r;
  assign p = a * b;
  assign s = (a ^ b) | {4'b0, a[4]};
  always @(posedge clk) begin
    if (rst) begin r <= 0; q <= 0; end else begin r <= a * b + {5'b0, b}; q <= r; end
  end
endmodule
"""

FEEDBACK = """
module unit(input clk, input rst, input [4:0] a, input [4:0] b, output [9:0] p, output reg [9:0] q,
            output [4:0] s);
  reg [4:0] held;
  assign p = a * b;
  assign s = held ^ a;
  always @(posedge clk) begin
    if (a[0]) held <= b;                 // a register that keeps its value: sequential feedback
    q <= held * b + q[9:5];              // and an accumulator-like loop
  end
endmodule
"""

STREAM = """
module unit(input clk, input rst, input en, input [4:0] a, input [4:0] b, output [9:0] p,
            output reg [9:0] q, output [4:0] s);
  reg [9:0] r;
  reg v;
  wire ready = en | ~v;                  // registers with an enable: sequential feedback, but
  assign p = a * b;                      // the bench holds en = 1, so the enables are constant
  assign s = a ^ b;
  always @(posedge clk) begin
    if (rst) v <= 0;
    else if (ready) begin v <= 1; r <= a * b; q <= r + {5'b0, b}; end
  end
endmodule
"""

TESTBENCH = """
`timescale 1ns/1ns
module tb;
  reg clk = 0, rst = 0;
  reg [4:0] a, b;
  wire [9:0] p, q;
  wire [4:0] s;
  reg [4:0] mem_a [0:{n1}];
  reg [4:0] mem_b [0:{n1}];
  integer t;
  unit dut(.clk(clk), .rst(rst), .a(a), .b(b), .p(p), .q(q), .s(s){extra});
  initial begin
    $readmemh("a.hex", mem_a);
    $readmemh("b.hex", mem_b);
    $dumpfile("dump.vcd");
    $dumpvars(0, dut);
    for (t = 0; t <= {n1}; t = t + 1) begin
      a = mem_a[t]; b = mem_b[t];
      #5 clk = 1;
      #5 clk = 0;
    end
    $finish;
  end
endmodule
"""


def _vcd_values(path, n_ops):
    """Value of every 1-bit wire ``n<k>`` at the sample time 10 t + 4 of each operation t."""
    ids, changes, now = {}, {}, 0
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        m = re.match(r"\$var \w+ 1 (\S+) (n\d+) \$end", line)
        if m:
            ids.setdefault(m.group(1), []).append(int(m.group(2)[1:]))
        elif line.startswith("#"):
            now = int(line[1:])
        elif line[:1] in "01xz" and line[1:] in ids:
            for k in ids[line[1:]]:
                changes.setdefault(k, []).append((now, line[0]))
    samples = 10 * np.arange(n_ops) + 4
    values = {}
    for k, events in changes.items():
        times = np.array([t for t, _ in events])
        bits = np.array([v for _, v in events])
        values[k] = bits[np.searchsorted(times, samples, side="right") - 1]
    return values


@pytest.mark.parametrize(
    "library, design",
    [
        ("default", "pipeline"),
        ("sky130hd", "pipeline"),
        ("default", "feedback"),
        ("default", "stream"),
        ("sky130hd", "stream"),
    ],
)
def test_toggle_counts_match_icarus_vcd(tmp_path, library, design):
    liberty = SKY130_EXCERPT if library == "sky130hd" else None
    src = tmp_path / "unit.v"
    src.write_text({"pipeline": DESIGN, "feedback": FEEDBACK, "stream": STREAM}[design])
    result = synthesize(
        verilog=src, top="unit", liberty=liberty, cache_dir=tmp_path / "cache", progress=None
    )
    netlist = result.netlist
    assert netlist.clock_nets, "the design should map onto flip-flops"
    n = 400
    rng = np.random.default_rng(11)
    a, b = rng.integers(0, 32, n), rng.integers(0, 32, n)
    a[100:110] = 0  # some runs without change
    assert netlist.feedback == (design != "pipeline")
    # feedback: 64 lanes that all start at operation 0 (warm-up >= N) equal the serial run;
    # stream: the held enable makes the registers plain delays (the feed-forward path)
    holds = {"en": 1} if design == "stream" else {}
    sim = simulate(
        netlist,
        inputs={"a": a, "b": b},
        holds=holds,
        chunk_ops=128,
        record_outputs=True,
        lanes=64,
        warmup=n,
    )
    assert sim.engine == ("lanes" if design == "feedback" else "feed_forward")

    (tmp_path / "cells.v").write_text(cell_models(result.library, set(result.cells)))
    (tmp_path / "netlist.v").write_text(netlist_verilog(netlist))
    extra = ", .en(1'b1)" if design == "stream" else ""
    (tmp_path / "tb.v").write_text(TESTBENCH.replace("{n1}", str(n - 1)).replace("{extra}", extra))
    (tmp_path / "a.hex").write_text("\n".join(f"{x:x}" for x in a) + "\n")
    (tmp_path / "b.hex").write_text("\n".join(f"{x:x}" for x in b) + "\n")
    subprocess.run(
        ["iverilog", "-o", "sim.vvp", "tb.v", "netlist.v", "cells.v"], cwd=tmp_path, check=True
    )
    subprocess.run(["vvp", "-n", "sim.vvp"], cwd=tmp_path, check=True, capture_output=True)
    values = _vcd_values(tmp_path / "dump.vcd", n)

    checked = 0
    for k in range(2, netlist.n_nets):
        if k in netlist.clock_nets or k not in values:
            continue
        v = values[k]
        assert not np.isin(v, ["x", "z"]).any(), f"net n{k} undefined in Icarus"
        icarus_toggles = int(np.count_nonzero(v[1:] != v[:-1]))
        assert sim.toggles[k] == icarus_toggles, f"net n{k}"
        checked += 1
    assert checked >= netlist.n_nets - 2 - len(netlist.clock_nets) - 1
    assert sim.toggles.sum() > 0
    # the simulated outputs are the design's
    np.testing.assert_array_equal(sim.outputs["p"], a * b)
    if design == "pipeline":
        np.testing.assert_array_equal(sim.outputs["q"][2:], (a * b + b)[:-2] & 0x3FF)
    if design == "stream":
        np.testing.assert_array_equal(sim.outputs["q"][2:], (a[:-2] * b[:-2] + b[1:-1]) & 0x3FF)
