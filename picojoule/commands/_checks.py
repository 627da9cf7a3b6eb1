"""Checks shared by the commands: numeric flags in range and output paths, before any work."""

from picojoule.base.errors import UserError


def in_range(value, *, flag, minimum=None, maximum=None, what="a whole number"):
    """``value`` unless it lies outside [minimum, maximum]; `UserError` naming ``flag``."""
    if value is None:
        return value
    low = minimum is not None and value < minimum
    high = maximum is not None and value > maximum
    if low or high:
        if minimum is not None and maximum is not None:
            bound = f"{minimum}..{maximum}"
        elif minimum is not None:
            bound = f">= {minimum}"
        else:
            bound = f"<= {maximum}"
        raise UserError(f"{flag} {value} is out of range; give {what} {bound}")
    return value


def positive(value, *, flag):
    """``value`` unless it is not > 0; `UserError` naming ``flag``."""
    if value is not None and not value > 0:
        raise UserError(f"{flag} {value} is out of range; give a number > 0")
    return value


def add_force_argument(parser):
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into an existing folder that picojoule did not create (or that holds "
        "another command's outputs); entries with other names are left untouched",
    )


def check_cache(*, enabled):
    """`UserError` naming ``PICOJOULE_CACHE`` and ``--no-cache`` if the cache cannot be written."""
    if not enabled:
        return
    from picojoule.base.outputs import check_creatable
    from picojoule.base.paths import cache_root

    root = cache_root()
    try:
        check_creatable(root)
    except UserError as error:
        raise UserError(
            f"{error}; or set PICOJOULE_CACHE to a writable folder, or pass --no-cache"
        ) from None


def check_readable(path, *, flag):
    """`UserError` unless the input file ``path`` exists and can be read."""
    from pathlib import Path

    if path is None:
        return
    try:
        with open(Path(path), "rb"):
            pass
    except OSError as error:
        from picojoule.base.outputs import os_error_line

        raise UserError(f"{flag}: {os_error_line(error)}") from None
