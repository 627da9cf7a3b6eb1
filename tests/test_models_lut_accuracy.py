"""The float LUT accuracy study of the golden models: numbers from the contract, written out
with Python floats, deterministic and independent of how the study batches its GEMMs."""

from fractions import Fraction

import numpy as np
import pytest

from picojoule.models.gemm_reference import error_metrics
from picojoule.models.lut_accuracy import (
    KIND,
    lut_accuracy_records,
    study_activations,
    study_weights,
)
from picojoule.models.lut_gemm import LutGemmSpec, direct_gemm, fp_error, lut_mpgemm

TINY = {"m": 2, "k": 64, "n": 3, "seed": 11}


def _plain_lut(values, codes, *, wbits, table_round, acc_round):
    """The float LUT contract written out per output with Python floats (group size 4)."""
    m_rows, k_total = values.shape
    out = np.zeros((m_rows, codes.shape[1]))
    for m in range(m_rows):
        for n in range(codes.shape[1]):
            acc = z = 0.0
            for g in range(k_total // 4):
                xs = [float(x) for x in values[m, 4 * g : 4 * g + 4]]

                def fold(signs, xs=xs):
                    t = signs[0] * xs[0]
                    for j in range(1, 4):
                        t = table_round(t + signs[j] * xs[j])
                    return t

                for b in range(wbits):
                    signs = [2 * ((int(codes[4 * g + j, n]) >> b) & 1) - 1 for j in range(4)]
                    acc = acc_round(acc + fold(signs) * 2**b)
                z = acc_round(z + fold([-1] * 4))
            out[m, n] = acc_round(acc_round(acc - acc_round((2**wbits - 1) * z)) / 2)
    return out


def _plain_mac(values, codes, *, acc_round):
    out = np.zeros((values.shape[0], codes.shape[1]))
    for m in range(values.shape[0]):
        for n in range(codes.shape[1]):
            acc = 0.0
            for k in range(values.shape[1]):
                acc = acc_round(acc + float(values[m, k]) * int(codes[k, n]))
            out[m, n] = acc
    return out


def _plain_metrics(got, values, codes):
    exact = [
        [
            sum(Fraction(float(values[m, k])) * int(codes[k, n]) for k in range(values.shape[1]))
            for n in range(codes.shape[1])
        ]
        for m in range(values.shape[0])
    ]
    errors = [
        abs(Fraction(float(got[m][n])) - exact[m][n])
        for m in range(len(exact))
        for n in range(len(exact[0]))
    ]
    flat = [e for row in exact for e in row]
    scale = max(abs(e) for e in flat)
    relative = sorted(float(err / abs(e)) for err, e in zip(errors, flat) if e != 0)
    half = len(relative) // 2
    median = relative[half] if len(relative) % 2 else (relative[half - 1] + relative[half]) / 2
    return {
        "rel_mean": float(sum(errors) / len(errors) / scale),
        "rel_max": float(max(errors) / scale),
        "elem_rel_median": median,
    }


@pytest.fixture(scope="module")
def tiny_records():
    return lut_accuracy_records(
        **TINY, acts=("fp16", "e4m3"), wbits=(1, 2), distributions=("gaussian", "laplace")
    )


@pytest.mark.parametrize("table", ["fp16", "fp32"])
def test_fp16_entry_matches_a_plain_loop(tiny_records, table):
    values = LutGemmSpec(act="fp16").act.decode(
        study_activations(
            act="fp16", distribution="laplace", m=TINY["m"], k=TINY["k"], seed=TINY["seed"]
        )
    )
    codes = study_weights(wbits=2, k=TINY["k"], n=TINY["n"], seed=TINY["seed"])
    narrow = {"fp16": np.float16, "fp32": np.float32}[table]
    got = _plain_lut(
        values,
        codes,
        wbits=2,
        table_round=lambda x: float(narrow(x)),
        acc_round=lambda x: float(np.float32(x)),
    )
    mac = _plain_mac(values, codes, acc_round=lambda x: float(np.float32(x)))
    (record,) = [
        r
        for r in tiny_records
        if r["params"]["act"] == "fp16"
        and r["params"]["table"] == table
        and r["params"]["wbits"] == 2
        and r["distribution"] == "laplace"
    ]
    assert record["kind"] == KIND and record["table_is_activation_format"] == (table == "fp16")
    for key, value in _plain_metrics(got, values, codes).items():
        assert record[key] == pytest.approx(value, rel=1e-9, abs=1e-18), key
    for key, value in _plain_metrics(mac, values, codes).items():
        assert record["mac_reference"][key] == pytest.approx(value, rel=1e-9, abs=1e-18), key
    assert record["rel_mean"] > 0 and record["mac_reference"]["rel_max"] > 0  # rounding seen


def test_metrics_are_fp_errors_definition():
    spec = LutGemmSpec(act="bf16", wbits=3)
    a = study_activations(act="bf16", distribution="gaussian", m=3, k=12, seed=4)
    w = study_weights(wbits=3, k=12, n=5, seed=4)
    assert error_metrics(lut_mpgemm(a, w, spec=spec), direct_gemm(a, w, spec=spec)) == fp_error(
        a, w, spec=spec
    )


def test_records_are_deterministic_and_independent_of_the_batch(tiny_records):
    alone = lut_accuracy_records(**TINY, acts=("e4m3",), wbits=(2,), distributions=("laplace",))
    batched = [
        r
        for r in tiny_records
        if r["params"]["act"] == "e4m3"
        and r["params"]["wbits"] == 2
        and r["distribution"] == "laplace"
    ]
    assert alone == batched and len(alone) == 3
    assert [r["params"]["table"] for r in alone] == ["e4m3", "fp16", "fp32"]
    for r in tiny_records:
        assert (
            r["contract"]
            == LutGemmSpec(
                act=r["params"]["act"],
                wbits=r["params"]["wbits"],
                table_format=r["params"]["table"],
            ).contract
        )
