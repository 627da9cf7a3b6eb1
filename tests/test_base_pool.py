"""Jobs on a process pool with a progress bar: results in job order, errors raised, ticks."""

import io
import math
import time

import pytest

from picojoule.base.pool import run_jobs, ticking
from picojoule.base.progress import progress_bar


@pytest.mark.parametrize("workers", [1, 2])
def test_results_come_back_in_job_order(workers):
    stream = io.StringIO()
    jobs = [16.0, 1.0, 81.0, 4.0]
    assert run_jobs(math.sqrt, jobs, workers=workers, label="roots", stream=stream) == [
        4.0,
        1.0,
        9.0,
        2.0,
    ]
    assert "4/4" in stream.getvalue()


def test_a_failing_job_raises_here():
    with pytest.raises(ValueError):
        run_jobs(math.sqrt, [4.0, -1.0], workers=2, label="roots", stream=io.StringIO())


def test_ticking_redraws_while_nothing_finishes():
    stream = io.StringIO()
    bar = progress_bar(total=1, label="slow", stream=stream, log_interval=60)
    with bar, ticking(bar, stream=stream, every=0.05):
        time.sleep(0.3)
    lines = [line for line in stream.getvalue().splitlines() if line.startswith("slow:")]
    assert len(lines) >= 3 and all("0/1" in line for line in lines[:-1])
