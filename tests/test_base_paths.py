"""The one cache location: build/cache in a checkout, the user's cache elsewhere, an override."""

from pathlib import Path

from picojoule.base import cache, paths

CHECKOUT = Path(__file__).resolve().parents[1]


def test_cache_root_by_working_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("PICOJOULE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(CHECKOUT)
    assert paths.cache_root() == Path("build") / "cache" and paths.build_root() == Path("build")
    monkeypatch.chdir(tmp_path)
    assert paths.cache_root() == tmp_path / "xdg" / "picojoule"
    assert paths.build_root() == tmp_path / "xdg" / "picojoule" / "build"
    assert cache.default_dir() == paths.cache_root()  # every cache user calls the one function
    monkeypatch.setenv("PICOJOULE_CACHE", str(tmp_path / "mine"))
    assert cache.default_dir() == tmp_path / "mine"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("PICOJOULE_CACHE")
    assert paths.cache_root() == Path.home() / ".cache" / "picojoule"
