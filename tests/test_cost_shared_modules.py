"""Repeated sub-blocks are merged into one module and synthesized once, with the same logic:
the merged design's netlist computes what the flat one computes."""

import numpy as np
import pytest

from picojoule.cost import synth as synth_module
from picojoule.cost.gatesim import simulate
from picojoule.cost.shared_modules import merge_repeated_modules
from picojoule.cost.synth import synthesize, yosys_script

ADD = """  input [3:0] a;
  input [3:0] b;
  output [4:0] y;
  assign y = a + b;
endmodule
"""

DESIGN = (
    '(* top =  1  *)\n(* generator = "Amaranth" *)\n'
    "module top(x, w, z, s);\n  input [3:0] x;\n  input [3:0] w;\n  input [3:0] z;\n"
    "  output [5:0] s;\n  wire [4:0] p;\n  wire [4:0] q;\n"
    "  \\top.add0  add0 (\n    .a(x),\n    .b(w),\n    .y(p)\n  );\n"
    "  \\top.add1  add1 (\n    .a(z),\n    .b(w),\n    .y(q)\n  );\n"
    "  \\top.sub0  sub0 (\n    .a(x),\n    .b(z),\n    .y()\n  );\n"
    "  assign s = p + q;\nendmodule\n\n"
    '(* generator = "Amaranth" *)\nmodule \\top.add0 (a, b, y);\n' + ADD + "\n"
    '(* generator = "Amaranth" *)\nmodule \\top.add1 (a, b, y);\n' + ADD + "\n"
    '(* generator = "Amaranth" *)\nmodule \\top.sub0 (a, b, y);\n' + ADD.replace("a + b", "a - b")
)


def test_equal_modules_merge_and_their_instances_follow():
    merged, count = merge_repeated_modules(DESIGN)
    assert count == 1
    assert "module \\top.add1 " not in merged
    assert "\\top.add0  add1 (" in merged  # the instance now names the kept module
    assert "module \\top.sub0 " in merged  # a different body stays
    assert merged.count('(* generator = "Amaranth" *)') == 3  # the merged one's attribute went
    assert merged.rstrip().endswith("endmodule")


def test_distinct_modules_are_left_alone():
    text = DESIGN.replace("\\top.add1", "\\top.add1x").replace(
        "module \\top.add1x (a, b, y);\n" + ADD,
        "module \\top.add1x (a, b, y);\n" + ADD.replace("a + b", "a ^ b"),
    )
    assert merge_repeated_modules(text) == (text, 0)


def test_port_order_is_part_of_a_module():
    text = DESIGN.replace("module \\top.add1 (a, b, y);", "module \\top.add1 (b, a, y);")
    assert merge_repeated_modules(text)[1] == 0


def test_the_script_synthesizes_by_sub_block_only_when_asked():
    flat = yosys_script(files=["a.v"], top="top")
    by_block = yosys_script(files=["a.v"], top="top", by_sub_block=True)
    assert "-flatten" in flat and "\nflatten\n" not in flat
    assert "-flatten" not in by_block and "\nflatten\n" in by_block
    assert by_block.index("flatten") < by_block.index("abc -liberty")


@pytest.mark.parametrize("by_sub_block", [False, True])
def test_merged_design_computes_the_same(tmp_path, by_sub_block, monkeypatch):
    scripts = []
    run_yosys = synth_module._run_yosys

    def recording(exe, sources, top, lib_text, script):
        scripts.append(script)
        return run_yosys(exe, sources, top, lib_text, script)

    monkeypatch.setattr(synth_module, "_run_yosys", recording)
    path = tmp_path / "top.v"
    path.write_text(DESIGN)
    synth = synthesize(
        verilog=path, top="top", cache_dir=None, progress=None, by_sub_block=by_sub_block
    )
    assert ("\nflatten\n" in scripts[0]) == by_sub_block
    rng = np.random.default_rng(5)
    x, w, z = (rng.integers(0, 16, 300) for _ in range(3))
    sim = simulate(synth.netlist, inputs={"x": x, "w": w, "z": z}, record_outputs=True)
    np.testing.assert_array_equal(sim.outputs["s"], x + w + z + w)


class _Stop(Exception):
    pass


@pytest.mark.parametrize("core, by_sub_block", [("lut", True), ("mac-int", False)])
def test_float_tiles_are_synthesized_by_sub_block(tmp_path, monkeypatch, core, by_sub_block):
    from picojoule.cost import tile_cost
    from picojoule.cost.tiles import cost_tiles

    entry = next(e for e in cost_tiles() if e.core == core and e.spec.is_float == (core == "lut"))
    asked = {}

    def stop(**kwargs):
        asked.update(kwargs)
        raise _Stop

    monkeypatch.setattr(tile_cost, "synthesize", stop)
    with pytest.raises(_Stop):
        tile_cost.cost_tile_group(
            [entry], hardware="module cost_tile;\nendmodule\n", out_dir=tmp_path
        )
    assert asked["by_sub_block"] is by_sub_block
