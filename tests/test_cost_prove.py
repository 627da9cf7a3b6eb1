"""`picojoule prove` and the equivalence check catch a netlist with one cell's function changed."""

import copy
import dataclasses

import numpy as np
import pytest

from picojoule.cli import main
from picojoule.cost.equiv import check_equivalence
from picojoule.cost.gatesim import pack_stream
from picojoule.cost.prove import prove
from picojoule.cost.sweep_netlist import words_to_codes
from picojoule.cost.synth import synthesize
from picojoule.hw.export import verilog_source
from picojoule.models.units import IntMul, LMul

#: A cell type and the one that replaces it: same pins, a different function.
SWAPS = {"NAND2_X1": "NOR2_X1", "NOR2_X1": "NAND2_X1", "AND2_X1": "OR2_X1", "OR2_X1": "AND2_X1"}


def _unit(spec, tmp_path):
    path = tmp_path / f"{spec.name}.v"
    path.write_text(verilog_source(spec))
    return path, synthesize(verilog=path, top=spec.name, cache_dir=None, progress=None)


def _with_one_cell_changed(synth, *, nth):
    """The same netlist with the ``nth`` swappable cell (in name order) changed to its swap."""
    design = copy.deepcopy(synth.design)
    cells = design["modules"][synth.top]["cells"]
    swappable = sorted(name for name, cell in cells.items() if cell["type"] in SWAPS)
    victim = cells[swappable[nth % len(swappable)]]
    victim["type"] = SWAPS[victim["type"]]
    return dataclasses.replace(synth, design=design)


@pytest.fixture(scope="module")
def int8_mul(tmp_path_factory):
    spec = IntMul(a="int8", b="int8")
    return (spec, *_unit(spec, tmp_path_factory.mktemp("int8")))


@pytest.fixture(scope="module")
def bf16_lmul(tmp_path_factory):
    spec = LMul(fmt="bf16")
    return (spec, *_unit(spec, tmp_path_factory.mktemp("bf16")))


def test_words_to_codes_inverts_pack_stream():
    rng = np.random.default_rng(3)
    for width in (1, 7, 9, 16, 24, 33):
        codes = rng.integers(0, 1 << width, 64 * 5, dtype=np.uint64)
        got = words_to_codes(pack_stream(codes, width))
        np.testing.assert_array_equal(got.astype(np.uint64), codes)


def test_exhaustive_proof_of_an_8bit_unit_and_a_changed_cell(int8_mul, tmp_path):
    spec, verilog, synth = int8_mul
    clean = prove(spec=spec, verilog=verilog, synth=synth, jobs=1, progress=False, cache_dir=None)
    assert clean["verdict"] == "proven"
    assert clean["pairs"] == clean["space"] == 65536 and clean["mismatches"] == 0
    assert 0 < clean["cpu_seconds"] and 0 < clean["seconds"]
    faulty = _with_one_cell_changed(synth, nth=5)
    result = prove(
        spec=spec,
        verilog=verilog,
        synth=faulty,
        jobs=1,
        progress=False,
        max_mismatches=3,
        cache_dir=tmp_path,
    )
    assert result["verdict"] == "mismatch" and result["mismatches"] >= 3
    example = result["examples"][0]
    assert example["got"] != example["want"]
    assert example["want_value"] == example["a_value"] * example["b_value"]
    # cached by content: the same faulty netlist is not simulated again
    again = prove(
        spec=spec,
        verilog=verilog,
        synth=faulty,
        jobs=1,
        progress=False,
        max_mismatches=3,
        cache_dir=tmp_path,
    )
    assert again["cached"] and again["mismatches"] == result["mismatches"]


def test_sampled_proof_of_a_16bit_unit_catches_a_changed_cell(bf16_lmul):
    spec, verilog, synth = bf16_lmul
    kwargs = dict(spec=spec, verilog=verilog, sample=200_000, seed=3, progress=False)
    clean = prove(synth=synth, jobs=2, cache_dir=None, **kwargs)
    assert clean["verdict"] == "no mismatch in the sample" and clean["pairs"] == 200_000
    faulty = _with_one_cell_changed(synth, nth=2)
    result = prove(synth=faulty, jobs=2, cache_dir=None, **kwargs)
    assert result["verdict"] == "mismatch" and result["examples"]


def test_exhaustive_chunks_equal_the_sampled_path(bf16_lmul):
    """The bit-pattern inputs of an exhaustive chunk give the same results as packed pairs."""
    from picojoule.cost.sweep_netlist import NetlistSweep

    spec, _, synth = bf16_lmul
    sweep = NetlistSweep(netlist=synth.netlist, spec=spec)
    first = 123_457
    words = sweep.exhaustive_words(first, 4)
    pairs = np.arange(first * 64, (first + 4) * 64, dtype=np.uint64)
    np.testing.assert_array_equal(words, pack_stream(pairs, 32))


