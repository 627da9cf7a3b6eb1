"""Where the time of a job goes: CPU and wall seconds per named phase, in one process.

A phase is a block of work (``with phase("netlist load"): ...``) or a measured amount credited
after the fact (`credit`, e.g. the CPU time of a Yosys subprocess split into its passes). CPU
time is this process's user + system time plus that of its waited-for children (Yosys, ABC),
so it means the same on an idle and on a loaded machine; wall time is what the job waited.

Phases nest and are exclusive: an inner phase's time (or a credit inside a phase) is taken out
of the enclosing one, so the phases of a job add up to the job. `take` returns what was
recorded since the last `take` and starts over; a process records only while `recording`.
"""

import contextlib
import os
import time

__all__ = ["phase", "credit", "take", "recording", "merge", "cpu_seconds"]

_totals = {}  # phase -> [cpu s, wall s, count]
_open = []  # [name, cpu at start, wall at start, cpu of inner phases, wall of inner phases]
_state = {"on": False}


def cpu_seconds():
    """User + system CPU seconds of this process and its waited-for children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _add(name, cpu, wall, count=1):
    entry = _totals.setdefault(name, [0.0, 0.0, 0])
    entry[0] += cpu
    entry[1] += wall
    entry[2] += count
    if _open:
        _open[-1][3] += cpu
        _open[-1][4] += wall


@contextlib.contextmanager
def phase(name):
    """Credit the block's CPU and wall time (less that of the phases inside it) to ``name``."""
    if not _state["on"]:
        yield
        return
    frame = [name, cpu_seconds(), time.perf_counter(), 0.0, 0.0]
    _open.append(frame)
    try:
        yield
    finally:
        _open.pop()
        cpu = cpu_seconds() - frame[1]
        wall = time.perf_counter() - frame[2]
        _add(name, cpu - frame[3], wall - frame[4])


def credit(name, *, cpu, wall):
    """Credit ``cpu`` and ``wall`` seconds measured elsewhere to ``name`` (and take them out of
    the enclosing phase)."""
    if _state["on"]:
        _add(name, cpu, wall)


@contextlib.contextmanager
def recording():
    """Record phases inside the block (nothing is recorded outside one)."""
    before = _state["on"]
    _state["on"] = True
    try:
        yield
    finally:
        _state["on"] = before


def take():
    """``{phase: {"cpu_s", "wall_s", "count"}}`` recorded since the last call; clears it."""
    out = {
        name: {"cpu_s": cpu, "wall_s": wall, "count": count}
        for name, (cpu, wall, count) in _totals.items()
    }
    _totals.clear()
    return out


def merge(profiles):
    """The sum of several `take` results."""
    out = {}
    for prof in profiles:
        for name, entry in (prof or {}).items():
            total = out.setdefault(name, {"cpu_s": 0.0, "wall_s": 0.0, "count": 0})
            for key in total:
                total[key] += entry[key]
    return out
