"""RTL = netlist by simulating both on every operand pair, where ABC's check stops undecided."""

import copy
import dataclasses

import pytest

from picojoule.cli import main
from picojoule.cost import equiv
from picojoule.cost.equiv_sweep import METHOD, sweep_equivalence
from picojoule.cost.rtl_gates import GATES, rtl_gate_netlist
from picojoule.cost.synth import synthesize
from picojoule.hw.export import verilog_source
from picojoule.models.units import FpMul, IntMul, LMul
from picojoule.verification import decide_by_sweep, equivalence_label

SWAPS = {"NAND2_X1": "NOR2_X1", "NOR2_X1": "NAND2_X1", "AND2_X1": "OR2_X1", "OR2_X1": "AND2_X1"}
UNDECIDED = {
    "verdict": "not proven within the limit",
    "method": equiv.METHOD["combinational"],
    "limit_s": 120,
    "seconds": 125.0,
}


def _unit(spec, folder, *, fault=None):
    path = folder / f"{spec.name}{'_' + fault if fault else ''}.v"
    path.write_text(verilog_source(spec, fault=fault))
    return path, synthesize(verilog=path, top=spec.name, cache_dir=None, progress=None)


@pytest.fixture(scope="module")
def e4m3_mul(tmp_path_factory):
    spec = FpMul(a="e4m3", b="e4m3", out="e4m3")
    return (spec, *_unit(spec, tmp_path_factory.mktemp("e4m3")))


def _sweep(spec, verilog, synth, **kwargs):
    return sweep_equivalence(
        spec=spec, verilog=verilog, synth=synth, jobs=1, progress=False, **kwargs
    )


def test_the_lowered_rtl_is_yosys_gate_cells_only(e4m3_mul):
    spec, verilog, _ = e4m3_mul
    netlist = rtl_gate_netlist(verilog=verilog, top=spec.name, cache_dir=None)
    assert netlist.instances and {i.cell for i in netlist.instances} <= set(GATES.cells)


def test_a_correct_unit_is_proven_and_a_changed_cell_is_caught(e4m3_mul, tmp_path):
    spec, verilog, synth = e4m3_mul
    clean = _sweep(spec, verilog, synth, cache_dir=tmp_path)
    assert clean["verdict"] == "proven" and clean["method"] == METHOD
    assert clean["pairs"] == 65536 and clean["mismatches"] == 0
    assert _sweep(spec, verilog, synth, cache_dir=tmp_path)["cached"]
    design = copy.deepcopy(synth.design)
    cells = design["modules"][spec.name]["cells"]
    victim = cells[sorted(n for n, c in cells.items() if c["type"] in SWAPS)[3]]
    victim["type"] = SWAPS[victim["type"]]
    faulty = _sweep(
        spec, verilog, dataclasses.replace(synth, design=design), cache_dir=None, max_mismatches=3
    )
    assert faulty["verdict"] == "not equivalent" and faulty["mismatches"] >= 3
    example = faulty["examples"][0]
    assert example["got"] != example["want"]


def test_a_wrong_rtl_is_caught_against_a_right_netlist(e4m3_mul, tmp_path):
    """The RTL side is really the Verilog given: a fault there alone is found."""
    spec, _, synth = e4m3_mul
    wrong = tmp_path / "wrong.v"
    wrong.write_text(verilog_source(spec, fault="drop_round_increment"))
    result = _sweep(spec, wrong, synth, cache_dir=None, max_mismatches=2)
    assert result["verdict"] == "not equivalent" and result["mismatches"] >= 2


def test_a_pipeline_is_compared_through_its_latency(tmp_path):
    spec = LMul(fmt="e4m3", stages=2)
    verilog, synth = _unit(spec, tmp_path)
    assert _sweep(spec, verilog, synth, cache_dir=None)["verdict"] == "proven"


@pytest.fixture
def own_cache(monkeypatch, tmp_path):
    """An empty default cache (what runs here stores nothing in the checkout's)."""
    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "cache"))


def test_only_an_undecided_check_of_a_small_unit_is_swept(e4m3_mul, own_cache):
    spec, verilog, synth = e4m3_mul
    kwargs = dict(spec=spec, verilog=verilog, synth=synth, jobs=1, progress=False)
    proven = {**UNDECIDED, "verdict": "proven"}
    assert decide_by_sweep(proven, lookup_only=False, **kwargs) is proven
    assert decide_by_sweep(None, lookup_only=False, **kwargs) is None
    # the report's read-back: nothing cached, nothing run
    assert decide_by_sweep(UNDECIDED, lookup_only=True, **kwargs) is UNDECIDED
    decided = decide_by_sweep(UNDECIDED, lookup_only=False, **kwargs)
    assert decided["verdict"] == "proven" and decided["sat"] == UNDECIDED
    label = equivalence_label(decided)
    assert label.startswith("proven (RTL and netlist simulated on every operand pair")
    assert "ABC &cec -m: undecided within 120 CPU s" in label
    wide = IntMul(a="int32", b="int32")
    assert decide_by_sweep(UNDECIDED, **{**kwargs, "spec": wide}, lookup_only=False) is UNDECIDED


def test_prove_equiv_decides_by_sweep_when_abc_is_undecided(monkeypatch, capsys, own_cache):
    monkeypatch.setattr(equiv, "check_equivalence", lambda **_: dict(UNDECIDED))
    argv = ["prove", "--kind", "int_mul", "--a", "int4", "--b", "int4", "--equiv", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "RTL-netlist equivalence proven (RTL and netlist simulated on every operand" in out
