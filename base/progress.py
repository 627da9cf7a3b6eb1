"""Progress of long work: items done / total, elapsed and ETA, through tqdm.

On a terminal the bar redraws in place. Elsewhere (CI logs, pipes) tqdm's carriage-return
updates become one plain line per update, at most one every ``log_interval`` seconds, so a log
shows ``label: 12/29 [01:10<01:40, ...]`` lines instead of one overwritten line.
"""

import sys

from tqdm import tqdm

__all__ = ["progress_bar"]


class _LineWriter:
    """A text stream that turns tqdm's ``\\r`` redraws into separate lines."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        line = text.replace("\r", "").strip()
        if line:
            self.stream.write(line + "\n")

    def flush(self):
        self.stream.flush()


def progress_bar(iterable=None, *, total=None, label, unit="item", stream=None, log_interval=15.0):
    """A tqdm bar over ``iterable`` (or updated by hand) with ``total`` items named ``unit``.

    Parameters
    ----------
    label : str
        What is being done, shown before the counts.
    stream : text stream, optional
        Where to draw (default ``sys.stderr``).
    log_interval : float
        Seconds between plain lines when ``stream`` is not a terminal.
    """
    stream = stream if stream is not None else sys.stderr
    interactive = hasattr(stream, "isatty") and stream.isatty()
    return tqdm(
        iterable,
        total=total,
        desc=label,
        unit=unit,
        file=stream if interactive else _LineWriter(stream),
        mininterval=0.2 if interactive else log_interval,
        dynamic_ncols=interactive,
        ncols=None if interactive else 100,
        ascii=not interactive,
        leave=True,
    )
