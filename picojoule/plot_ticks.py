"""Tick labels for the report's log axes: plain numbers (``0.5``, ``20%``), not ``5 x 10^-1``."""

__all__ = ["plain_log_ticks"]


def plain_log_ticks(axis, *, unit="", minor=True):
    """Label ``axis`` (a matplotlib Axis on a log scale) with plain numbers followed by
    ``unit``; with ``minor``, also the minor ticks at 2 and 5 times a power of ten."""
    import matplotlib.ticker

    axis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}{unit}"))
    if minor:
        axis.set_minor_formatter(
            matplotlib.ticker.FuncFormatter(
                lambda v, _: f"{v:g}{unit}" if f"{v:.0e}"[0] in "25" else ""
            )
        )
