"""`picojoule generate --kind mx_dot`: one block dot-product unit from flags; bad input exits 2."""

import json

import pytest

from picojoule.cli import main


def test_generate_mx_dot(tmp_path, capsys):
    out = tmp_path / "mx.v"
    manifest = tmp_path / "mx.json"
    argv = ["generate", "--kind", "mx_dot", "--a", "e2m1", "--k", "2", "--scale", "e4m3"]
    assert main([*argv, "-o", str(out), "--manifest", str(manifest)]) == 0
    (entry,) = json.loads(manifest.read_text())["units"]
    assert entry["top"] == "mx_dot_e2m1_k2_e4m3_fp32_exact_s0"
    widths = {name: port["width"] for name, port in entry["ports"].items()}
    assert widths == {"a": 2 * 4 + 8, "b": 2 * 4 + 8, "y": 32}
    assert entry["ports"]["y"]["role"] == "result" and entry["ports"]["a"]["role"] == "operand"
    assert f"module {entry['top']}(" in out.read_text()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--k", "65"], "choose k in 1..64"),
        (["--a", "e3m3"], "choose from e4m3, e5m2, e3m2, e2m3, e2m1, int8"),
        (["--a", "e4m3", "--b", "e2m1", "--products", "lmul"], "equal float formats"),
        (["--result", "fp16"], "choose from fp32, bf16"),
    ],
)
def test_bad_mx_dot_flags_exit_2(tmp_path, capsys, flags, message):
    code = main(["generate", "--kind", "mx_dot", *flags, "-o", str(tmp_path / "x.v")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "x.v").exists()
