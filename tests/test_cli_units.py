"""Issue 11: any unit end to end, flags that do not apply refused, tool errors with their line,
and the README's Python quick start run as written."""

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from picojoule.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PICOJOULE_CACHE", raising=False)
    return tmp_path


def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[-1]


def test_import_is_light_and_lists_the_api():
    import subprocess

    code = (
        "import sys, picojoule as pj; "
        "print(sorted(m for m in sys.modules if 'numpy' in m or 'picojoule.' in m)); "
        "print(pj.__all__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, names = out.stdout.splitlines()
    assert loaded == "[]"
    for name in ("quantize", "dequantize", "lmul", "fp_mul", "lmul_matmul", "unit"):
        assert name in names


def test_python_quick_start_runs_as_written(work, capsys):
    text = README.read_text()
    section = text[text.index("## Python quick start") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, "README quick start", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    claims = [
        line.split("# ", 1)[1] for line in code.splitlines() if "print(" in line and "# [" in line
    ]
    assert printed[0] == claims[0] and printed[1] == claims[1] and printed[2] == claims[2]
    assert printed[4] == "True"  # verify() passed


def test_lmul_matmul_message_names_what_the_user_has():
    from picojoule.models.lmul_matmul import lmul_matmul

    with pytest.raises(ValueError) as error:
        lmul_matmul(np.full((2, 2), 0.3, np.float32), np.ones((2, 2), np.float32), fmt="e4m3")
    assert "picojoule.lmul_matmul" in str(error.value) and ".encode" not in str(error.value)


def test_api_golden_models_follow_the_stated_quantization(work):
    import picojoule as pj
    from picojoule.models import lmul as model
    from picojoule.models.formats import get_format

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(500), rng.standard_normal(500)
    e4m3 = get_format("e4m3")
    want = e4m3.decode(
        model.lmul(e4m3.encode(x, overflow="sat"), e4m3.encode(y, overflow="sat"), fmt=e4m3)
    )
    np.testing.assert_array_equal(pj.lmul(x, y, fmt="e4m3"), want)
    a, w = rng.standard_normal((8, 16)), rng.standard_normal((16, 4))
    np.testing.assert_allclose(
        pj.lmul_matmul(a, w), pj.lmul(a[:, :, None], w[None, :, :]).sum(axis=1)
    )
    assert pj.round_to([500.0], "e4m3")[0] == 448.0  # saturating


def test_generate_flags_that_do_not_apply_are_errors(work, capsys):
    assert (
        main(["generate", "--kind", "fp_mul", "--a", "e4m3", "--variant", "mitchell", "-o", "f.v"])
        == 2
    )
    assert "--variant applies to lmul, not fp_mul" in _error(capsys)
    assert (
        main(["generate", "--kind", "int_mul", "--width", "8", "--overflow", "sat", "-o", "f.v"])
        == 2
    )
    assert "--overflow applies to float kinds" in _error(capsys)
    assert main(["generate", "--kind", "fp_mul", "--a", "e4m3", "--out", "f.v", "-o", "f.v"]) == 2
    assert "--out f.v is not a format" in _error(capsys)
    assert not list(work.glob("*.v"))
    assert main(["generate", "--kind", "fp_mul", "--a", "e4m3", "--out", "fp16", "-o", "f.v"]) == 0
    assert "deprecated; use --result FMT" in capsys.readouterr().err
    assert "fp_mul_e4m3_e4m3_fp16" in (work / "f.v").read_text()


def test_generate_result_flag_and_manifest_written_where_asked(work, capsys):
    argv = ["generate", "--kind", "fp_mul", "--a", "e4m3", "--b", "e5m2", "--result", "fp32"]
    assert main([*argv, "-o", "v/m.v", "--manifest", "meta/m.json"]) == 0
    entry = json.loads((work / "meta" / "m.json").read_text())["units"][0]
    assert entry["params"]["out"] == "fp32" and entry["verilog"] == "../v/m.v"


def test_sim_verifies_a_unit_outside_the_suite_by_flags_and_by_file(work, capsys):
    assert main(["sim", "--unit", "lmul_e3m2_int_add_nonsat_s0"]) == 2
    assert "picojoule sim --kind KIND" in _error(capsys)
    assert main(["sim", "--kind", "lmul", "--a", "e3m2", "--verilog", "v"]) == 0
    assert "1 of 1 units match" in capsys.readouterr().out
    assert (
        main(
            [
                "generate",
                "--kind",
                "lmul",
                "--a",
                "e3m2",
                "-o",
                "u/l.v",
                "--manifest",
                "u/manifest.json",
            ]
        )
        == 0
    )
    assert main(["sim", "u/l.v"]) == 0
    assert "lmul_e3m2_int_add_nonsat_s0" in capsys.readouterr().out


def test_icarus_and_yosys_errors_show_the_tools_line(work, capsys):
    assert (
        main(
            [
                "generate",
                "--kind",
                "lmul",
                "--a",
                "e3m2",
                "-o",
                "b/u.v",
                "--manifest",
                "b/manifest.json",
            ]
        )
        == 0
    )
    path = work / "b" / "u.v"
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("assign "))
    lines[at] = lines[at].replace("assign ", "assign = ", 1)
    path.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["sim", "b/u.v"]) == 2
    assert f"u.v:{at + 1}: syntax error" in capsys.readouterr().err
    (work / "broken.v").write_text("module broken(input a, output y);\n assign y = ;\nendmodule\n")
    assert main(["synth", "broken.v", "--top", "broken", "--no-cache"]) == 2
    assert _error(capsys).endswith("broken.v:2: ERROR: syntax error, unexpected ';'")


