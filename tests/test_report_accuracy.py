"""The accuracy study's CSV and figure (the report side of `picojoule.models.accuracy`)."""

from picojoule.models import accuracy
from picojoule.report_accuracy import accuracy_csv, accuracy_plot


def test_csv_has_one_line_per_record_and_the_fields(tmp_path):
    records = accuracy.accuracy_records(samples=2000, seed=5)
    lines = accuracy_csv(records).splitlines()
    assert lines[0] == ",".join(accuracy.FIELDS) and len(lines) == len(records) + 1
    first = dict(zip(accuracy.FIELDS, lines[1].split(",")))
    assert float(first["mean_rel_error"]) == float(f"{records[0]['mean_rel_error']:.6g}")
    accuracy_plot(records, tmp_path / "accuracy.png")
    assert (tmp_path / "accuracy.png").stat().st_size > 1000
