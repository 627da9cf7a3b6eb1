"""The table path of `lmul` for 16-bit int_add/mitchell equals the direct model."""

import numpy as np
import pytest

from picojoule.models import lmul
from picojoule.models.formats import Overflow, get_format


def _corners(fmt):
    m = fmt.mantissa_bits
    magnitudes = [0, 1, fmt.mantissa_mask, 1 << m, (1 << m) + 1, fmt.bias << m, (fmt.bias << m) - 1]
    magnitudes += [fmt.max_finite_code, fmt.max_finite_code - 1, fmt.inf_code, fmt.inf_code + 1]
    magnitudes += [fmt.nan_code & (fmt.sign_mask - 1), fmt.sign_mask - 1]
    return np.array([c | s for c in magnitudes for s in (0, fmt.sign_mask)], dtype=np.uint16)


@pytest.mark.parametrize("name", ["bf16", "fp16"])
@pytest.mark.parametrize("variant", ["int_add", "mitchell"])
@pytest.mark.parametrize("overflow", [Overflow.NONSAT, Overflow.SAT])
def test_sum_tables_equal_direct_model(name, variant, overflow):
    fmt = get_format(name)
    every = np.arange(1 << 16, dtype=np.uint16)
    corners = _corners(fmt)
    rng = np.random.default_rng(7)
    a = np.concatenate([np.repeat(corners, len(every)), rng.integers(0, 1 << 16, 1 << 20)])
    b = np.concatenate([np.tile(every, len(corners)), rng.integers(0, 1 << 16, 1 << 20)])
    a, b = a.astype(np.uint16), b.astype(np.uint16)
    want = lmul._lmul_direct(
        a.astype(np.int64), b.astype(np.int64), fmt=fmt, variant=variant, overflow=overflow
    )
    got = lmul.lmul(a, b, fmt=fmt, variant=variant, overflow=overflow)
    assert got.dtype == fmt.code_dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(lmul.lmul(b, a, fmt=fmt, variant=variant, overflow=overflow), got)
