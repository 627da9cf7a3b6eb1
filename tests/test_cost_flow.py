"""The cost flow end to end: synthesis figures, gate simulation results, energy, caching, CLI."""

from pathlib import Path

import numpy as np
import pytest
from liberties import SKY130_EXCERPT, full_liberty

from picojoule.cli import main
from picojoule.cost import synth as synth_module
from picojoule.cost.energy import energy_from_activity, estimate
from picojoule.cost.gatesim import simulate
from picojoule.cost.library import default_library
from picojoule.cost.synth import synthesize

DESIGNS = """
module add8(input [7:0] a, input [7:0] b, output [8:0] y);
  assign y = a + b;
endmodule
module mul8(input [7:0] a, input [7:0] b, output [15:0] y);
  assign y = a * b;
endmodule
module smul6(input signed [5:0] a, input signed [5:0] b, output signed [11:0] y);
  assign y = a * b;
endmodule
module mul6_pipe(input clk, input rst, input [5:0] a, input [5:0] b, output reg [11:0] y);
  reg [11:0] p;
  always @(posedge clk) begin
    if (rst) begin p <= 0; y <= 0; end else begin p <= a * b; y <= p; end
  end
endmodule
"""


@pytest.fixture(scope="module")
def verilog(tmp_path_factory):
    path = tmp_path_factory.mktemp("rtl") / "units.v"
    path.write_text(DESIGNS)
    return path


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def _liberty(name):
    """The built-in table, the committed sky130hd excerpt, or a full library (extra tests)."""
    return {
        "default": lambda: None,
        "sky130hd-excerpt": lambda: SKY130_EXCERPT,
        "nangate45": lambda: full_liberty("nangate45_typ.lib.gz"),
        "sky130hd": lambda: full_liberty("sky130hd_tt.lib.gz"),
    }[name]()


LIBRARIES = [
    "default",
    "sky130hd-excerpt",
    pytest.param("nangate45", marks=pytest.mark.full_liberty),
    pytest.param("sky130hd", marks=pytest.mark.full_liberty),
]


@pytest.mark.parametrize("library", LIBRARIES)
def test_multiplier_netlist_is_exact_and_costed(verilog, cache_dir, library):
    result = synthesize(
        verilog=verilog, top="mul8", liberty=_liberty(library), cache_dir=cache_dir, progress=None
    )
    a, b = np.meshgrid(np.arange(256), np.arange(256))
    a, b = a.ravel(), b.ravel()
    sim = simulate(result.netlist, inputs={"a": a, "b": b}, record_outputs=True)
    np.testing.assert_array_equal(sim.outputs["y"], a * b)
    assert result.area_um2 > 0 and result.delay_ns > 0 and result.logic_depth >= 4
    assert sum(result.cells.values()) == len(result.netlist.instances)
    assert result.transistors > sum(result.cells.values())
    energy = energy_from_activity(result.netlist, sim)
    assert energy.voltage == result.library.voltage
    assert energy.energy_pj_per_op > 0
    assert energy.switching_pj > 0 and energy.internal_pj > 0 and energy.leakage_pj > 0
    assert energy.clock_pj == 0


def test_default_library_matches_published_area_scale(verilog, cache_dir):
    # The built-in table holds Nangate45 X1 cells: mapping onto it must cost about what the
    # full Nangate45 library costs (ANCHORS: 373.2 um^2 for the 8x8 multiplier, measured here).
    result = synthesize(verilog=verilog, top="mul8", cache_dir=cache_dir, progress=None)
    assert 340 < result.area_um2 < 410


def test_signed_multiplier(verilog, cache_dir):
    result = synthesize(verilog=verilog, top="smul6", cache_dir=cache_dir, progress=None)
    a, b = np.meshgrid(np.arange(64), np.arange(64))
    a, b = a.ravel(), b.ravel()
    sim = simulate(result.netlist, inputs={"a": a, "b": b}, record_outputs=True)

    def signed(x):
        return np.where(x >= 32, x - 64, x)

    np.testing.assert_array_equal(sim.outputs["y"], (signed(a) * signed(b)) & 0xFFF)


