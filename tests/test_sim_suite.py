"""The whole standard suite co-verified on Icarus against the golden models.

Units with 8-bit x 8-bit operands are verified exhaustively (65,536 pairs); wider units on
`RANDOM` seeded random pairs plus all their directed corners (`make sim` runs 1,000,000
random pairs; `test_sim_verilator.py` runs a full 1M-vector set on Verilator).
"""

import pytest

from picojoule.cli import main
from picojoule.models.units import standard_suite
from picojoule.sim.design import export_designs
from picojoule.sim.suite import verify_designs

RANDOM = 20_000
# mx_dot units run in tests/test_sim_mx_dot.py (block vectors, fewer of them)
SUITE = [spec for spec in standard_suite() if spec.kind != "mx_dot"]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    out = tmp_path_factory.mktemp("suite")
    designs = export_designs(SUITE, out / "verilog")
    return {
        design.name: verdict
        for design, verdict in verify_designs(
            designs, jobs=2, count=RANDOM, seed=7, build_root=out / "sim"
        )
    }


def test_every_suite_unit_matches_its_golden_model(verdicts):
    assert set(verdicts) == {spec.name for spec in SUITE}
    failures = [f"{v.line()} {v.examples[:3]}" for v in verdicts.values() if not v.passed]
    assert not failures, "\n".join(failures)


def test_vector_counts(verdicts):
    for spec in SUITE:
        verdict = verdicts[spec.name]
        a_fmt, b_fmt = spec.in_formats
        if a_fmt.width + b_fmt.width <= 16:
            assert verdict.vectors == 65536, spec.name
        else:
            assert verdict.vectors > RANDOM, spec.name


def test_pipelined_units_report_their_latency(verdicts):
    for spec in SUITE:
        if spec.stages:
            verdict = verdicts[spec.name]
            assert verdict.latency == spec.stages and verdict.cycles >= verdict.vectors


def test_cli_prints_one_line_per_unit(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # not a picojoule checkout: work files go to the user cache
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PICOJOULE_CACHE", raising=False)
    units = ["int_add_int8_int8_int9_s0", "lmul_fp16_mitchell_nonsat_s0"]
    argv = ["sim", "--vectors", "500", "--jobs", "2"]
    for unit in units:
        argv += ["--unit", unit]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if line.split()[0] in units]
    assert len(rows) == 2
    for row in rows:
        fields = row.split()
        assert fields[2] == "vectors" and fields[4] == "mismatches" and fields[3] == "0"
        assert fields[-1] == "ok"
    assert (tmp_path / "xdg" / "picojoule" / "build" / "sim").is_dir()
    assert not (tmp_path / "build").exists()
