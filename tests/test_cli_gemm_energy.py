"""picojoule gemm's energy: the tile driven by the GEMM's own operand stream."""

import json

import numpy as np
import pytest

from picojoule.cli import main
from picojoule.cost.gemm_streams import gemm_streams
from picojoule.cost.tile_export import word_chunks
from picojoule.cost.tiles import TileEntry
from picojoule.sim.gemm import memory_images, plan_gemm, random_operands, tile_spec


def _words(text):
    return [int(line, 16) for line in text.split()]


def _joined(streams, names_widths, t):
    word, shift = 0, 0
    for name, width in names_widths:
        word |= int(streams[name][t]) << shift
        shift += width
    return word


@pytest.mark.parametrize(
    "core, act, tile",
    [
        ("lut", "int8", dict(m=2, n=8, k=4)),
        ("lut", "e4m3", dict(m=1, n=8, k=4)),
        ("mac-int", "int8", dict(m=2, n=8, k=4)),
        ("mac-fp8", "e4m3", dict(m=2, n=4, k=4)),
    ],
)
def test_stream_presents_the_simulated_gemms_memories_in_loop_order(core, act, tile):
    """Every activation group is loaded before its steps and every step sees the weight
    word the cocotb-verified GEMM reads (`memory_images`), for edges that need padding."""
    spec = tile_spec(core, wbits=2, act=act, **tile)
    m, n, k = 5, 11, 13
    a, w = random_operands(spec, m=m, n=n, k=k, seed=3)
    plan = plan_gemm(spec, m, n, k)
    act_mem, wgt_mem = (_words(text) for text in memory_images(plan, a, w))
    streams, holds, cycles = gemm_streams(TileEntry(core, spec), a=a, w=w)
    assert cycles == plan.steps + 1 and holds == {"rst": 0}
    assert all(len(v) == cycles for v in streams.values())
    rows = [(f"act_r{r}", spec.k * spec.act.width) for r in range(spec.m)]
    words = [(f"word_p{i}", c * width) for i, (c, width) in enumerate(word_chunks(spec))]
    t = 1
    loaded = _joined(streams, rows, 0)
    assert streams["load"][0] == 1
    for mt in range(plan.row_tiles):
        for nt in range(plan.col_tiles):
            for g in range(plan.groups):
                assert loaded == act_mem[mt * plan.groups + g]
                for b in range(plan.planes):
                    assert (
                        _joined(streams, words, t)
                        == wgt_mem[(nt * plan.groups + g) * plan.planes + b]
                    )
                    assert streams["first"][t] == (g == 0 and b == 0)
                    if streams["load"][t]:
                        loaded = _joined(streams, rows, t)
                    t += 1


def test_gemm_reports_energy_per_mac_and_per_gemm(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PICOJOULE_CACHE", raising=False)
    argv = ["gemm", "--m", "4", "--n", "8", "--k", "16", "--tile-n", "8"]
    assert main([*argv, "--out", "g"]) == 0
    energy = json.loads((tmp_path / "g" / "stats.json").read_text())["energy"]
    assert "pJ per MAC" in capsys.readouterr().out
    assert energy["macs"] == 4 * 8 * 16
    assert energy["pj_per_gemm"] == pytest.approx(energy["pj_per_cycle"] * energy["tile_cycles"])
    assert energy["pj_per_mac"] == pytest.approx(energy["pj_per_gemm"] / energy["macs"])
    # a GEMM of zeros switches less than the random one: the stream is the GEMM's own
    np.save(tmp_path / "zeros.npy", np.zeros((4, 16), np.int64))
    assert main([*argv, "--a", "zeros.npy", "--out", "z"]) == 0
    zeros = json.loads((tmp_path / "z" / "stats.json").read_text())["energy"]
    assert zeros["pj_per_mac"] < 0.8 * energy["pj_per_mac"]