@pytest.mark.parametrize("chunk_ops", [64, 192, None])
def test_pipeline_carries_state_across_chunks(verilog, cache_dir, chunk_ops):
    result = synthesize(verilog=verilog, top="mul6_pipe", cache_dir=cache_dir, progress=None)
    assert any(c.flop for c in (result.library.cells[n] for n in result.cells))
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 64, 1000), rng.integers(0, 64, 1000)
    sim = simulate(
        result.netlist, inputs={"a": a, "b": b}, record_outputs=True, chunk_ops=chunk_ops
    )
    np.testing.assert_array_equal(sim.outputs["y"][2:], (a * b)[:-2])
    assert sim.outputs["y"][0] == 0
    energy = energy_from_activity(result.netlist, sim)
    assert energy.clock_pj > 0


def test_toggles_do_not_depend_on_chunking(verilog, cache_dir):
    result = synthesize(verilog=verilog, top="mul8", cache_dir=cache_dir, progress=None)
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 256, 1001), rng.integers(0, 256, 1001)
    counts = [
        simulate(result.netlist, inputs={"a": a, "b": b}, chunk_ops=c).toggles
        for c in (64, 320, 4096)
    ]
    np.testing.assert_array_equal(counts[0], counts[1])
    np.testing.assert_array_equal(counts[0], counts[2])


def test_constant_operands_cost_only_leakage(verilog, cache_dir):
    result = synthesize(verilog=verilog, top="add8", cache_dir=cache_dir, progress=None)
    sim = simulate(result.netlist, inputs={"a": np.full(100, 7), "b": np.full(100, 9)})
    assert sim.toggles.sum() == 0
    energy = energy_from_activity(result.netlist, sim)
    assert energy.switching_pj == 0 and energy.internal_pj == 0
    assert energy.energy_pj_per_op == pytest.approx(energy.leakage_pj)


def test_voltage_and_clock_scaling(verilog, cache_dir):
    result = synthesize(verilog=verilog, top="add8", cache_dir=cache_dir, progress=None)
    rng = np.random.default_rng(1)
    sim = simulate(
        result.netlist, inputs={"a": rng.integers(0, 256, 5000), "b": rng.integers(0, 256, 5000)}
    )
    nominal = energy_from_activity(result.netlist, sim)
    low = energy_from_activity(result.netlist, sim, voltage=0.55, clock_ghz=0.5)
    assert low.switching_pj == pytest.approx(nominal.switching_pj / 4)
    assert low.internal_pj == pytest.approx(nominal.internal_pj / 4)
    assert low.leakage_pj == pytest.approx(nominal.leakage_pj)  # half the voltage, twice the period
    assert low.power_mw == pytest.approx(low.energy_pj_per_op * 0.5)


def test_switching_energy_by_hand(verilog, cache_dir):
    """One net's switching energy, recomputed from the table: 1/2 (pins + wire) V^2 per toggle."""
    result = synthesize(verilog=verilog, top="add8", cache_dir=cache_dir, progress=None)
    netlist = result.netlist
    lib = default_library()
    net = netlist.ports["a"][1][0]
    pins = sum(lib.cells[netlist.instances[i].cell].inputs[p] for i, p in netlist.sinks[net])
    expected = pins + lib.wire_cap_ff(len(netlist.sinks[net]))
    assert netlist.net_loads_ff()[net] == pytest.approx(expected)


