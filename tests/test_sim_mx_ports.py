"""The mx_dot block wrapper connects the ports the manifest's records name, not ``a``/``b``/``y``."""

import dataclasses

from picojoule.models.mx_unit import MxDot
from picojoule.sim.design import export_designs
from picojoule.sim.mx_verify import co_verify_mx

SHELL = """
module renamed_mx(input [{wa}:0] blk_a, input [{wb}:0] blk_b, output [{wy}:0] dot);
  {top} inner (.a(blk_a), .b(blk_b), .y(dot));
endmodule
"""


def test_a_unit_with_other_port_names_is_verified(tmp_path):
    spec = MxDot(a="e2m1", k=1)
    (design,) = export_designs([spec], tmp_path / "verilog")
    widths = {name: record["width"] for name, record in design.ports.items()}
    verilog = design.verilog.read_text() + SHELL.format(
        top=design.top, wa=widths["a"] - 1, wb=widths["b"] - 1, wy=widths["y"] - 1
    )
    path = tmp_path / "renamed_mx.v"
    path.write_text(verilog)
    ports = {
        "blk_a": {**design.ports["a"], "field": "a"},
        "blk_b": {**design.ports["b"], "field": "b"},
        "dot": design.ports["y"],
    }
    renamed = dataclasses.replace(design, top="renamed_mx", verilog=path, ports=ports)
    verdict = co_verify_mx(renamed, count=200, seed=1, build_root=tmp_path / "sim")
    assert verdict.passed and verdict.vectors >= 200, "\n".join(verdict.examples)
