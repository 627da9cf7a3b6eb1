"""`make bench` section: the whole report flow, cold and then warm (cached), on 2 workers.

The cold run starts in an empty scratch folder with an empty cache, as `make report` on a
fresh clone does (export, co-verify, synthesize, cost, accuracy studies, LUT tiles, write the
report); the warm rerun reuses every cached result (Verilog, verdicts, unit and tile records,
studies) and is the baseline. Both are printed against the targets of an idle 2-core machine
(`COLD_TARGET_MIN`, `WARM_TARGET_MIN`; `COLD_BUSY_TARGET_MIN` with one core kept busy by
another process). Takes several minutes; run it alone with `picojoule bench report`.
"""

import contextlib
import os
import tempfile
import time
from pathlib import Path

TITLE = "the whole report flow (make report), cold and warm"
COLD_TARGET_MIN = 5
WARM_TARGET_MIN = 1
COLD_BUSY_TARGET_MIN = 8


#: Scratch locations of the cold run: picojoule's cache and numba's compiled kernels (a fresh
#: clone compiles the timing kernels once; the cold figure includes that).
_SCRATCH_ENV = {"PICOJOULE_CACHE": "cache", "NUMBA_CACHE_DIR": "numba"}


@contextlib.contextmanager
def _scratch():
    old_cwd = Path.cwd()
    old_env = {name: os.environ.get(name) for name in _SCRATCH_ENV}
    with tempfile.TemporaryDirectory(prefix="picojoule-bench-report-") as tmp:
        os.chdir(tmp)
        for name, folder in _SCRATCH_ENV.items():
            os.environ[name] = str(Path(tmp) / folder)
        try:
            yield Path(tmp)
        finally:
            os.chdir(old_cwd)
            for name, value in old_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _run_report(root):
    from picojoule.commands.report import write_report
    from picojoule.report_data import ReportOptions, collect

    start = time.perf_counter()
    options = ReportOptions(build_dir=root / "build" / "report", command="picojoule bench report")
    data = collect(options, progress=lambda line: print(f"  {line}", flush=True))
    write_report(data, root / "reports")
    return time.perf_counter() - start, len(data.records), data.profile


def run(report):
    from picojoule.report_profile import table

    with _scratch() as root:
        cold, records, profile = _run_report(root)
        warm, _, _ = _run_report(root)
    busy = os.getloadavg()[0]
    if profile is not None:
        print("  cold run, " + "\n  ".join(table(profile)), flush=True)
    report(
        f"make report flow, cold ({records} unit records + LUT tiles)",
        cold / 60,
        "min",
        baseline=("warm rerun", warm / 60),
        target=f"<= {COLD_TARGET_MIN} min idle 2 cores, <= {COLD_BUSY_TARGET_MIN} with one busy",
    )
    report(
        "make report flow, warm rerun (every step cached)",
        warm / 60,
        "min",
        target=f"<= {WARM_TARGET_MIN} min idle 2 cores",
    )
    print(
        f"  load average after the runs: {busy:.1f} on {os.cpu_count()} CPUs (targets assume "
        "an idle machine, or one busy core for the 8-minute one)",
        flush=True,
    )
