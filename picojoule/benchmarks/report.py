"""`make bench` section: the whole report flow, cold and then warm (cached), on 2 workers.

The cold run starts in an empty scratch folder with an empty cache, as `make report` on a
fresh clone does (export, co-verify, synthesize, cost, accuracy, LUT tiles, write the
report); the warm rerun reuses the cached synthesis and energy results and is the baseline.
Takes about 10 minutes; run it alone with `picojoule bench report`.
"""

import contextlib
import os
import tempfile
import time
from pathlib import Path

TITLE = "the whole report flow (make report), cold and warm"


@contextlib.contextmanager
def _scratch():
    old_cwd, old_cache = Path.cwd(), os.environ.get("PICOJOULE_CACHE")
    with tempfile.TemporaryDirectory(prefix="picojoule-bench-report-") as tmp:
        os.chdir(tmp)
        os.environ["PICOJOULE_CACHE"] = str(Path(tmp) / "cache")
        try:
            yield Path(tmp)
        finally:
            os.chdir(old_cwd)
            if old_cache is None:
                os.environ.pop("PICOJOULE_CACHE", None)
            else:
                os.environ["PICOJOULE_CACHE"] = old_cache


def _run_report(root):
    from picojoule.commands.report import write_report
    from picojoule.report_data import ReportOptions, collect

    start = time.perf_counter()
    data = collect(ReportOptions(build_dir=root / "build" / "report"), progress=lambda line: None)
    write_report(data, root / "reports")
    return time.perf_counter() - start, len(data.records)


def run(report):
    with _scratch() as root:
        cold, records = _run_report(root)
        warm, _ = _run_report(root)
    report(
        f"make report flow, cold ({records} unit records + LUT tiles)",
        cold / 60,
        "min",
        baseline=("warm rerun", warm / 60),
        target="<= 15 min on 2 cores",
    )
    report("make report flow, warm rerun (synthesis and energy cached)", warm / 60, "min")
