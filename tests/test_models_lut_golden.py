"""The golden LUT mpGEMM: exact for integers, its float contract, and its bad inputs."""

import itertools

import numpy as np
import pytest

from picojoule.models.formats import get_format
from picojoule.models.lut_gemm import (
    LutGemmSpec,
    direct_gemm,
    encode_weight_indices,
    fp_error,
    lut_mpgemm,
    symmetric_weights,
    table_lookup,
    table_precompute,
)


@pytest.mark.parametrize("act", ["int8", "int16"])
def test_integer_lut_gemm_equals_direct_gemm(act):
    rng = np.random.default_rng(1)
    fmt = get_format(act)
    for _trial in range(40):
        k = int(rng.integers(1, 7))
        wbits = int(rng.integers(1, 5))
        spec = LutGemmSpec(k=k, wbits=wbits, act=act)
        m, kt, n = (int(x) for x in rng.integers(1, 23, 3))  # includes non-multiples of k
        a = rng.integers(fmt.min_value, fmt.max_value + 1, (m, kt))
        w = rng.integers(0, 1 << wbits, (kt, n))
        assert np.array_equal(lut_mpgemm(a, w, spec=spec), a @ w), (k, wbits, m, kt, n)


def test_integer_extremes_fit_and_match():
    spec = LutGemmSpec(wbits=4, act="int8")
    a = np.full((2, 1000), -128)
    w = np.full((1000, 3), 15)
    assert np.array_equal(lut_mpgemm(a, w, spec=spec), a @ w)


def test_full_table_is_odd_and_half_table_lookup_matches_plain_sum():
    rng = np.random.default_rng(2)
    k = 4
    a = rng.integers(-128, 128, k)
    half = table_precompute(a[None], k=k)[0]
    assert half[0] == -a.sum()  # zero-point term from the table
    for bits in itertools.product((0, 1), repeat=k):
        full_index = sum(bit << i for i, bit in enumerate(bits))
        expected = sum((2 * bit - 1) * x for bit, x in zip(bits, a))
        word = encode_weight_indices(np.array(bits)[:, None], k=k, wbits=1)[0, 0, 0]
        assert table_lookup(half, np.array(word), k=k) == expected, full_index


def test_symmetric_reinterpretation_is_odd_and_exact():
    for wbits in range(1, 5):
        q = np.arange(1 << wbits)
        qs = symmetric_weights(q, wbits=wbits)
        assert np.all(qs % 2 != 0)
        assert np.array_equal(qs, -qs[::-1])
        assert np.array_equal((qs + (1 << wbits) - 1) // 2, q)


def test_scales_and_zero_points_per_group():
    rng = np.random.default_rng(3)
    spec = LutGemmSpec(wbits=3)
    a = rng.integers(-128, 128, (5, 48))
    w = rng.integers(0, 8, (48, 7))
    s = rng.random((3, 7))
    z = rng.integers(0, 8, (3, 7))
    got = lut_mpgemm(a, w, spec=spec, scales=s, zero_points=z, group_size=16)
    ref = a @ (np.repeat(s, 16, axis=0) * (w - np.repeat(z, 16, axis=0)))
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-9)


def _round_to(fmt, x):
    return fmt.decode(fmt.encode(x))


def test_float_contract_against_scalar_reference():
    """The vectorized float path equals a plain scalar loop of the stated rounding order."""
    rng = np.random.default_rng(4)
    for act in ("fp16", "bf16", "e4m3"):
        spec = LutGemmSpec(act=act, wbits=3)
        fmt, tf, af = spec.act, spec.table_format, spec.acc_format
        a = fmt.encode(rng.standard_normal((3, 10)) * 4)
        w = rng.integers(0, 8, (10, 4))
        got = lut_mpgemm(a, w, spec=spec)
        av = fmt.decode(a)
        for m, n in itertools.product(range(3), range(4)):
            acc = z = 0.0
            for g0 in range(0, 12, 4):
                grp = [av[m, g0 + i] if g0 + i < 10 else 0.0 for i in range(4)]
                wq = [int(w[g0 + i, n]) if g0 + i < 10 else 0 for i in range(4)]

                def entry(
                    bits, grp=grp, tf=tf
                ):  # the table entry of a full index, by the fold order
                    t = (2 * bits[0] - 1) * grp[0]
                    for i in range(1, 4):
                        t = _round_to(tf, t + (2 * bits[i] - 1) * grp[i])
                    return t

                for b in range(3):
                    bits = [(q >> b) & 1 for q in wq]
                    if bits[3]:  # stored half: negate the complemented entry
                        value = -entry([1 - x for x in bits])
                    else:
                        value = entry(bits)
                    acc = _round_to(af, acc + value * 2.0**b)
                z = _round_to(af, z + entry([0, 0, 0, 0]))
            corr = _round_to(af, 7 * z)
            expected = _round_to(af, _round_to(af, acc - corr) * 0.5)
            assert got[m, n] == expected, (act, m, n)


def test_float_error_is_small_and_ordered_by_precision():
    rng = np.random.default_rng(5)
    errors = {}
    for act in ("fp16", "bf16", "e4m3"):
        spec = LutGemmSpec(act=act, wbits=2)
        a = spec.act.encode(rng.standard_normal((8, 256)))
        w = rng.integers(0, 4, (256, 8))
        errors[act] = fp_error(a, w, spec=spec)["rel_max"]
    assert 0 < errors["fp16"] < errors["bf16"] < errors["e4m3"] < 0.1


def test_float_exact_when_table_and_sums_are_representable():
    spec = LutGemmSpec(act="fp16", wbits=4)
    a = spec.act.encode(np.array([[1.0, -2.0, 0.5, 3.0, 0.25]]))
    w = np.array([[3], [15], [0], [7], [1]])
    assert lut_mpgemm(a, w, spec=spec)[0, 0] == direct_gemm(a, w, spec=spec)[0, 0]


@pytest.mark.parametrize(
    "call, fragment",
    [
        (
            lambda: lut_mpgemm(
                np.zeros((2, 4), int), np.full((4, 2), 4), spec=LutGemmSpec(wbits=2)
            ),
            "out of range for wbits=2",
        ),
        (
            lambda: lut_mpgemm(np.zeros((2, 4), int), -np.ones((4, 2), int), spec=LutGemmSpec()),
            "out of range",
        ),
        (lambda: LutGemmSpec(wbits=5), "wbits must be a whole number in 1..4"),
        (lambda: LutGemmSpec(wbits=0), "wbits must be a whole number in 1..4"),
        (lambda: LutGemmSpec(act="int32"), "choose from int8"),
        (
            lambda: lut_mpgemm(np.zeros((2, 4), int), np.zeros((5, 2), int), spec=LutGemmSpec()),
            "shapes do not match",
        ),
        (
            lambda: lut_mpgemm(np.full((2, 4), 200), np.zeros((4, 2), int), spec=LutGemmSpec()),
            "activations out of range",
        ),
        (
            lambda: lut_mpgemm(
                np.zeros((1, 10**6), int), np.zeros((10**6, 1), int), spec=LutGemmSpec(acc_width=16)
            ),
            "overflow",
        ),
    ],
)
def test_bad_input_is_one_line_value_error(call, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        call()
    assert "\n" not in str(info.value)
