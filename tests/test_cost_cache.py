"""The cost flow's cache is keyed by content: a changed library figure, Liberty byte or source
file gives the new result on the next call, with no cache clearing; identical inputs hit."""

import gzip

import numpy as np
import pytest
from liberties import SKY130_EXCERPT

from picojoule.base import cache
from picojoule.cost import energy as energy_module
from picojoule.cost import nangate45
from picojoule.cost import synth as synth_module
from picojoule.cost.energy import estimate

ADD8 = """
module add8(input [7:0] a, input [7:0] b, output [8:0] y);
  assign y = a + b;
endmodule
"""


@pytest.fixture(scope="module")
def verilog(tmp_path_factory):
    path = tmp_path_factory.mktemp("rtl") / "add8.v"
    path.write_text(ADD8)
    return path


@pytest.fixture(scope="module")
def streams():
    rng = np.random.default_rng(3)
    return {"a": rng.integers(0, 256, 400), "b": rng.integers(0, 256, 400)}


def _energy(verilog, streams, cache_dir, **kw):
    return estimate(
        verilog=verilog, top="add8", streams=streams, cache_dir=cache_dir, progress=None, **kw
    )


class _Counter:
    """Wraps a function and counts its calls."""

    def __init__(self, function):
        self.function, self.calls = function, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.function(*args, **kwargs)


@pytest.fixture
def runs(monkeypatch):
    """Counters of Yosys runs and gate-level simulations (the timing simulation behind every
    default energy figure) done by the cost flow."""
    yosys = _Counter(synth_module._run_yosys)
    gatesim = _Counter(energy_module.simulate_timing)
    monkeypatch.setattr(synth_module, "_run_yosys", yosys)
    monkeypatch.setattr(energy_module, "simulate_timing", gatesim)
    return yosys, gatesim


def test_identical_inputs_hit(verilog, streams, tmp_path, runs):
    yosys, gatesim = runs
    synth, first = _energy(verilog, streams, tmp_path)
    assert (yosys.calls, gatesim.calls) == (1, 1)
    synth_again, again = _energy(verilog, streams, tmp_path)
    assert (yosys.calls, gatesim.calls) == (1, 1)  # both served from the cache
    assert again == first and synth_again.summary() == synth.summary()
    other = {"a": streams["a"], "b": streams["b"][::-1].copy()}
    _energy(verilog, other, tmp_path)
    assert (yosys.calls, gatesim.calls) == (1, 2)  # new operands: new energy, same netlist


def test_builtin_library_figure_changes_the_next_energy(
    verilog, streams, tmp_path, monkeypatch, runs
):
    synth, before = _energy(verilog, streams, tmp_path)
    name = max(synth.cells, key=synth.cells.get)
    area, inputs, outputs, internal, *rest = nangate45.CELLS[name]
    pin, (e0, e1) = next(iter(internal.items()))
    edited = {**internal, pin: (e0 * 2, e1)}  # one figure: the zero-load internal energy
    monkeypatch.setitem(nangate45.CELLS, name, (area, inputs, outputs, edited, *rest))

    _, after = _energy(verilog, streams, tmp_path)  # same cache folder, nothing cleared
    _, fresh = _energy(verilog, streams, None)
    assert after == fresh
    assert after.internal_pj > before.internal_pj
    assert after.switching_pj == before.switching_pj


def test_liberty_byte_at_the_same_path_changes_the_next_energy(verilog, streams, tmp_path, runs):
    liberty = tmp_path / "cells.lib"
    text = gzip.decompress(SKY130_EXCERPT.read_bytes()).decode()
    liberty.write_text(text)
    synth, before = _energy(verilog, streams, tmp_path / "cache", liberty=liberty)
    name = max(synth.cells, key=synth.cells.get)
    start = text.index("cell_leakage_power : 0.00", text.index(f'cell ("{name}")'))
    digit = start + len("cell_leakage_power : 0.00")
    assert text[digit] != "9"
    liberty.write_text(text[:digit] + "9" + text[digit + 1 :])  # one byte, same path

    _, after = _energy(verilog, streams, tmp_path / "cache", liberty=liberty)
    _, fresh = _energy(verilog, streams, None, liberty=liberty)
    assert after == fresh
    assert after.leakage_pj > before.leakage_pj
    assert after.switching_pj == before.switching_pj


def test_a_cost_flow_edit_reruns_the_energy_not_yosys(
    verilog, streams, tmp_path, monkeypatch, runs
):
    yosys, gatesim = runs
    _, before = _energy(verilog, streams, tmp_path)
    digest = cache.source_digest
    assert digest(*synth_module.SOURCES) == digest("picojoule.base", "picojoule.cost")

    def edited(*packages):  # as if a file of the cost flow had changed
        return "edited" + digest(*packages) if "picojoule.cost" in packages else digest(*packages)

    monkeypatch.setattr(cache, "source_digest", edited)
    _, after = _energy(verilog, streams, tmp_path)
    assert (yosys.calls, gatesim.calls) == (1, 2)  # the netlist is kept, the energy recomputed
    assert after == before


def test_an_edit_to_the_synthesis_code_reruns_yosys(verilog, streams, tmp_path, monkeypatch, runs):
    yosys, _ = runs
    _energy(verilog, streams, tmp_path)
    code = synth_module.netlist_code()
    monkeypatch.setattr(synth_module, "netlist_code", lambda: "edited" + code)
    _energy(verilog, streams, tmp_path)
    assert yosys.calls == 2


def test_netlist_code_covers_the_synthesis_modules(tmp_path, monkeypatch):
    assert "picojoule.cost.synth" in synth_module.NETLIST_MODULES
    module = tmp_path / "netlistmod.py"
    module.write_text("A = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(synth_module, "NETLIST_MODULES", ("netlistmod",))

    def digest():
        synth_module.netlist_code.cache_clear()  # as in a new process
        return synth_module.netlist_code()

    try:
        first = digest()
        module.write_text("A = 2\n")
        assert digest() != first
    finally:
        synth_module.netlist_code.cache_clear()


def test_a_change_of_the_synth_script_reruns_yosys(verilog, streams, tmp_path, monkeypatch, runs):
    yosys, _ = runs
    _energy(verilog, streams, tmp_path)
    monkeypatch.setattr(synth_module, "SYNTH_OPTIONS", "-flatten")  # share on
    synth, _ = _energy(verilog, streams, tmp_path)
    assert yosys.calls == 2
    assert synth.summary()["n_cells"] > 0


def test_source_digest_covers_every_module_of_a_package(tmp_path, monkeypatch):
    package = tmp_path / "flowpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "energy.py").write_text("SCALE = 1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    def digest():
        cache.source_digest.cache_clear()  # as in a new process
        return cache.source_digest("flowpkg")

    first = digest()
    assert digest() == first
    (package / "energy.py").write_text("SCALE = 2.0\n")
    edited = digest()
    assert edited != first
    (package / "timing.py").write_text("")  # a module added later is covered too
    assert digest() != edited
    cache.source_digest.cache_clear()
