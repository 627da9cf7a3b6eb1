"""The one cocotb harness: images cached by content under a lock, failures named by the
simulator's own error line (file and line), for unit co-verification and GEMMs alike."""

import threading

import pytest

from picojoule.base import cache
from picojoule.base.errors import UserError
from picojoule.sim import gemm, harness, simulators

GOOD = "module pass_through(input wire [3:0] a, output wire [3:0] y);\n  assign y = a;\nendmodule\n"
BAD = "module broken(input wire a, output wire y);\n  assign y = ;\nendmodule\n"


def _build(root, text=GOOD, top="pass_through", **kw):
    return harness.build(
        simulator="icarus", top=top, name=top, sources={f"{top}.v": text}, build_root=root, **kw
    )


def test_image_is_reused_for_the_same_content(tmp_path):
    first = _build(tmp_path)
    again = _build(tmp_path)
    assert again.folder == first.folder and again.build_seconds == 0.0
    other = _build(tmp_path, text=GOOD.replace("assign y = a", "assign y = ~a"))
    assert other.folder != first.folder


def test_image_key_holds_the_simulator_version_and_the_source(tmp_path, monkeypatch):
    first = _build(tmp_path).folder
    version = simulators.simulator_version

    monkeypatch.setattr(simulators, "simulator_version", lambda s: version(s) + " (newer)")
    newer = _build(tmp_path).folder
    assert newer != first
    monkeypatch.setattr(simulators, "simulator_version", version)

    digest = cache.source_digest
    monkeypatch.setattr(cache, "source_digest", lambda *p: "edited " + digest(*p))
    assert _build(tmp_path).folder not in (first, newer)


def test_concurrent_builders_build_once(tmp_path):
    calls = []

    def sources():
        calls.append(1)
        return {"pass_through.v": GOOD}

    def build():
        images.append(
            harness.build(
                simulator="icarus",
                top="pass_through",
                name="pass_through",
                sources=sources,
                content=("pass_through v1",),
                build_root=tmp_path,
            )
        )

    images = []
    threads = [threading.Thread(target=build) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(images) == 3 and len({i.folder for i in images}) == 1
    assert len(calls) == 1


def test_build_failure_names_the_verilog_line_and_is_retried(tmp_path):
    with pytest.raises(harness.SimulationError) as error:
        _build(tmp_path, text=BAD, top="broken")
    first_line = str(error.value).splitlines()[0]
    assert first_line.startswith("icarus could not build broken: ")
    assert "broken.v:2: syntax error" in first_line
    assert isinstance(error.value, UserError)  # the CLI prints this one line
    with pytest.raises(harness.SimulationError):  # a failed image is not reused as built
        _build(tmp_path, text=BAD, top="broken")


def test_gemm_failure_names_the_testbench_line(tmp_path):
    spec = gemm.tile_spec("lut", n=8)
    a, w = gemm.random_operands(spec, m=2, n=8, k=8, seed=0)
    with pytest.raises(harness.SimulationError) as error:
        gemm.run_gemm(
            core="lut", a=a, w=w, spec=spec, build_root=tmp_path, timeout_cycles=3, drive="step"
        )
    first_line = str(error.value).splitlines()[0]
    assert "icarus run of gemm_top" in first_line
    assert "gemm_tb.py:" in first_line and "GEMM not done within 3 cycles" in first_line
    log = first_line.split("(log: ")[1].rstrip(")")
    assert "GEMM not done" in open(log).read()  # the failed run's folder is kept


@pytest.mark.parametrize(
    "log, line",
    [
        (
            "/b/unit.v:12: syntax error\n/b/unit.v:12: error: bad assignment\n",
            "/b/unit.v:12: syntax error",
        ),
        (
            "- V e r i l a t i o n\n%Error: unit.v:3:14: syntax error, unexpected ';'\n"
            "%Error: Exiting due to 1 error(s)\n",
            "%Error: unit.v:3:14: syntax error, unexpected ';'",
        ),
        (
            "VCD info\nERROR: wrapper.v:40: $readmemh: no file\n",
            "ERROR: wrapper.v:40: $readmemh: no file",
        ),
        (
            "  0.00ns INFO  cocotb  running\n"
            "  65.00ns WARNING  cocotb.regression  gemm failed\n"
            "       Traceback (most recent call last):\n"
            '         File "/src/sim/gemm_tb.py", line 45, in gemm\n'
            "           await with_timeout(done(dut), 30, 'ns')\n"
            '         File "/v/site-packages/cocotb/_extended_awaitables.py", line 360, in w\n'
            "           raise SimTimeoutError\n"
            "       cocotb.triggers.SimTimeoutError\n",
            "gemm_tb.py:45: SimTimeoutError",
        ),
        ("nothing to see\n", None),
    ],
)
def test_error_line(log, line):
    assert harness.error_line(log) == line