def test_pipelined_unit_is_proven_through_its_latency(tmp_path):
    spec = LMul(fmt="e4m3", stages=2)
    verilog, synth = _unit(spec, tmp_path)
    result = prove(spec=spec, verilog=verilog, synth=synth, jobs=1, progress=False, cache_dir=None)
    assert result["verdict"] == "proven" and result["pairs"] == 65536


def test_equivalence_check_catches_a_changed_cell(tmp_path):
    lmul = LMul(fmt="e4m3")
    lmul_verilog, lmul_synth = _unit(lmul, tmp_path)
    clean = check_equivalence(
        verilog=lmul_verilog, synth=lmul_synth, top=lmul.name, limit_s=60, cache_dir=None
    )
    assert clean["verdict"] == "proven"
    faulty = _with_one_cell_changed(lmul_synth, nth=1)
    result = check_equivalence(
        verilog=lmul_verilog, synth=faulty, top=lmul.name, limit_s=60, cache_dir=None
    )
    assert result["verdict"] == "not equivalent"


def test_wide_unit_exhaustive_is_one_line_error(capsys):
    assert main(["prove", "int_add_int32_int32_int33_s0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "64 operand input bits" in err and "--sample" in err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["prove", "no_such_unit"], "unknown unit"),
        (["prove", "lmul_e4m3_int_add_nonsat_s0", "--kind", "lmul"], "not both"),
        (["prove"], "--kind"),
        (["prove", "--kind", "lmul", "--a", "bf16", "--sample", "0"], "--sample"),
        (["prove", "mx_dot_e4m3_k32_e8m0_fp32_exact_s0", "--sample", "10"], "block operands"),
        (["prove", "lmul_e4m3_int_add_nonsat_s0", "--equiv", "--equiv-limit", "-3"], "-3"),
        (["prove", "lmul_e4m3_int_add_nonsat_s0", "--equiv-limit", "0"], "--equiv-limit 0"),
        (["prove", "lmul_e4m3_int_add_nonsat_s0", "--jobs", "0"], "--jobs 0"),
        (["prove", "lmul_e4m3_int_add_nonsat_s0", "--max-mismatches", "0"], "--max-mismatches"),
        (["prove", "--suite", "--jobs", "-1"], "--jobs -1"),
        (["prove", "lmul_e4m3_int_add_nonsat_s0", "--json", "."], "is a folder"),
    ],
)
def test_bad_input_is_one_line_error(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err


def test_missing_yosys_names_the_package(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["prove", "lmul_e4m3_int_add_nonsat_s0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "yosys" in err and "apt-get install yosys" in err


def test_exhaustive_chunks_of_a_16bit_unit(bf16_lmul):
    """Whole chunks of the 2^32 sweep (b = +0, 1.0, the last NaN; a over every code) agree with
    the golden model; with a changed cell, the chunk of a mismatching pair found by sampling
    reports that pair too."""
    from picojoule.cost.sweep_netlist import NetlistSweep

    spec, _, synth = bf16_lmul
    words_per_b = (1 << 16) // 64  # a is the low half of the pair number
    sweep = NetlistSweep(netlist=synth.netlist, spec=spec)
    for b in (0, 0x3F80, 0xFFFF):
        result = sweep.run_exhaustive(
            first_word=b * words_per_b, n_words=words_per_b, max_examples=2
        )
        assert result[:2] == (65536, 0)
    faulty = NetlistSweep(netlist=_with_one_cell_changed(synth, nth=2).netlist, spec=spec)
    pairs = np.random.default_rng(5).integers(0, 1 << 32, 1 << 16, dtype=np.uint64)
    _, _, sampled = faulty.run_pairs(pairs, max_examples=1)
    a, b = sampled[0]["a"], sampled[0]["b"]
    _, bad, examples = faulty.run_exhaustive(
        first_word=b * words_per_b, n_words=words_per_b, max_examples=70000
    )
    assert bad > 0 and (a, b) in {(e["a"], e["b"]) for e in examples}


@pytest.mark.parametrize("overflow", ["nonsat", "sat"])
def test_bias_zero_lmul_netlist_is_proven(overflow, capsys):
    """e1m6fn (bias 0): the largest magnitudes' sum plus the offset is 256, which the adder
    once read as a negative number (3.9375 x 3.9375 gave 0, not NaN or max finite)."""
    argv = ["prove", "--kind", "lmul", "--a", "e1m6fn", "--overflow", overflow, "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "proven: 65,536 pairs" in out and "0 mismatches" in out
