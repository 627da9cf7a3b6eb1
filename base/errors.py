"""The user-facing error type: one line that names the fix."""


class UserError(Exception):
    """Bad input or a missing tool; the CLI prints ``str(error)`` on one line and exits 2.

    ``ValueError`` raised by the models for bad input is treated the same way.
    """
