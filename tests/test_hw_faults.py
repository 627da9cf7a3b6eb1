"""The fault registry: every fault reaches a fault point of each kind it applies to, and its
coverage by observable units is stated once, here (the runs are tests/test_hw_units.py and
tests/test_sim_faults.py). Generators take faults through one hook, never as a branch."""

import ast
from pathlib import Path

import pytest
from amaranth.back import verilog

from picojoule.hw import faults
from picojoule.hw.export import verilog_source
from picojoule.hw.registry import build

HW = Path(faults.__file__).parent


def test_every_fault_is_observable_on_each_kind_it_applies_to():
    for name, fault in faults.FAULTS.items():
        kinds = {spec.kind for spec in fault.observable_on}
        assert kinds == set(fault.kinds), name
        assert fault.points, name


@pytest.mark.parametrize(
    "name, spec",
    [(n, s) for n, f in faults.FAULTS.items() for s in f.observable_on],
    ids=lambda x: getattr(x, "name", x),
)
def test_each_fault_changes_the_generated_logic(name, spec):
    component = build(spec, fault=name)
    faulty = verilog.convert(component, name=spec.name, emit_src=False)
    assert component.fault_point.applied <= set(faults.FAULTS[name].points)
    assert component.fault_point.applied, f"{name} reached no fault point of {spec.name}"
    assert faulty != verilog_source(spec)


def test_generators_do_not_branch_on_faults():
    """No generator reads the fault's name: the hook is the only way a fault enters."""
    for path in sorted(HW.glob("*.py")):
        if path.name == "faults.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "fault":
                raise AssertionError(f"{path.name}:{node.lineno} reads .fault; use the fault hook")
            if isinstance(node, ast.Constant) and node.value in faults.FAULTS:
                raise AssertionError(f"{path.name}:{node.lineno} names fault {node.value!r}")
