"""A netlist costed again on the same operands at another voltage reuses its simulation."""

import numpy as np
import pytest

from picojoule.cost import energy as energy_module
from picojoule.cost.energy import estimate
from picojoule.cost.synth import synthesize

RTL = """
module add8(input [7:0] a, input [7:0] b, output [8:0] y);
  assign y = a + b;
endmodule
"""


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    path = tmp_path_factory.mktemp("rtl") / "add8.v"
    path.write_text(RTL)
    return synthesize(verilog=path, top="add8", cache_dir=None, progress=None)


def test_second_voltage_reuses_the_toggles(synth, monkeypatch):
    rng = np.random.default_rng(5)
    streams = {"a": rng.integers(0, 256, 700), "b": rng.integers(0, 256, 700)}
    calls = []
    real = energy_module.simulate_timing
    monkeypatch.setattr(
        energy_module, "simulate_timing", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    kwargs = dict(synth=synth, streams=streams, cache_dir=None, progress=None)
    _, nominal = estimate(**kwargs)
    _, low = estimate(**kwargs, voltage=0.9)
    assert len(calls) == 1
    assert low.toggles_per_op == nominal.toggles_per_op
    # switching energy scales with V^2 on the same toggles
    v_nom = synth.library.voltage
    assert low.switching_pj == pytest.approx(nominal.switching_pj * (0.9 / v_nom) ** 2)
    # other operands are simulated again
    streams2 = {"a": streams["a"][::-1].copy(), "b": streams["b"]}
    estimate(synth=synth, streams=streams2, cache_dir=None, progress=None)
    assert len(calls) == 2
