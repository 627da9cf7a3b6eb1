"""Progress bars: counts, elapsed and ETA; one plain line per update off a terminal."""

import io

from picojoule.base.progress import progress_bar


def test_plain_lines_off_a_terminal():
    stream = io.StringIO()
    bar = progress_bar(total=3, label="tiles", unit="tile", stream=stream, log_interval=0)
    for _ in range(3):
        bar.update(1)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert lines[0].startswith("tiles:") and "0/3" in lines[0]
    assert any("3/3" in line for line in lines)
    assert all("<" in line for line in lines)  # elapsed<remaining


def test_wraps_an_iterable():
    stream = io.StringIO()
    assert list(progress_bar(range(4), label="units", stream=stream, log_interval=0)) == [
        0,
        1,
        2,
        3,
    ]
    assert "4/4" in stream.getvalue()
