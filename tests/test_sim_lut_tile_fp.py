"""The LUT tile with float activations: the scaled adder, and whole GEMMs against the golden model."""

import json

import numpy as np
import pytest
from amaranth.sim import Simulator

import picojoule.sim.gemm as gemm
from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.hw.fpadd import FpAddUnit
from picojoule.hw.lut_tile_fp import FpLutTile
from picojoule.models.formats import get_format
from picojoule.models.lut_gemm import LutGemmSpec, lut_mpgemm
from picojoule.models.units import FpAdd


def _scaled_sums(spec, scales, a, b):
    """Simulate ``FpAddUnit(b_scale=...)`` on vectors (Amaranth's simulator)."""
    dut = FpAddUnit(spec=spec, b_scale=scales)
    got = []

    async def bench(ctx):
        for x, y, s in zip(a, b, scales_of):
            ctx.set(dut.a, int(x))
            ctx.set(dut.b, int(y))
            ctx.set(dut.b_scale, int(s))
            got.append(ctx.get(dut.y))

    rng = np.random.default_rng(1)
    scales_of = rng.integers(scales.start, scales.stop, len(a))
    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    return np.array(got), scales_of


@pytest.mark.parametrize(
    "a_fmt, b_fmt, scales",
    [
        ("e4m3", "e4m3", range(-2, 4)),
        ("fp32", "bf16", range(0, 4)),  # bf16 * 8 exceeds fp32's range before the addition
        ("fp32", "fp16", range(0, 3)),
    ],
)
def test_scaled_adder_rounds_once(a_fmt, b_fmt, scales):
    spec = FpAdd(a=a_fmt, b=b_fmt, out=a_fmt)
    fa, fb = spec.a, spec.b
    rng = np.random.default_rng(0)
    count = 300
    a = rng.integers(0, 1 << fa.width, count)
    b = rng.integers(0, 1 << fb.width, count)
    # near-cancelling pairs, zeros, the largest values
    b[:60] = fb.encode(-fa.decode(a[:60]) * rng.choice([0.25, 0.5, 1.0], 60))
    a[60:70], b[70:80] = 0, fb.max_finite_code
    got, s = _scaled_sums(spec, scales, a, b)
    with np.errstate(all="ignore"):
        exact = fa.decode(a) + fb.decode(b) * np.exp2(s)
    expected = fa.encode(exact)
    both_nan = fa.is_nan(got) & fa.is_nan(expected)  # NaN compared as a class
    assert np.array_equal(np.where(both_nan, 0, got), np.where(both_nan, 0, expected))


def test_scaled_adder_is_combinational_only():
    with pytest.raises(ValueError, match="combinational only"):
        FpAddUnit(spec=FpAdd(a="fp16", b="fp16", out="fp16", stages=1), b_scale=range(2))
    with pytest.raises(ValueError, match="non-empty range"):
        FpAddUnit(spec=FpAdd(a="fp16", b="fp16", out="fp16"), b_scale=3)


def _hard_operands(spec, *, m, n, k, seed):
    """Activation codes mixing wide-range normal values, zeros of both signs, subnormals and
    random codes (NaN and Inf where the format has them); uniform weight codes."""
    fmt = spec.act
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((m, k)) * np.exp2(rng.integers(-30, 30, (m, k)))
    a = fmt.encode(values, overflow="sat").astype(np.int64)
    pick = rng.random((m, k))
    a = np.where(pick < 0.1, rng.integers(0, 1 << fmt.width, (m, k)), a)
    a = np.where((pick >= 0.1) & (pick < 0.2), 0, a)
    a = np.where((pick >= 0.2) & (pick < 0.25), fmt.sign_mask, a)
    a = np.where((pick >= 0.25) & (pick < 0.35), rng.integers(1, 4, (m, k)), a)
    w = rng.integers(0, 1 << spec.wbits, (k, n)).astype(np.uint8)
    return a.astype(fmt.code_dtype), w


@pytest.mark.parametrize(
    "act, table, k, wbits, tile_m, tile_n",
    [
        ("fp16", None, 4, 2, 2, 4),
        ("bf16", None, 3, 4, 1, 3),
        ("e4m3", None, 2, 3, 2, 2),
        ("e4m3", "fp16", 1, 1, 1, 2),
        ("fp16", "e4m3", 4, 4, 1, 2),  # a narrow table: overflows to NaN inside the tables
    ],
)
def test_float_lut_gemm_equals_golden_model(tmp_path, act, table, k, wbits, tile_m, tile_n):
    spec = LutGemmSpec(m=tile_m, n=tile_n, k=k, wbits=wbits, act=act, table_format=table)
    a, w = _hard_operands(spec, m=3, n=5, k=11, seed=k + wbits)
    c, stats = gemm.run_gemm(core="lut", a=a, w=w, spec=spec, build_root=tmp_path / "build")
    expected = lut_mpgemm(a, w, spec=spec)
    fmt = spec.acc_format
    assert np.array_equal(fmt.encode(c), fmt.encode(expected))  # run_gemm checked it too
    plan = gemm.plan_gemm(spec, 3, 5, 11)
    assert stats["cycles"] == plan.steps + 4 and stats["verified"]
    assert spec.contract in stats["accumulation"]


def test_rounding_order_is_observed(tmp_path, monkeypatch):
    """A golden model with a wider table (a different rounding) must not pass the fp16 tile."""
    spec = LutGemmSpec(m=1, n=4, k=4, wbits=2, act="fp16")
    rng = np.random.default_rng(4)
    a = spec.act.encode(rng.standard_normal((2, 16)) * 3.0)
    w = rng.integers(0, 4, (16, 4)).astype(np.uint8)
    wide = LutGemmSpec(m=1, n=4, k=4, wbits=2, act="fp16", table_format="fp32")
    assert not np.array_equal(lut_mpgemm(a, w, spec=spec), lut_mpgemm(a, w, spec=wide))
    monkeypatch.setattr(gemm, "golden", lambda s, a_, w_, **kw: lut_mpgemm(a_, w_, spec=wide))
    with pytest.raises(UserError, match="differ from the golden model"):
        gemm.run_gemm(core="lut", a=a, w=w, spec=spec, build_root=tmp_path / "build")


def test_tile_rejects_integer_activations():
    with pytest.raises(ValueError, match="float activation format"):
        FpLutTile(spec=LutGemmSpec(act="int8"))


def test_cli_float_activations(tmp_path):
    out = tmp_path / "run"
    assert (
        main(
            [
                "gemm",
                "--core",
                "lut",
                "--act",
                "bf16",
                "--m",
                "2",
                "--n",
                "3",
                "--k",
                "6",
                "--wbits",
                "1",
                "--tile-n",
                "2",
                "--seed",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    a, w, c = (np.load(out / f"{name}.npy") for name in "AWC")
    bf16 = get_format("bf16")
    assert a.dtype == np.uint16 and c.dtype == np.float64
    spec = LutGemmSpec(m=2, n=2, k=4, wbits=1, act="bf16")
    assert np.array_equal(c, lut_mpgemm(a, w, spec=spec))
    exact = bf16.decode(a) @ w
    assert np.max(np.abs(c - exact)) <= 1e-2 * np.max(np.abs(exact))
    stats = json.loads((out / "stats.json").read_text())
    assert stats["act"] == "bf16" and "bf16" in stats["accumulation"]
