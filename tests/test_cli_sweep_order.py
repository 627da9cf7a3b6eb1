"""Points go to the workers longest first: the estimate's order and the order a worker runs."""

import json
import subprocess
import sys
from pathlib import Path

from picojoule.sweep.order import estimated_cost, longest_first
from picojoule.sweep.spec import load_spec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "sweeps"


def _job(point, key):
    return {"key": key, "point": point}


def test_estimate_ranks_wider_units_and_bigger_tiles_higher():
    unit = {"family": "units", "kind": "int_mul"}
    assert estimated_cost({**unit, "width": 16}) > estimated_cost({**unit, "width": 8})
    staged = {"family": "units", "kind": "fp_mul", "format": "e4m3"}
    assert estimated_cost({**staged, "stages": 2}) > estimated_cost(staged)
    tile = {"family": "tiles", "core": "lut", "m": 2, "n": 8, "k": 4, "act": "int8"}
    assert estimated_cost({**tile, "wbits": 4}) > estimated_cost({**tile, "wbits": 1})
    assert estimated_cost({**tile, "wbits": 1, "act": "e4m3"}) > estimated_cost(
        {**tile, "wbits": 4, "act": "int16"}
    )
    assert estimated_cost({"family": "units", "kind": "fp_mul", "format": "e9m9"}) == 0


def test_longest_first_is_stable_and_puts_float_tiles_first():
    points = load_spec(EXAMPLES / "lut-vs-mac.toml").points
    jobs = longest_first([_job(p, str(i)) for i, p in enumerate(points)])
    costs = [estimated_cost(j["point"]) for j in jobs]
    assert costs == sorted(costs, reverse=True)
    assert {j["point"]["act"] for j in jobs[:6]} == {"e4m3"}
    same = [int(j["key"]) for j in jobs if estimated_cost(j["point"]) == costs[0]]
    assert same == sorted(same)  # equal estimates keep the file's order


def test_one_worker_runs_the_points_longest_first(tmp_path):
    spec = tmp_path / "adders.toml"
    spec.write_text('[sweep]\nops = 200\n[[units]]\nkind = "int_add"\nwidth = [2, 5, 3]\n')
    out = tmp_path / "out"
    command = [sys.executable, "-m", "picojoule.cli", "sweep", str(spec), "--out", str(out)]
    proc = subprocess.run(
        [*command, "--jobs", "1", "--no-progress"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    lines = (out / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["width"] for line in lines] == [5, 3, 2]
