"""Ports wider than 64 bits in the cost flow: block-word operands of mx_dot units.

The gate simulators take a wide port as (operations, words) uint64 words; `UnitPorts.pack`
places each operand by the manifest's port records. The netlist's own outputs are the check:
an mx_dot netlist driven this way must compute the golden model's results on Gaussian blocks,
combinational and pipelined (a stream payload holding both block words).
"""

import json

import numpy as np
import pytest

from picojoule.base.ports import operand_bits, unit_ports
from picojoule.cli import main
from picojoule.cost.gatesim import pack_stream, simulate, stream_words
from picojoule.cost.operands import block_stream, operand_fractions, operand_stream
from picojoule.cost.synth import synthesize
from picojoule.cost.units import cost_unit
from picojoule.hw.export import export_suite
from picojoule.models.mx_formats import BlockFormat
from picojoule.models.mx_unit import MxDot

_WIDE = """
module wide(input wire [129:0] a, input wire [3:0] b, output wire [7:0] y);
  assign y = a[129:122] ^ a[7:0] ^ (a[71:64] & {2{b}});
endmodule
"""


def test_pack_stream_of_words_is_the_bits_of_the_wide_value():
    rng = np.random.default_rng(3)
    values = [int(x) for x in rng.integers(0, 1 << 62, 130)]
    wide = [v | (v << 62) | ((v & 3) << 128) for v in values]  # 130-bit values
    words = np.array([[(w >> (64 * j)) & (2**64 - 1) for j in range(3)] for w in wide], np.uint64)
    packed = pack_stream(words, 130)
    assert packed.shape == (130, 3)
    for bit in (0, 63, 64, 100, 127, 128, 129):
        expect = np.array([(w >> bit) & 1 for w in wide], np.uint8)
        got = np.unpackbits(packed[bit].view(np.uint8), bitorder="little")[:130]
        assert np.array_equal(got, expect), bit
    with pytest.raises(ValueError, match="3 uint64 words"):
        stream_words(words[:, :2], 130)
    assert np.array_equal(
        operand_bits(np.array(wide, dtype=object), 130)[:, 128], [w >> 128 & 1 for w in wide]
    )


def test_a_wide_port_drives_the_netlist_bit_exactly(tmp_path):
    src = tmp_path / "wide.v"
    src.write_text(_WIDE)
    synth = synthesize(verilog=src, top="wide", cache_dir=None, progress=None)
    rng = np.random.default_rng(0)
    n = 300
    words = rng.integers(0, 1 << 63, (n, 3), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    words[:, 2] &= np.uint64(3)
    b = rng.integers(0, 16, n).astype(np.uint64)
    sim = simulate(synth.netlist, inputs={"a": words, "b": b}, record_outputs=True)
    a_int = [int(w[0]) | (int(w[1]) << 64) | (int(w[2]) << 128) for w in words]
    expect = [
        ((x >> 122) & 255) ^ (x & 255) ^ (((x >> 64) & 255) & (int(bb) * 17))
        for x, bb in zip(a_int, b)
    ]
    assert np.array_equal(sim.outputs["y"].astype(np.int64), expect)


@pytest.fixture(scope="module")
def mx_units(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mx") / "verilog"
    specs = [
        MxDot(a="e4m3", b="e2m1", k=8),
        MxDot(a="e2m1", k=8, scale="e4m3", stages=2),
    ]
    manifest = export_suite(folder, specs=specs, cache_dir=None, jobs=1)
    return folder, specs, manifest["units"]


@pytest.mark.parametrize("index", [0, 1])
def test_mx_dot_netlist_driven_by_port_records_equals_the_golden_model(mx_units, index):
    folder, specs, entries = mx_units
    spec, entry = specs[index], entries[index]
    ports = unit_ports(entry["ports"])
    assert max(ports.widths.values()) > 64
    synth = synthesize(verilog=folder / entry["verilog"], top=entry["top"], cache_dir=None)
    a_fmt, b_fmt = spec.in_formats
    n = 400
    a = operand_stream(fmt=a_fmt, dist="gaussian", n=n, seed=1)
    b = operand_stream(fmt=b_fmt, dist="gaussian", n=n, seed=2)
    streams, holds = ports.drive(a, b)
    sim = simulate(synth.netlist, inputs=streams, holds=holds, record_outputs=True)
    ae, xa = a_fmt.unpack_words(a)
    be, xb = b_fmt.unpack_words(b)
    expect = spec.golden_blocks(ae, xa, be, xb).astype(np.int64)
    got = sim.outputs[ports.result].astype(np.int64)
    lag = spec.latency
    assert np.array_equal(got[lag:], expect[: n - lag])


def test_mx_dot_energy_is_timing_aware(mx_units):
    folder, specs, entries = mx_units
    record = cost_unit(
        entries[0], manifest_dir=folder, distribution="gaussian", n=600, cache_dir=None
    )
    assert record["kind"] == "mx_dot" and record["delay_model"] == "inertial"
    assert record["energy_pj_per_op"] > record["energy_pj_per_op_zero_delay"] > 0
    assert 0 < record["glitch_fraction"] < 1


def test_energy_command_costs_an_mx_dot_unit_from_its_manifest(mx_units, tmp_path, capsys):
    folder, _, entries = mx_units
    out = tmp_path / "e.json"
    entry = entries[1]
    argv = ["energy", str(folder / entry["verilog"]), "--top", entry["top"], "--dist",
            "gaussian", "--n", "300", "--json", str(out), "--no-cache"]  # fmt: skip
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "nvfp4" in text or "e2m1" in text
    record = json.loads(out.read_text())
    assert record["kind"] == "mx_dot" and record["glitch_fraction"] > 0


def test_block_streams_follow_the_data_and_round_trip():
    fmt = BlockFormat(element="e4m3", k=8)
    words = block_stream(fmt=fmt, dist="gaussian", n=500, seed=4)
    assert words.shape == (500, 2) and words.dtype == np.uint64
    elements, scales = fmt.unpack_words(words)
    assert np.array_equal(fmt.pack_words(elements, scales), words)
    ints = fmt.pack(elements, scales)
    assert ints == [int(w[0]) | (int(w[1]) << 64) for w in words]
    # the per-block scale puts each block's largest element in the format's top binade
    top = np.abs(fmt.element.decode(elements)).max(axis=1)
    assert (top >= 256).all() and (top <= 448).all()
    fractions = operand_fractions(words, fmt)
    assert fractions["zero"] < 0.05 and fractions["saturated"] < 0.2
    uniform = block_stream(fmt=fmt, dist="uniform", n=4000, seed=4)
    assert 0.002 < np.mean(fmt.unpack_words(uniform)[1] == 255) < 0.01
