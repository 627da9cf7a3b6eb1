"""Exported Verilog is cached by content: the spec, the fault, Amaranth's toolchain versions and
the source of the generators; a change of any of them converts again."""

from picojoule.base import cache
from picojoule.hw import export
from picojoule.models import units


class _Conversions:
    def __init__(self, convert):
        self.convert, self.calls = convert, 0

    def __call__(self, spec, fault):
        self.calls += 1
        return self.convert(spec, fault)


def test_verilog_cache_key(tmp_path, monkeypatch):
    spec = units.IntAdd(a="int8", b="int8")
    conversions = _Conversions(export._convert_uncached)
    monkeypatch.setattr(export, "_convert_uncached", conversions)
    monkeypatch.setattr(export, "_TEXTS", {})  # this process's memory starts empty

    def source():
        export._TEXTS.clear()  # as in a new process: only the disk cache remains
        return export.verilog_source(spec, cache_dir=tmp_path)

    text = source()
    assert source() == text and conversions.calls == 1  # identical inputs hit
    export.verilog_source(spec, fault="invert_signal", cache_dir=tmp_path)
    assert conversions.calls == 2

    toolchain = export.amaranth_toolchain()
    monkeypatch.setattr(export, "amaranth_toolchain", lambda: toolchain + " (newer)")
    assert source() == text and conversions.calls == 3

    digest = cache.source_digest

    def edited(*packages):  # as if a generator's source had changed
        return "edited" + digest(*packages) if "picojoule.hw" in packages else digest(*packages)

    monkeypatch.setattr(cache, "source_digest", edited)
    assert source() == text and conversions.calls == 4
    assert len(list((tmp_path / "verilog").glob("*.v"))) == 4
