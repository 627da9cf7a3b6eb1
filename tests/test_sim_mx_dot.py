"""mx_dot units co-verified on Icarus against the golden model; injected faults are caught.

`make test` runs `BLOCKS` random blocks (plus the directed ones) per suite unit and the
exhaustive k = 1 check on the 4- and 6-bit formats; `picojoule sim` runs 100,000 random
blocks per unit (and the 8-bit k = 1 sets).
"""

import pytest

from picojoule.hw import faults
from picojoule.models.mx_unit import MxDot, mx_suite
from picojoule.sim.design import export_designs
from picojoule.sim.mx_vectors import block_vectors, hex_words
from picojoule.sim.mx_verify import co_verify_mx

BLOCKS = 2000


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return tmp_path_factory.mktemp("mx")


def _verify(specs, out, *, fault=None, **options):
    folder = out / (fault or "ok")
    designs = export_designs(specs, folder / "verilog", fault=fault)
    return [co_verify_mx(d, build_root=folder / "sim", **options) for d in designs]


@pytest.mark.slow
@pytest.mark.parametrize("spec", mx_suite(), ids=lambda s: s.name)
def test_suite_unit_matches_golden(spec, out):
    (verdict,) = _verify([spec], out, count=BLOCKS, seed=3)
    assert verdict.passed, "\n".join([verdict.line(), *verdict.examples])
    assert verdict.vectors > BLOCKS
    if spec.stages:
        assert verdict.latency == spec.stages and verdict.cycles >= verdict.vectors


@pytest.mark.parametrize(
    "spec",
    [MxDot(a="e2m1", k=1), MxDot(a="e3m2", b="e2m1", k=1), MxDot(a="e2m1", k=1, scale="e4m3")],
    ids=lambda s: s.name,
)
def test_exhaustive_k1(spec, out):
    (verdict,) = _verify([spec], out)
    a_fmt, b_fmt = spec.in_formats
    assert verdict.vectors == (1 << (a_fmt.element.width + b_fmt.element.width)) * 8
    assert verdict.passed, "\n".join([verdict.line(), *verdict.examples])


def test_directed_blocks_cover_the_corners():
    spec = MxDot(a="e4m3")
    v = block_vectors(spec, count=0)
    golden = v.golden()
    out = spec.out_format
    assert out.is_nan(golden).sum() >= 16  # NaN scales in A and in B
    assert out.is_inf(golden).any()  # overflow
    finite = golden[~out.is_nan(golden) & ~out.is_inf(golden)]
    assert (finite == 0).sum() >= 16  # all zeros and exact cancellations
    assert ((finite & 0x7F800000) == 0).sum() > (finite == 0).sum()  # fp32 subnormals


@pytest.mark.parametrize(
    "spec",
    [MxDot(a="e4m3"), MxDot(a="e3m2", b="e2m1", k=5), MxDot(a="e2m1", k=16, scale="e4m3")],
    ids=lambda s: s.name,
)
def test_hex_words_are_the_packed_blocks(spec):
    v = block_vectors(spec, count=300, seed=2)
    for elements, scales, fmt in (
        (v.a_elements, v.a_scales, spec.in_formats[0]),
        (v.b_elements, v.b_scales, spec.in_formats[1]),
    ):
        digits = -(-fmt.width // 4)
        want = "".join(f"{word:0{digits}x}\n" for word in fmt.pack(elements, scales))
        assert hex_words(elements, scales, fmt=fmt).decode() == want


# every fault mx_dot supports (hw/faults.py), each on a small unit
MX_FAULTY = [(MxDot(a="e4m3", k=4), name) for name in faults.faults_for("mx_dot")]


@pytest.mark.parametrize("spec, fault", MX_FAULTY, ids=lambda x: getattr(x, "name", x))
def test_injected_fault_is_caught(spec, fault, out):
    (verdict,) = _verify([spec], out, fault=fault, count=1000, seed=5)
    assert verdict.mismatches > 0, f"{fault} went unnoticed"


def test_blocks_split_over_two_simulators_find_the_same_mismatches(out):
    spec = MxDot(a="e4m3", k=4)
    (whole,) = _verify([spec], out, fault="mx_drop_element", count=3000, seed=7)
    (split,) = _verify([spec], out, fault="mx_drop_element", count=3000, seed=7, jobs=2)
    assert split.vectors == whole.vectors > 3000
    assert split.mismatches == whole.mismatches > 0
    assert split.examples == whole.examples