def test_results_are_cached(verilog, tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    streams = {"a": rng.integers(0, 256, 500), "b": rng.integers(0, 256, 500)}
    first = estimate(
        verilog=verilog, top="add8", streams=streams, cache_dir=tmp_path, progress=None
    )
    assert list((tmp_path / "synth").glob("*.json")) and list((tmp_path / "energy").glob("*.json"))

    def no_yosys(*args, **kwargs):
        raise AssertionError("yosys ran although the result was cached")

    monkeypatch.setattr(synth_module, "_run_yosys", no_yosys)
    monkeypatch.setattr("picojoule.cost.energy.simulate", no_yosys)
    again = estimate(
        verilog=verilog, top="add8", streams=streams, cache_dir=tmp_path, progress=None
    )
    assert again[1] == first[1]
    assert again[0].summary() == first[0].summary()


@pytest.mark.full_liberty
def test_default_table_is_reproducible_from_its_source():
    from picojoule.cost import extract_table, nangate45

    source = full_liberty("nangate45_typ.lib.gz")
    assert extract_table.table_source(source) == Path(nangate45.__file__).read_text()


def test_cli_synth_and_energy(verilog, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "s.json"
    assert main(["synth", str(verilog), "--top", "add8", "--json", str(out)]) == 0
    assert "area" in capsys.readouterr().out and out.exists()
    rec = tmp_path / "e.json"
    assert (
        main(
            [
                "energy",
                str(verilog),
                "--top",
                "mul8",
                "--format",
                "int8",
                "--dist",
                "laplace",
                "--n",
                "2000",
                "--voltage",
                "0.9",
                "--json",
                str(rec),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "energy per operation" in text and "0.90 V" in text
    import json

    record = json.loads(rec.read_text())
    for key in (
        "name",
        "kind",
        "params",
        "library",
        "cells",
        "area_um2",
        "energy_pj_per_op",
        "power_mw",
        "distribution",
        "delay_ns",
    ):
        assert key in record
    assert record["distribution"] == "laplace" and record["library"] == "default"


STREAM_UNIT = """
module smul(input clk, input rst, input i__valid, output i__ready, input [11:0] i__payload,
            output reg o__valid, input o__ready, output reg [11:0] o__payload);
  // one stage with a valid/ready handshake: the register holds while the output stalls
  assign i__ready = o__ready | ~o__valid;
  always @(posedge clk) begin
    if (rst) o__valid <= 0;
    else if (i__ready) begin
      o__valid <= i__valid;
      o__payload <= i__payload[5:0] * i__payload[11:6];
    end
  end
endmodule
"""


def test_stream_pipeline_with_feedback(tmp_path):
    from picojoule.base.ports import ports_by_name

    src = tmp_path / "smul.v"
    src.write_text(STREAM_UNIT)
    result = synthesize(verilog=src, top="smul", cache_dir=tmp_path, progress=None)
    netlist = result.netlist
    assert netlist.feedback
    rng = np.random.default_rng(2)
    n = 1000
    a, b = rng.integers(0, 64, n), rng.integers(0, 64, n)
    by_name = ports_by_name({p: (d, len(nets)) for p, (d, nets) in netlist.ports.items()})
    streams, holds = by_name.drive(a, b)
    assert holds == {"i__valid": 1, "o__ready": 1}
    # reference: every lane starts at operation 0 (a serial run); then short warm-ups; then the
    # default, which sees that the held ready makes the register enables constant (feed-forward)
    runs = [
        simulate(
            netlist,
            inputs=streams,
            holds=holds,
            record_outputs=True,
            lanes=lanes,
            warmup=warmup,
            engine="lanes",
        )
        for lanes, warmup in ((64, n), (64, 4), (256, 2), (None, 64))
    ]
    runs.append(simulate(netlist, inputs=streams, holds=holds, record_outputs=True))
    assert [run.engine for run in runs] == ["lanes"] * 4 + ["feed_forward"]
    for run in runs:
        np.testing.assert_array_equal(run.outputs["o__payload"][1:], (a * b)[:-1] & 0xFFF)
        assert run.outputs["o__valid"][1:].all()
        np.testing.assert_array_equal(run.toggles, runs[0].toggles)
    energy = energy_from_activity(netlist, runs[0])
    assert energy.clock_pj > 0 and energy.energy_pj_per_op > energy.clock_pj


def test_backpressure_keeps_the_lane_engine(tmp_path):
    """A streamed ``ready`` makes the enables data-dependent: the lane engine, equal to a serial run."""
    src = tmp_path / "smul.v"
    src.write_text(STREAM_UNIT)
    netlist = synthesize(verilog=src, top="smul", cache_dir=tmp_path, progress=None).netlist
    rng = np.random.default_rng(4)
    n = 600
    payload, ready = rng.integers(0, 1 << 12, n), rng.integers(0, 2, n)
    inputs = {"i__payload": payload, "o__ready": ready}
    auto = simulate(netlist, inputs=inputs, holds={"i__valid": 1}, record_outputs=True, lanes=128)
    serial = simulate(
        netlist, inputs=inputs, holds={"i__valid": 1}, record_outputs=True, lanes=64, warmup=n
    )
    assert auto.engine == serial.engine == "lanes"
    np.testing.assert_array_equal(auto.toggles, serial.toggles)
    stalled = (serial.outputs["o__valid"][:-1] == 1) & (ready[:-1] == 0)
    assert stalled.any()
    held = serial.outputs["o__payload"]
    np.testing.assert_array_equal(
        held[1:][stalled], held[:-1][stalled]
    )  # a stall holds the register


LONG_MEMORY = """
module keep(input clk, input [3:0] a, input [3:0] b, output [3:0] y);
  reg [3:0] held;
  assign y = held ^ b;
  always @(posedge clk) if (a == 4'd0) held <= b;    // loads rarely: a long memory
endmodule
"""


def test_lane_engine_repairs_a_short_warmup(tmp_path):
    src = tmp_path / "keep.v"
    src.write_text(LONG_MEMORY)
    netlist = synthesize(verilog=src, top="keep", cache_dir=tmp_path, progress=None).netlist
    rng = np.random.default_rng(6)
    n = 3000
    a, b = rng.integers(0, 16, n), rng.integers(0, 16, n)
    serial = simulate(netlist, inputs={"a": a, "b": b}, record_outputs=True, lanes=64, warmup=n)
    for warmup in (1, 4):
        short = simulate(
            netlist, inputs={"a": a, "b": b}, record_outputs=True, lanes=256, warmup=warmup
        )
        assert short.engine == "lanes"
        assert (
            short.repaired_lanes > 0 or short.warmup > warmup
        )  # the check caught the short warm-up
        np.testing.assert_array_equal(short.toggles, serial.toggles)
        np.testing.assert_array_equal(short.outputs["y"], serial.outputs["y"])
    held = np.zeros(n, dtype=np.int64)  # the register, serially
    for t in range(1, n):
        held[t] = b[t - 1] if a[t - 1] == 0 else held[t - 1]
    np.testing.assert_array_equal(serial.outputs["y"], held ^ b)


def test_high_fanout_nets_are_timed_through_a_buffer_tree(tmp_path, cache_dir):
    """A flop driving 512 gates: timed as a fanout-8 buffer tree (2 stages), not as one X1
    output driving every pin, which is what ABC's unbuffered netlist would otherwise say."""
    from picojoule.cost.netlist import BUFFER_FANOUT

    source = tmp_path / "fan.v"
    source.write_text(
        "module fan(input clk, input d, input [511:0] b, output reg [511:0] y);\n"
        "  reg q;\n  always @(posedge clk) begin q <= d; y <= b & {512{q}}; end\n"
        "endmodule\n"
    )
    result = synthesize(verilog=source, top="fan", cache_dir=cache_dir, progress=None)
    netlist = result.netlist
    loads = netlist.net_loads_ff()
    extra, driver_load = netlist.buffer_tree_delays(loads)
    wide = [n for n in range(2, netlist.n_nets) if netlist.fanout(n) > 64]
    assert wide and BUFFER_FANOUT == 8
    buf = netlist.library.cells[netlist.library.find(0b10, 1)[0]]
    d0, d1 = next(iter(buf.delay_ns.values()))
    for n in wide:
        stages = -(-np.log(netlist.fanout(n)) // np.log(8)) - 1
        assert stages >= 1 and driver_load[n] < loads[n] / 8
        assert d0 * stages < extra[n] < (d0 + d1 * 100) * stages  # one buffer per stage
    assert all(extra[n] == 0 for n in range(netlist.n_nets) if netlist.fanout(n) <= 8)
    assert result.delay_ns < 1.0
