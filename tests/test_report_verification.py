"""The report's verification labels from cached proofs (`picojoule.verification`)."""

from picojoule.verification import NOT_SWEPT, _times, equivalence_label, netlist_label


def test_netlist_labels():
    assert netlist_label(None).startswith("not run")
    proven = {"mode": "exhaustive", "pairs": 1 << 32, "mismatches": 0, "verdict": "proven"}
    assert netlist_label(proven) == "exhaustive 4,294,967,296, proven"
    sample = {
        "mode": "sample",
        "pairs": 10**6,
        "mismatches": 0,
        "verdict": "no mismatch in the sample",
    }
    assert netlist_label(sample) == "sample 1,000,000, no mismatch"
    bad = {"mode": "exhaustive", "pairs": 262_144, "mismatches": 12, "verdict": "mismatch"}
    assert netlist_label(bad) == "exhaustive 262,144: 12 mismatches"
    assert netlist_label(NOT_SWEPT).startswith("not swept (block operands")
    assert _times(NOT_SWEPT) == ""


def test_equivalence_labels_name_method_and_limit():
    assert equivalence_label(None).startswith("not run")
    method = "Yosys miter -> AIGER -> ABC &cec -m"
    proven = {"verdict": "proven", "method": method, "seconds": 3.2, "limit_s": 120}
    assert equivalence_label(proven) == "proven (ABC &cec -m, 3 s)"
    open_ = {
        "verdict": "not proven within the limit",
        "method": method,
        "seconds": 130,
        "limit_s": 120,
    }
    assert equivalence_label(open_) == "not proven within 120 CPU s (ABC &cec -m)"


def test_suite_lines_state_wall_and_cpu_time():
    ran = {"seconds": 812.4, "cpu_seconds": 1570.2, "cached": False}
    assert _times(ran) == " (812 s wall, 1,570 s CPU)"
    assert (
        _times({"seconds": 0.42, "cpu_seconds": 0.7, "cached": False}) == " (0.4 s wall, 0.7 s CPU)"
    )
    assert _times({"seconds": 5.0, "cached": True}) == " (cached)"


def test_suite_lists_block_operand_units_as_not_swept(monkeypatch, tmp_path):
    from picojoule import verification
    from picojoule.models.mx_unit import MxDot

    def must_not_sweep(**kwargs):
        raise AssertionError("prove was called for a unit with block operands")

    monkeypatch.setattr(verification, "synthesize", lambda **kwargs: None)
    monkeypatch.setattr(verification, "prove", must_not_sweep)
    lines = []
    spec = MxDot(a="e4m3")
    (record,) = verification.suite_proofs(
        [spec], verilog_dir=tmp_path, equivalence=False, progress=lines.append
    )
    assert record["netlist"] == NOT_SWEPT
    assert lines == [
        f"{spec.name}: netlist {netlist_label(NOT_SWEPT)}; equivalence not run (`make prove`)"
    ]


def test_suite_run_proves_units_in_a_pool_and_reads_them_back(monkeypatch, tmp_path):
    """Two 8-bit units and one block unit, two workers: the netlists proven on every pair,
    the RTL = netlist checks proven in the pool (with their times), the block unit neither
    synthesized nor checked; a second call without running reads the same verdicts back."""
    from picojoule import verification
    from picojoule.hw.export import export_suite
    from picojoule.models.mx_unit import MxDot
    from picojoule.models.units import IntAdd, LMul

    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "cache"))
    specs = [LMul(fmt="e4m3"), IntAdd(a="int8", b="int8"), MxDot(a="e2m1")]
    export_suite(tmp_path / "v", specs=specs[:2])  # no Verilog of the block unit is needed
    lines = []
    records = verification.suite_proofs(
        specs, verilog_dir=tmp_path / "v", jobs=2, limit_s=60, progress=lines.append
    )
    for record, line in zip(records[:2], lines):
        assert record["netlist"]["verdict"] == "proven"
        assert record["netlist"]["pairs"] == 65_536
        assert record["equivalence"]["verdict"] == "proven"
        assert record["prepare"]["cpu_seconds"] > 0
        assert "exhaustive 65,536, proven" in line and "synthesis + equivalence" in line
    assert records[2]["netlist"] == NOT_SWEPT
    assert records[2]["equivalence"] == verification.NOT_ATTEMPTED
    assert "equivalence not attempted (block unit" in lines[2]
    back = verification.suite_proofs(specs, verilog_dir=tmp_path / "v", run=False, limit_s=60)
    for ran, read in zip(records, back):
        assert read["netlist"]["verdict"] == ran["netlist"]["verdict"]
        assert read["equivalence"]["verdict"] == ran["equivalence"]["verdict"]


def test_a_costed_block_check_is_labelled_and_not_counted_as_a_proof():
    from picojoule.report_document import _verification_summary, _with_proofs
    from picojoule.verification import costed_blocks_check, equivalence_label, netlist_label

    check = costed_blocks_check("mx_dot_x", operations=2000, mismatches=0)
    assert netlist_label(check["netlist"]) == "costed blocks 2,000, no mismatch"
    assert equivalence_label(check["equivalence"]).startswith("not attempted (block unit")
    rows = _with_proofs([{"name": "mx_dot_x", "vectors": 9, "mismatches": 0}], [check])
    assert rows[0]["netlist_vectors"] == "costed blocks 2,000, no mismatch"
    assert "netlist_exhaustive" not in rows[0] and "rtl_equals_netlist" not in rows[0]
    assert "proven" not in _verification_summary(rows, vectors=100)
