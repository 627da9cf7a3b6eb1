"""The mx core: an M x N array of block dot-product units through whole GEMMs, cycle by cycle.

`run_gemm` raises unless the simulated output memory equals the golden model
(`picojoule.models.mx_gemm.mx_gemm`, i.e. DotGeneral of the quantized data); here the golden
model is also checked against DotGeneral's exact integer path and the float64 product, the
cost flow's stream is checked by driving the synthesized tile's netlist with it, and bad
input is refused with one line.
"""

import json
from dataclasses import replace

import numpy as np
import pytest

from picojoule.base.errors import UserError
from picojoule.cli import main
from picojoule.cost.gatesim import simulate
from picojoule.cost.mx_tile import export_mx_tile, mx_gemm_streams
from picojoule.cost.synth import synthesize
from picojoule.models import tiles
from picojoule.models.formats import PRESETS
from picojoule.models.mx_dot import dot_general
from picojoule.models.mx_gemm import MxArraySpec, block_format, mx_gemm, quantize_operands
from picojoule.sim.gemm import run_gemm


@pytest.mark.parametrize(
    "a, b, k, shape",
    [
        ("mxfp8_e4m3", None, 4, (3, 5, 10)),  # padding in M, N and K
        ("mxfp4_e2m1", "mxfp8_e4m3", 8, (2, 3, 16)),  # mixed: MXFP4 activations, MXFP8 weights
        ("nvfp4", None, 4, (4, 2, 7)),
        ("mxint8", None, 4, (2, 2, 9)),
    ],
)
def test_mx_gemm_cycle_accurate_equals_dot_general(tmp_path, a, b, k, shape):
    spec = MxArraySpec(m=2, n=2, a=block_format(a, k=k), b=b and block_format(b, k=k))
    m, n, kk = shape
    rng = np.random.default_rng(k)
    x = rng.standard_normal((m, kk)) * 3
    w = rng.standard_normal((kk, n))
    c, stats = run_gemm(core="mx", spec=spec, a=x, w=w, build_root=tmp_path / "sim")
    assert stats["verified"] and c.shape == (m, n)
    assert stats["cycles"] == -(-m // 2) * -(-n // 2) * -(-kk // k) + 4
    qa, qw = quantize_operands(x, w, spec=spec)
    exact = dot_general(
        replace(qa, tensor_scale=1.0), replace(qw, tensor_scale=1.0), fast=False
    ).astype(np.float64)
    assert np.array_equal(c, exact)
    scale = mx_gemm(x, w, spec=spec, tensor_scale=True)[1]
    error = np.linalg.norm(c * scale - x @ w) / np.linalg.norm(x @ w)  # a sanity bound only
    assert error < (0.3 if "fp4" in a else 0.1)


def test_a_wrong_golden_model_is_caught(tmp_path, monkeypatch):
    spec = MxArraySpec(m=1, n=2, a=block_format("mxfp8_e5m2", k=4))
    core = tiles.TILE_CORES["mx"]

    def off_by_one_block(a, w, *, spec):
        return mx_gemm(a[:, :-4], w[:-4], spec=spec)  # drops the last block of K

    monkeypatch.setitem(tiles.TILE_CORES, "mx", replace(core, golden=off_by_one_block))
    rng = np.random.default_rng(1)
    with pytest.raises(UserError, match="GEMM mismatch on mx"):
        run_gemm(
            core="mx",
            spec=spec,
            a=rng.standard_normal((1, 12)),
            w=rng.standard_normal((12, 2)),
            build_root=tmp_path / "sim",
        )


def test_cost_stream_drives_the_tile_netlist_to_the_gemm_result(tmp_path):
    """One output tile: after the stream (and one idle cycle) the netlist's accumulators
    hold the golden C, so the stream presents every block in the sequencer's order."""
    spec = MxArraySpec(
        m=2, n=1, a=block_format("mxfp6_e3m2", k=4), b=block_format("mxfp6_e3m2", k=4)
    )
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((2, 14)), rng.standard_normal((14, 1))
    record = export_mx_tile(spec, tmp_path)
    synth = synthesize(verilog=tmp_path / record["verilog"], top=record["top"], cache_dir=None)
    streams, holds, cycles = mx_gemm_streams(spec, a=x, w=w)
    assert cycles == 4 + 1 and streams["act"].shape == (cycles, 1)
    idle = {
        name: np.concatenate([v, np.zeros((1, *v.shape[1:]), v.dtype)])
        for name, v in streams.items()
    }
    sim = simulate(synth.netlist, inputs=idle, holds=holds, record_outputs=True)
    got = [int(sim.outputs[f"acc__m{r}n0"][-1]) for r in range(2)]
    expect = PRESETS["fp32"].encode(mx_gemm(x, w, spec=spec)).reshape(-1).tolist()
    assert got == expect


def test_gemm_command_runs_the_mx_core_and_costs_it(tmp_path, capsys):
    out = tmp_path / "g"
    argv = ["gemm", "--core", "mx", "--act", "mxfp4_e2m1", "--weights", "mxfp8_e4m3",
            "--m", "2", "--n", "2", "--k", "20", "--tile-m", "1", "--tile-n", "1",
            "--tile-k", "4", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["verified"] and stats["core"] == "mx" and stats["params"]["b"].startswith("mxfp8")
    assert stats["energy"]["pj_per_mac"] > 0 and stats["energy"]["macs"] == 80
    assert "mxfp4_e2m1_k4 x mxfp8_e4m3_k4" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--core", "lut", "--weights", "mxfp8_e4m3"], "--weights applies to --core mx"),
        (["--core", "mx", "--act", "int8"], "--core mx takes --act mxfp8_e4m3"),
        (["--core", "mx", "--weights", "fp4"], "unknown block format 'fp4'"),
        (["--core", "mx", "--act", "nvfp4", "--weights", "mxfp8_e4m3"], "differ in k or scale"),
        (["--core", "mx", "--tile-k", "65"], "k=65 out of range"),
    ],
)
def test_gemm_command_refuses_bad_mx_input(tmp_path, capsys, argv, message):
    assert main(["gemm", *argv, "--out", str(tmp_path / "o"), "--no-energy"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
