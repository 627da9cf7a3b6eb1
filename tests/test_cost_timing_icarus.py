"""The timing simulation's per-net transition counts (glitches included) equal Icarus Verilog's.

Each unit is synthesized, written with one ``assign #d`` per cell output
(:mod:`picojoule.cost.timing_verilog`), driven in Icarus with the same Gaussian operand stream,
one operation per clock period longer than the longest path, and every transition of every net
in the VCD is counted. The inertial counts must be equal net by net; transport counts are at
least the inertial ones; the settled-value changes equal the zero-delay engine's toggles.
"""

import shutil
import subprocess

import numpy as np
import pytest

from picojoule.base.ports import unit_ports
from picojoule.cost.gatesim import simulate
from picojoule.cost.operands import operand_stream
from picojoule.cost.synth import synthesize
from picojoule.cost.tile_export import export_tile
from picojoule.cost.tile_streams import tile_streams
from picojoule.cost.tiles import TileEntry
from picojoule.cost.timing_delays import quantized_delays
from picojoule.cost.timing_verilog import timed_netlist_verilog
from picojoule.cost.timingsim import simulate_timing
from picojoule.hw.export import manifest_entry, verilog_source
from picojoule.models.mac_gemm import MacArraySpec
from picojoule.models.units import FpAdd, FpMul, IntMul, LMul

N_OPS = 2000
MAC_TILE_CYCLES = 200

UNITS = {
    "e4m3_mul": FpMul(a="e4m3", b="e4m3", out="e4m3"),
    "int8_mul": IntMul(a="int8", b="int8"),
    "bf16_lmul": LMul(fmt="bf16"),
    "fp16_add": FpAdd(a="fp16", b="fp16", out="fp16"),
    "int8_mul_pipelined": IntMul(a="int8", b="int8", stages=2),
}

# sequential feedback (a register that keeps its value, an accumulator-like loop): the lane path
FEEDBACK = """
module feedback_unit(input clk, input [4:0] a, input [4:0] b, output [9:0] p, output reg [9:0] q,
                     output [4:0] s);
  reg [4:0] held = 0;
  assign p = a * b;
  assign s = held ^ a;
  always @(posedge clk) begin
    if (a[0]) held <= b;
    q <= held * b + q[9:5];
  end
endmodule
"""

TESTBENCH = """
`timescale 1ps/1ps
module tb;
  reg clk = 0;
{regs}
  integer t;
  {top} dut({conns});
  initial begin
{loads}
    $dumpfile("dump.vcd");
    $dumpvars(1, dut);
    for (t = 0; t < {n}; t = t + 1) begin
      if (t > 0) clk = 1;  // operation 0 meets the registers' initial 0 state
{assigns}
      #{half} clk = 0;
      #{half};
    end
    $finish;
  end
endmodule
"""


def vcd_transitions(path, *, start):
    """Transitions per wire ``n<k>`` at times >= ``start`` (a value equal to the last is none)."""
    ids, counts, last, now = {}, {}, {}, 0
    with open(path) as f:
        for line in f:
            if line.startswith("$var"):
                parts = line.split()
                if parts[4].startswith("n") and parts[4][1:].isdigit() and parts[2] == "1":
                    ids.setdefault(parts[3], []).append(int(parts[4][1:]))
            elif line.startswith("#"):
                now = int(line[1:])
            elif line[:1] in "01xz" and line[1:].strip() in ids:
                code, value = line[1:].strip(), line[0]
                if now >= start and last.get(code) != value:
                    for k in ids[code]:
                        counts[k] = counts.get(k, 0) + 1
                last[code] = value
    return counts, {k for v in ids.values() for k in v}


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory):
    """Synthesis results per unit, once per test session."""
    root = tmp_path_factory.mktemp("timing_units")
    cache = {}

    def get(name):
        if name not in cache:
            spec = UNITS.get(name)
            src = root / f"{name}.v"
            src.write_text(verilog_source(spec) if spec else FEEDBACK)
            top = spec.name if spec else "feedback_unit"
            cache[name] = (
                spec,
                synthesize(verilog=src, top=top, cache_dir=root / "cache", progress=None),
            )
        return cache[name]

    return get


def _streams(spec, netlist):
    if spec is None:
        rng = np.random.default_rng(5)
        return {"a": rng.integers(0, 32, N_OPS), "b": rng.integers(0, 32, N_OPS)}, {}
    fmt_a, fmt_b = spec.in_formats
    a = operand_stream(fmt=fmt_a, dist="gaussian", n=N_OPS, seed=5)
    b = operand_stream(fmt=fmt_b, dist="gaussian", n=N_OPS, seed=6)
    return unit_ports(manifest_entry(spec)["ports"]).drive(a, b)


