"""Timing-aware energy: delay data checks, the time step, the delay models and the CLI."""

import dataclasses
import json

import numpy as np
import pytest

from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.cost.energy import energy_from_activity, estimate
from picojoule.cost.netlist import Netlist
from picojoule.cost.synth import synthesize
from picojoule.cost.timing_delays import quantized_delays
from picojoule.cost.timingsim import simulate_timing

RTL = """
module mul8(input [7:0] a, input [7:0] b, output [15:0] y);
  assign y = a * b;
endmodule
"""


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    path = tmp_path_factory.mktemp("rtl") / "mul8.v"
    path.write_text(RTL)
    cache = tmp_path_factory.mktemp("cache")
    return path, synthesize(verilog=path, top="mul8", cache_dir=cache, progress=None)


def _streams(n=3000):
    rng = np.random.default_rng(3)
    return {"a": rng.integers(0, 256, n), "b": rng.integers(0, 256, n)}


def test_delays_are_positive_steps_and_settle(unit):
    _, synth = unit
    delays = quantized_delays(synth.netlist, time_step_ps=1.0)
    cells = synth.library.cells
    driven = [
        inst.pins[p]
        for inst in synth.netlist.instances
        for p in cells[inst.cell].outputs
        if p in inst.pins
    ]
    assert all(delays.steps[n] >= 1 for n in driven)
    assert delays.smallest_ps > 1.0
    # the static critical path in steps is the settle time, about the synthesis delay
    assert abs(delays.settle_steps - 1e3 * synth.delay_ns) <= 0.05 * 1e3 * synth.delay_ns + 5


@pytest.mark.parametrize("step", [0, -1.0, float("nan")])
def test_non_positive_time_step_is_one_line_error(unit, step):
    _, synth = unit
    with pytest.raises(UserError, match="time step must be a positive") as err:
        quantized_delays(synth.netlist, time_step_ps=step)
    assert "\n" not in str(err.value)


def test_coarse_time_step_warns_once(unit):
    _, synth = unit
    lines = []
    quantized_delays(synth.netlist, time_step_ps=500.0, warn=lines.append)
    assert len(lines) == 1 and "glitches shorter than one step are merged" in lines[0]
    quantized_delays(synth.netlist, time_step_ps=1.0, warn=lines.append)
    assert len(lines) == 1


def test_cell_without_delay_data_is_named(unit):
    _, synth = unit
    library = synth.library
    victim = synth.netlist.instances[0].cell
    cell = library.cells[victim]
    broken = dataclasses.replace(cell, delay_ns={p: (0.0, 0.0) for p in cell.delay_ns})
    lib = dataclasses.replace(library, cells={**library.cells, victim: broken})
    netlist = Netlist(synth.design, top="mul8", library=lib)
    with pytest.raises(UserError, match=f"no delay data for cell {victim}") as err:
        quantized_delays(netlist)
    assert "\n" not in str(err.value)


def test_models_order_and_functional_split(unit):
    _, synth = unit
    streams = _streams()
    inertial = simulate_timing(synth.netlist, inputs=streams)
    transport = simulate_timing(synth.netlist, inputs=streams, delay_model="transport")
    assert (transport.toggles >= inertial.toggles).all()
    assert (inertial.toggles >= inertial.functional).all()
    np.testing.assert_array_equal(inertial.functional, transport.functional)
    # a coarser step merges pulses: never more transitions than at 1 ps here
    coarse = simulate_timing(synth.netlist, inputs=streams, time_step_ps=50.0, warn=lambda m: None)
    np.testing.assert_array_equal(coarse.functional, inertial.functional)
    energy = energy_from_activity(synth.netlist, inertial)
    assert energy.energy_pj_per_op > energy.energy_pj_per_op_zero_delay > 0
    dynamic = energy.switching_pj + energy.internal_pj
    assert energy.glitch_fraction == pytest.approx(energy.glitch_pj / dynamic)
    assert 0 < energy.glitch_fraction < 1
    with pytest.raises(UserError, match="delay model"):
        simulate_timing(synth.netlist, inputs=streams, delay_model="zero-ish")


def test_estimate_cache_key_has_the_delay_model_and_step(unit, tmp_path):
    _, synth = unit
    streams = _streams(1000)
    results = {
        (model, step): estimate(
            synth=synth,
            streams=streams,
            delay_model=model,
            time_step_ps=step,
            cache_dir=tmp_path,
            progress=None,
        )[1]
        for model, step in (("zero", 1.0), ("inertial", 1.0), ("transport", 1.0), ("inertial", 40))
    }
    zero = results[("zero", 1.0)]
    assert zero.glitch_pj == 0 and zero.delay_model == "zero"
    inertial = results[("inertial", 1.0)]
    assert inertial.energy_pj_per_op_zero_delay == pytest.approx(zero.energy_pj_per_op)
    assert results[("transport", 1.0)].energy_pj_per_op >= inertial.energy_pj_per_op
    assert results[("inertial", 40)].energy_pj_per_op != inertial.energy_pj_per_op
    assert len(list((tmp_path / "energy").glob("*.json"))) == 4


def test_cli_energy_delay_models(unit, tmp_path, capsys, monkeypatch):
    path, _ = unit
    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "cache"))
    base = ["energy", str(path), "--top", "mul8", "--format", "uint8", "--n", "2000"]
    records = {}
    for model in ("zero", "inertial"):
        out = tmp_path / f"{model}.json"
        assert main([*base, "--delay-model", model, "--json", str(out)]) == 0
        text = capsys.readouterr().out
        assert "glitch energy" in text and "zero-delay energy" in text
        records[model] = json.loads(out.read_text())
    zero, inertial = records["zero"], records["inertial"]
    assert zero["glitch_pj"] == 0 and zero["delay_model"] == "zero"
    assert inertial["delay_model"] == "inertial" and inertial["time_step_ps"] == 1.0
    assert inertial["energy_pj_per_op_zero_delay"] == pytest.approx(zero["energy_pj_per_op"])
    assert inertial["energy_pj_per_op"] > zero["energy_pj_per_op"]
    assert 0 < inertial["glitch_fraction"] < 1
    code = main([*base, "--delay-model", "inertial", "--time-step-ps", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "time step must be a positive" in err and err.count("\n") == 1


def test_directly_evaluated_cells_equal_their_programs():
    """Each program the kernel evaluates without its interpreter gives the interpreter's value."""
    import numba

    from picojoule.cost import timing_kernel as k

    @numba.njit
    def both(op, prog, src, stack):
        out = np.empty((2, src.shape[1]), dtype=np.uint64)
        for w in range(src.shape[1]):
            out[0, w] = k._cell_word(op, prog, 0, len(prog), src, w, stack)
            out[1, w] = k._evaluate_word(prog, 0, len(prog), src, w, stack)
        return out

    rng = np.random.default_rng(1)
    src = rng.integers(0, 2**63, (4, 16), dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    src[:, :4] = rng.integers(0, 2, (4, 4)).astype(np.uint64) * ~np.uint64(0)  # all-0/1 words
    stack = np.empty(32, dtype=np.uint64)
    assert sorted(k.DIRECT.values()) == list(range(1, len(k.DIRECT) + 1))
    for program, op in k.DIRECT.items():
        assert k.direct_code(np.array(program)) == op
        out = both(op, np.array(program, dtype=np.int64), src, stack)
        np.testing.assert_array_equal(out[0], out[1], err_msg=str(program))
    assert k.direct_code(np.array([0, 1, k.AND, 2, k.OR])) == 0  # not listed: interpreted
