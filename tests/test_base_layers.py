"""The layers read one way, checked on the source with `ast`.

base <- models <- hw <- sim, and models/hw <- cost: a package imports only the layers below it
(and itself); none of them imports the top package's report, CLI or benchmark modules. No
module imports itself through a cycle (module-level and function-local imports alike). A
function-local import in the layers is allowed only with a comment on its line or the line
above saying why (a heavy dependency loaded only when needed); the top package (CLI, report,
benchmarks, API, sweep) is not checked for it yet (see LAZY_PACKAGES).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Source folder -> package, as pyproject.toml's package-dir installs them.
PACKAGES = {
    "base": "picojoule.base",
    "models": "picojoule.models",
    "hw": "picojoule.hw",
    "sim": "picojoule.sim",
    "cost": "picojoule.cost",
    "picojoule": "picojoule",
}
#: What each layer may import of picojoule (besides itself).
ALLOWED = {
    "picojoule.base": (),
    "picojoule.models": ("picojoule.base",),
    "picojoule.hw": ("picojoule.base", "picojoule.models"),
    "picojoule.sim": ("picojoule.base", "picojoule.models", "picojoule.hw"),
    "picojoule.cost": ("picojoule.base", "picojoule.models", "picojoule.hw"),
}
LAYERS = tuple(ALLOWED)
#: The function-local-import rule is enforced in the layers (base, models, hw, sim, cost). The
#: top package is exempt: the CLI (cli.py, its commands) and the benchmark sections, whose
#: package docstrings state why (the CLI must start without loading every layer), and, not yet
#: justified import by import, the report modules, the Python API facade and the sweep package.
LAZY_PACKAGES = ("picojoule.",)


def _modules():
    """Module name -> source path of every picojoule module."""
    out = {}
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


MODULES = _modules()


def _resolve(name):
    """The picojoule module an imported name refers to (the longest known prefix), or None."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(path):
    """(imported picojoule module, line, is function-local) of every import in ``path``."""
    tree = ast.parse(path.read_text())
    local_lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    local_lines.add(inner.lineno)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            found.append((name, node.lineno, node.lineno in local_lines))
    return found


def _layer(module):
    return next(
        (layer for layer in LAYERS if module == layer or module.startswith(layer + ".")), None
    )


def test_the_source_tree_is_mapped():
    assert {"picojoule.models.units", "picojoule.hw.export", "picojoule.cost.tiles"} <= set(MODULES)
    assert _layer("picojoule.report_lut") is None and _layer("picojoule.hw.tiles") == "picojoule.hw"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _layer(m)))
def test_layer_imports_only_the_layers_below(module):
    own = _layer(module)
    for name, line, _ in _imports(MODULES[module]):
        target = _resolve(name)
        if target is None or _layer(target) == own:
            continue
        assert _layer(target) in ALLOWED[own], (
            f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}: {own} may import "
            f"only {', '.join(ALLOWED[own]) or 'itself'}"
        )


def _find_cycle(graph):
    """One import cycle of ``graph`` (module -> imported modules) as a list, or None."""
    state, stack = {}, []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "open":
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_no_import_cycles():
    graph = {
        module: {t for name, _, _ in _imports(path) if (t := _resolve(name)) and t != module}
        for module, path in MODULES.items()
    }
    # a package's __init__ importing its own submodules is how a package exposes them
    for module in graph:
        graph[module] = {t for t in graph[module] if not module.startswith(t + ".")}
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_a_cycle_through_function_local_imports_is_found(tmp_path):
    """Function-local imports count: a pair that imports each other inside functions is a
    cycle, as timingsim and timing_lanes were before their shared part moved out."""
    lanes = tmp_path / "lanes.py"
    lanes.write_text("def f():\n    from picojoule.cost.timingsim import TimingPlan\n")
    graph = {
        "picojoule.cost.timingsim": {"picojoule.cost.timing_lanes"},
        "picojoule.cost.timing_lanes": {_resolve(name) for name, _, _ in _imports(lanes)},
        "picojoule.cost.timing_plan": set(),
    }
    assert _find_cycle(graph) == [
        "picojoule.cost.timing_lanes",
        "picojoule.cost.timingsim",
        "picojoule.cost.timing_lanes",
    ]
    graph["picojoule.cost.timing_lanes"] = {"picojoule.cost.timing_plan"}
    assert _find_cycle(graph) is None


def test_function_local_imports_say_why():
    for module, path in MODULES.items():
        if module.startswith(LAZY_PACKAGES) and not _layer(module):
            continue
        lines = path.read_text().splitlines()
        for name, line, local in _imports(path):
            if not local:
                continue
            here, above = lines[line - 1], lines[line - 2] if line > 1 else ""
            assert "#" in here or above.strip().startswith("#"), (
                f"{path.relative_to(ROOT)}:{line} imports {name} inside a function without a "
                f"comment saying why; import it at the top of the module"
            )


#: The steps of the cost flow and the studies' operand generation: the report modules build
#: jobs, run them and render their records, but never call these themselves.
REPORT_MAY_NOT_CALL = (
    "picojoule.cost.synth.synthesize",
    "picojoule.cost.energy.estimate",
    "picojoule.cost.units.cost_unit",
    "picojoule.cost.tile_streams",
    "picojoule.cost.tile_cost",
    "picojoule.cost.operands.operand_stream",
    "picojoule.models.operands",
)


def _report_calls(path):
    """The imports of ``path`` that `REPORT_MAY_NOT_CALL` lists."""
    return [
        (name, line)
        for name, line, _ in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in REPORT_MAY_NOT_CALL)
    ]


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("picojoule.report")))
def test_the_report_only_renders(module):
    found = _report_calls(MODULES[module])
    assert not found, (
        f"{MODULES[module].relative_to(ROOT)}:{found[0][1]} imports {found[0][0]}; the report "
        "renders records: put the computation in cost/ or models/ and call that"
    )


def test_the_report_rule_catches_a_costing_report(tmp_path):
    source = tmp_path / "report_x.py"
    source.write_text(
        "from picojoule.cost.synth import yosys_version\n"
        "def f():\n    from picojoule.cost.synth import synthesize\n"
        "    from picojoule.models.operands import operand_stream\n"
    )
    assert _report_calls(source) == [
        ("picojoule.cost.synth.synthesize", 3),
        ("picojoule.models.operands.operand_stream", 4),
    ]


def test_the_rules_catch_violations(tmp_path):
    """The checks are not vacuous: a cost module importing the report is a violation."""
    assert _layer(_resolve("picojoule.report_lut.lut_blocks")) not in ALLOWED["picojoule.cost"]
    assert _resolve("picojoule.cost.tiles.COST_FACTS") == "picojoule.cost.tiles"
    source = tmp_path / "bad.py"
    source.write_text("def f():\n    from picojoule.report_lut import lut_blocks\n")
    assert _imports(source) == [("picojoule.report_lut.lut_blocks", 2, True)]