def _run_icarus(tmp_path, netlist, delays, streams, holds):
    n_ops = len(next(iter(streams.values())))
    period = 2 * (delays.settle_steps + 10)  # steps; the step is 1 ps
    regs, loads, assigns, conns = [], [], [], []
    for name, (direction, nets) in netlist.ports.items():
        if direction != "input":
            continue
        width = len(nets)
        if name in streams:
            regs.append(f"  reg [{width - 1}:0] v_{name};")
            regs.append(f"  reg [{width - 1}:0] m_{name} [0:{n_ops - 1}];")
            hexfile = tmp_path / f"{name}.hex"
            hexfile.write_text("\n".join(f"{int(x):x}" for x in streams[name]) + "\n")
            loads.append(f'    $readmemh("{hexfile.name}", m_{name});')
            assigns.append(f"      v_{name} <= m_{name}[t];")
            conns.append(f".{name}(v_{name})")
        elif set(nets) & netlist.clock_nets:
            conns.append(f".{name}(clk)")
        else:
            conns.append(f".{name}({width}'d{int(holds.get(name, 0))})")
    (tmp_path / "netlist.v").write_text(timed_netlist_verilog(netlist, delays))
    tb = (
        TESTBENCH.replace("{regs}", "\n".join(regs))
        .replace("{top}", netlist.top)
        .replace("{conns}", ", ".join(conns))
        .replace("{loads}", "\n".join(loads))
        .replace("{assigns}", "\n".join(assigns))
        .replace("{n}", str(n_ops))
        .replace("{half}", str(period // 2))
    )
    (tmp_path / "tb.v").write_text(tb)
    subprocess.run(["iverilog", "-o", "sim.vvp", "tb.v", "netlist.v"], cwd=tmp_path, check=True)
    subprocess.run(["vvp", "-n", "sim.vvp"], cwd=tmp_path, check=True, capture_output=True)
    return vcd_transitions(tmp_path / "dump.vcd", start=period)


def _assert_equal_counts(netlist, timing, counts, dumped):
    checked = 0
    for k in range(2, netlist.n_nets):
        if k in netlist.clock_nets:
            continue
        assert k in dumped, f"net n{k} not in the VCD"
        assert timing.toggles[k] == counts.get(k, 0), f"net n{k}"
        checked += 1
    assert checked == netlist.n_nets - 2 - len(netlist.clock_nets)


@pytest.mark.slow
@pytest.mark.parametrize("name", [*UNITS, "feedback"])
def test_inertial_transitions_equal_icarus(tmp_path, synthesized, name):
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed")
    spec, result = synthesized(name)
    netlist = result.netlist
    streams, holds = _streams(spec, netlist)
    delays = quantized_delays(netlist, time_step_ps=1.0)
    timing = simulate_timing(netlist, inputs=streams, holds=holds, delays=delays)
    counts, dumped = _run_icarus(tmp_path, netlist, delays, streams, holds)

    _assert_equal_counts(netlist, timing, counts, dumped)
    glitches = int(timing.glitches.sum())
    assert glitches > 0, "Gaussian data through these units glitches"
    # settled-value changes are the zero-delay engine's toggles
    zero = simulate(netlist, inputs=streams, holds=holds)
    np.testing.assert_array_equal(timing.functional, zero.toggles)
    if name == "feedback":
        assert netlist.feedback, "the design should keep sequential feedback"
    if name == "int8_mul_pipelined":
        assert netlist.flops, "the pipelined unit should map onto flip-flops"
        # transport never swallows a pulse: at least as many transitions on every net
        transport = simulate_timing(
            netlist, inputs=streams, holds=holds, delays=delays, delay_model="transport"
        )
        assert (transport.toggles >= timing.toggles).all()
        assert transport.toggles.sum() > timing.toggles.sum()


@pytest.mark.slow
def test_mac_tile_transitions_equal_icarus(tmp_path):
    """A whole e4m3 MAC tile (operand registers, two e4m3 multipliers, their e4m3 + e4m3 -> fp32
    adder and the fp32 accumulator adder and register: sequential feedback, glitches dominate)
    on a GEMM's own operand stream."""
    if shutil.which("iverilog") is None:
        pytest.skip("iverilog not installed")
    entry = TileEntry("mac-fp8", MacArraySpec(m=1, n=1, k=2, wbits=4, mul="fp8"))
    record = export_tile(entry, tmp_path)
    netlist = synthesize(
        verilog=tmp_path / record["verilog"], top=record["top"], cache_dir=None, progress=None
    ).netlist
    assert netlist.feedback, "the accumulator keeps sequential feedback"
    streams, holds = tile_streams(entry, cycles=MAC_TILE_CYCLES, seed=3)
    delays = quantized_delays(netlist, time_step_ps=1.0)
    timing = simulate_timing(netlist, inputs=streams, holds=holds, delays=delays)
    counts, dumped = _run_icarus(tmp_path, netlist, delays, streams, holds)
    _assert_equal_counts(netlist, timing, counts, dumped)
    assert timing.toggles.sum() > 3 * timing.functional.sum(), "glitches dominate this tile"
    zero = simulate(netlist, inputs=streams, holds=holds)
    np.testing.assert_array_equal(timing.functional, zero.toggles)
