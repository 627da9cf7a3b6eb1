"""Memory images for `$readmemh` / `$writememh`: lane-packed words as fixed-width hex lines.

A memory row holds ``lanes`` words of ``width`` bits; lane ``k`` sits at bits
``[k * stride, k * stride + width)`` with ``stride = 4 * ceil(width / 4)`` (a whole number of
hex digits per lane), lane 0 in the least significant digits. Rows beyond the data are
padded by repeating the last word. Reading maps ``x``/``z`` digits to a per-word flag so that
an undriven output is reported as a mismatch, never silently read as a number.
"""

import numpy as np

__all__ = ["digits", "write_memh", "read_memh"]

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_VALUE = np.full(256, 255, dtype=np.uint8)
_VALUE[np.frombuffer(b"0123456789abcdef", dtype=np.uint8)] = np.arange(16)
_VALUE[np.frombuffer(b"ABCDEF", dtype=np.uint8)] = np.arange(10, 16)
_UNKNOWN = 16
_VALUE[np.frombuffer(b"xXzZ", dtype=np.uint8)] = _UNKNOWN


def digits(width):
    """Hex digits per lane word of ``width`` bits."""
    return (width + 3) // 4


def write_memh(path, words, *, width, lanes=1):
    """Write ``words`` (unsigned integers < 2**width) as ``ceil(len / lanes)`` packed rows."""
    words = np.asarray(words, dtype=np.uint64).ravel()
    if words.size == 0:
        raise ValueError("a memory image needs at least one word")
    rows = -(-words.size // lanes)
    padded = np.empty(rows * lanes, dtype=np.uint64)
    padded[: words.size] = words
    padded[words.size :] = words[-1]
    nd = digits(width)
    shifts = np.arange(nd - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    nibbles = (padded[:, None] >> shifts[None, :]) & np.uint64(15)  # (rows*lanes, nd)
    # lane L-1 first on the line (most significant), lane 0 last
    line = nibbles.reshape(rows, lanes, nd)[:, ::-1, :].reshape(rows, lanes * nd)
    text = np.empty((rows, lanes * nd + 1), dtype=np.uint8)
    text[:, :-1] = _HEX[line.astype(np.intp)]
    text[:, -1] = ord("\n")
    with open(path, "wb") as f:
        f.write(text.tobytes())
    return rows


def read_memh(path, *, width, lanes=1, count=None):
    """Read a `$writememh` image back: (words as uint64, unknown flags as bool).

    Comment lines (``//``) and address lines (``@``) are skipped; ``count`` keeps the first
    words (the rest are padding).
    """
    with open(path, "rb") as f:
        raw = f.read()
    lines = [ln for ln in raw.split(b"\n") if ln.strip() and not ln.startswith((b"//", b"@"))]
    nd = digits(width)
    rows = len(lines)
    if rows == 0:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, np.zeros(0, dtype=bool)
    body = b"".join(ln.strip().rjust(lanes * nd, b"0") for ln in lines)
    if len(body) != rows * lanes * nd:
        raise ValueError(f"{path}: rows are not {lanes} x {nd} hex digits wide")
    vals = _VALUE[np.frombuffer(body, dtype=np.uint8)].reshape(rows, lanes, nd)[:, ::-1, :]
    if (vals == 255).any():
        raise ValueError(f"{path}: a row holds a character that is not a hex digit")
    unknown = (vals == _UNKNOWN).any(axis=2).reshape(-1)
    shifts = np.arange(nd - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    words = (
        (np.where(vals == _UNKNOWN, 0, vals).astype(np.uint64) << shifts)
        .sum(axis=2, dtype=np.uint64)
        .reshape(-1)
    )
    mask = np.uint64((1 << width) - 1) if width < 64 else np.uint64(0xFFFFFFFFFFFFFFFF)
    words &= mask
    if count is not None:
        words, unknown = words[:count], unknown[:count]
    return words, unknown
