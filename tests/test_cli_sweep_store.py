"""The sweep's record store (resume, torn lines, keys) and Pareto fronts."""

import json

import numpy as np

from picojoule.sweep.render import pareto
from picojoule.sweep.store import ResultStore, point_key


def test_resume_keeps_finished_drops_failed_and_torn_lines(tmp_path):
    with ResultStore(tmp_path) as store:
        store.append({"key": "a", "status": "ok", "x": 1})
        store.append({"key": "b", "status": "failed", "error": "boom"})
        store.append({"key": "c", "status": "ok", "x": 3})
    with open(tmp_path / "results.jsonl", "a") as f:
        f.write('{"key": "d", "status": "ok", "x"')  # a write cut short by a kill
    with ResultStore(tmp_path) as store:
        finished = store.resume()
        assert sorted(finished) == ["a", "c"]
        store.append({"key": "b", "status": "ok", "x": 2})
    lines = (tmp_path / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["key"] for line in lines] == ["a", "c", "b"]


def test_key_follows_point_files_and_flow(tmp_path):
    point = {"family": "units", "kind": "lmul", "format": "e4m3", "operands": "x.npy"}
    base = point_key(point, files={"x.npy": "h1"}, flow="f1")
    assert base == point_key(dict(reversed(point.items())), files={"x.npy": "h1"}, flow="f1")
    assert base != point_key(point, files={"x.npy": "h2"}, flow="f1")  # tensor content
    assert base != point_key(point, files={"x.npy": "h1"}, flow="f2")  # flow
    assert base != point_key({**point, "format": "e5m2"}, files={"x.npy": "h1"}, flow="f1")


def test_pareto_front_equals_brute_force():
    rng = np.random.default_rng(7)
    records = [{"x": float(x), "y": float(y)} for x, y in rng.integers(0, 30, (300, 2))]
    records.append({"x": float("nan"), "y": 0.0})  # no usable value: never on the front
    usable = records[:-1]

    def dominated(r):
        return any(
            o["x"] <= r["x"] and o["y"] <= r["y"] and (o["x"] < r["x"] or o["y"] < r["y"])
            for o in usable
        )

    want = {(r["x"], r["y"]) for r in usable if not dominated(r)}
    got = pareto(records, "x", "y")
    assert {(r["x"], r["y"]) for r in got} == want
    assert len(got) == len(want)  # duplicates of a front point appear once
