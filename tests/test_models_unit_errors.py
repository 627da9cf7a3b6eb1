"""The multipliers' error on the cost flow's operands, against an exact product in fractions."""

from fractions import Fraction

import numpy as np
import pytest

from picojoule.models.operands import operand_stream
from picojoule.models.unit_errors import multiplier_errors
from picojoule.models.units import FpMul, IntMul, LMul

N = 3000


def _exact_errors(spec, *, seed=1):
    """Relative errors, pair by pair, with the exact product as a Fraction."""
    fmt_a, fmt_b = spec.in_formats
    a = operand_stream(fmt=fmt_a, dist="gaussian", n=N, seed=seed)
    b = operand_stream(fmt=fmt_b, dist="gaussian", n=N, seed=seed + 1)
    got = spec.out_format.decode(spec.golden(a, b))
    errors, zeros = [], 0
    for x, y, g in zip(fmt_a.decode(a), fmt_b.decode(b), got):
        if not (np.isfinite(x) and np.isfinite(y)) or x == 0 or y == 0:
            continue
        exact = Fraction(float(x)) * Fraction(float(y))
        if not np.isfinite(g):
            errors.append(1.0)
            continue
        errors.append(float(abs(Fraction(float(g)) - exact) / abs(exact)))
        zeros += g == 0
    return errors, zeros


@pytest.mark.parametrize(
    "spec", [FpMul(a="e4m3", b="e4m3", out="e4m3"), LMul(fmt="e5m2", variant="mitchell")]
)
def test_errors_equal_an_exact_product_pair_by_pair(spec):
    (point,) = multiplier_errors([spec], n_ops=N)
    errors, zeros = _exact_errors(spec)
    assert point["pairs"] == len(errors) and point["zero_results"] == zeros
    assert point["mean_rel_error"] == pytest.approx(sum(errors) / len(errors), rel=1e-12)
    assert point["max_rel_error"] == pytest.approx(max(errors), rel=1e-12)
    assert 0 < point["mean_rel_error"] < 0.2


def test_only_combinational_multipliers_are_measured():
    specs = [
        IntMul(a="int8", b="int8"),
        FpMul(a="e4m3", b="e4m3", out="e4m3", stages=2),
        LMul(fmt="e4m3"),
    ]
    assert [p["name"] for p in multiplier_errors(specs, n_ops=100)] == [specs[2].name]
    assert multiplier_errors(specs[2:], n_ops=100, seed=3) != multiplier_errors(
        specs[2:], n_ops=100
    )