def test_tool_error_line_reads_verilator():
    from picojoule.base.tool_errors import tool_error_line

    log = "make: ...\n%Error: /x/u.v:57:10: syntax error, unexpected '='\n%Error: Exiting\n"
    assert tool_error_line(log) == "%Error: /x/u.v:57:10: syntax error, unexpected '='"


def test_energy_refuses_conflicts_and_reports_special_operands(work, capsys):
    assert main(["verilog", "--out", "v", "--only", "lmul_e4m3_int_add_nonsat_s0"]) == 0
    v = ["energy", "v/lmul_e4m3_int_add_nonsat_s0.v", "--top", "lmul_e4m3_int_add_nonsat_s0"]
    rng = np.random.default_rng(0)
    np.save(work / "a.npy", (rng.standard_normal((64, 64)) * 0.02).astype(np.float32))
    np.save(work / "b.npy", (rng.standard_normal((64, 64)) * 0.02).astype(np.float32))
    np.save(work / "c.npy", (rng.standard_normal((32, 128)) * 0.02).astype(np.float32))
    capsys.readouterr()
    for extra, words in (
        (["--format", "int8"], "--format int8 conflicts with the manifest"),
        (["--tensor", "a.npy", "--tensor-b", "c.npy"], "pass tensors of the same shape"),
        (["--tensor", "a.npy", "--n", "10"], "--n applies to --dist"),
        (["--scale", "absmax"], "--scale applies to --tensor"),
        (["--n", "1"], "--n 1 is out of range"),
    ):
        assert main([*v, *extra]) == 2, extra
        assert words in _error(capsys), extra
    assert main([*v, "--tensor", "a.npy", "--tensor-b", "b.npy"]) == 0
    out = capsys.readouterr().out
    assert "subnormal" in out and "warning:" in out
    assert main([*v, "--tensor", "a.npy", "--tensor-b", "b.npy", "--scale", "absmax"]) == 0
    assert "warning:" not in capsys.readouterr().out


def test_energy_format_b_drives_a_mixed_unit(work, capsys):
    assert main(["generate", "--kind", "fp_mul", "--a", "e4m3", "--b", "e5m2", "-o", "m.v"]) == 0
    top = "fp_mul_e4m3_e5m2_e4m3_nonsat_s0"
    assert (
        main(
            ["energy", "m.v", "--top", top, "--format", "e4m3", "--format-b", "e5m2", "--n", "200"]
        )
        == 0
    )
    assert "e4m3 x e5m2 operands" in capsys.readouterr().out
