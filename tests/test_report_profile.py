"""The synthesize + cost step's profile: Yosys' pass shares, the summary and its table."""

from picojoule.base import profile
from picojoule.cost.synth import _credit_passes
from picojoule.report_profile import (
    longest_first,
    measured_costs,
    remember_costs,
    summary,
    table,
)

LOG = """
End of script. Logfile hash: 0123abcd, CPU: user 3.10s system 0.20s, MEM: 120.00 MB peak
Yosys 0.23 (git sha1 7ce5011c24b)
Time spent: 61% 2x abc (4 sec), 12% 27x opt_expr (0 sec), 6% 1x share (0 sec), ...
"""


def test_yosys_time_is_split_by_the_logs_abc_share(tmp_path):
    log = tmp_path / "yosys.log"
    log.write_text(LOG)
    profile.take()
    with profile.recording():
        _credit_passes(log, 10.0, 20.0)
    got = profile.take()
    assert abs(got["yosys abc"]["cpu_s"] - 6.1) < 1e-9
    assert abs(got["yosys synth"]["cpu_s"] - 3.9) < 1e-9
    assert abs(got["yosys abc"]["wall_s"] - 12.2) < 1e-9


def test_a_log_without_time_line_credits_all_to_synth(tmp_path):
    profile.take()
    with profile.recording():
        _credit_passes(tmp_path / "missing.log", 2.0, 2.0)
    got = profile.take()
    assert got["yosys synth"]["cpu_s"] == 2.0 and got["yosys abc"]["cpu_s"] == 0.0


def _run(cpu, phases, cached=False):
    return {
        "result": None,
        "cached": cached,
        "cpu_s": cpu,
        "wall_s": cpu,
        "profile": {k: {"cpu_s": v, "wall_s": v, "count": 1} for k, v in phases.items()},
    }


def test_summary_orders_phases_and_jobs_by_cpu():
    jobs = [{"name": "small", "kind": "unit"}, {"name": "big", "kind": "tiles"}]
    runs = [_run(2.0, {"timing simulation": 1.5, "other": 0.5}), _run(9.0, {"yosys abc": 9.0})]
    doc = summary(jobs, runs, wall_s=9.5, workers=2)
    assert list(doc["phases"]) == ["yosys abc", "timing simulation", "other"]
    assert [j["name"] for j in doc["jobs"]] == ["big", "small"]
    assert doc["cpu_s"] == 11.0
    lines = table(doc)
    assert "11 CPU s" in lines[0] and "2 workers" in lines[0]
    assert any(line.split()[:3] == ["yosys", "abc", "9.0"] for line in lines)
    assert any(line.startswith("  big ") for line in lines)


def test_measured_jobs_run_longest_first_after_unmeasured_ones(tmp_path):
    jobs = [{"name": n} for n in ("a", "b", "new", "c")]
    assert longest_first(jobs, cache_dir=tmp_path) == jobs  # nothing measured: as given
    doc = {
        "jobs": [
            {"name": "a", "cpu_s": 1.0, "cached": False},
            {"name": "b", "cpu_s": 9.0, "cached": False},
            {"name": "c", "cpu_s": 4.0, "cached": False},
            {"name": "d", "cpu_s": 0.0, "cached": True},
        ]
    }
    remember_costs(doc, cache_dir=tmp_path)
    assert measured_costs(tmp_path) == {"a": 1.0, "b": 9.0, "c": 4.0}
    assert [j["name"] for j in longest_first(jobs, cache_dir=tmp_path)] == ["new", "b", "c", "a"]
    assert longest_first(jobs, cache_dir=None) == jobs
