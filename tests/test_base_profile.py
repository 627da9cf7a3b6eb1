"""CPU and wall time per phase: exclusive nesting, credits, recording only when asked."""

import subprocess
import sys

from picojoule.base import profile


def _spin(seconds):
    # the clock the profile reads (os.times, in 10 ms ticks): spinning on a finer clock can end
    # a tick short of ``seconds`` as the profile counts it
    end = profile.cpu_seconds() + seconds
    while profile.cpu_seconds() < end:
        pass


def test_nothing_is_recorded_outside_recording():
    profile.take()
    with profile.phase("idle"):
        _spin(0.01)
    profile.credit("elsewhere", cpu=1.0, wall=1.0)
    assert profile.take() == {}


def test_inner_phases_and_credits_are_taken_out_of_the_outer_one():
    profile.take()
    with profile.recording():
        with profile.phase("outer"):
            _spin(0.05)
            with profile.phase("inner"):
                _spin(0.15)
            profile.credit("child", cpu=0.02, wall=0.0)
    got = profile.take()
    assert set(got) == {"outer", "inner", "child"}
    assert got["inner"]["cpu_s"] >= 0.15 - 1e-9
    # the outer phase keeps only its own spin: its total less the inner phase and the credit
    assert 0.01 <= got["outer"]["cpu_s"] <= 0.1
    assert got["child"] == {"cpu_s": 0.02, "wall_s": 0.0, "count": 1}
    assert profile.take() == {}


def test_children_cpu_is_counted():
    profile.take()
    with profile.recording(), profile.phase("subprocess"):
        # the child spins 0.25 s: the profile reads it in 10 ms ticks (user and system apart)
        code = (
            "import time\nend = time.process_time() + 0.25\nwhile time.process_time() < end: pass"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
    assert profile.take()["subprocess"]["cpu_s"] >= 0.2


def test_merge_adds_phases():
    a = {"x": {"cpu_s": 1.0, "wall_s": 2.0, "count": 1}}
    b = {"x": {"cpu_s": 0.5, "wall_s": 0.5, "count": 2}, "y": {"cpu_s": 3, "wall_s": 3, "count": 1}}
    merged = profile.merge([a, b, None])
    assert merged["x"] == {"cpu_s": 1.5, "wall_s": 2.5, "count": 3}
    assert merged["y"]["cpu_s"] == 3
