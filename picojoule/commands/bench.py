"""`picojoule bench`: every section in `picojoule.benchmarks`, figures with ratios."""

import importlib
import pkgutil
import time

from picojoule import benchmarks

HELP = (
    "run the performance benchmarks; each figure is printed with its ratio to a baseline "
    "from the same run"
)
DESCRIPTION = (
    f"{HELP}. Prints only; writes nothing but work files under the work folder (build/ in a "
    "checkout, else the user cache). Refuses an unknown SECTION."
)


def add_arguments(parser):
    parser.add_argument(
        "sections", nargs="*", metavar="SECTION", help="run only these sections (default: all)"
    )


def _sections():
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield info.name, importlib.import_module(f"{benchmarks.__name__}.{info.name}")


def _report(name, value, unit, *, baseline=None, target=None):
    """Print one figure; ``baseline`` is (label, value) measured in the same run."""
    line = f"  {name:<58} {value:>12.4g} {unit}"
    if baseline is not None:
        label, base = baseline
        line += f"   {value / base:6.2f}x {label}"
    if target is not None:
        line += f"   [target {target}]"
    print(line, flush=True)


def run(args):
    known = dict(_sections())
    wanted = args.sections or list(known)
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ValueError(f"unknown bench section {unknown[0]!r}; choose from {', '.join(known)}")
    for name in wanted:
        module = known[name]
        print(f"== {module.TITLE}", flush=True)
        start = time.perf_counter()
        module.run(_report)
        print(f"  ({time.perf_counter() - start:.1f} s)", flush=True)
    return 0
