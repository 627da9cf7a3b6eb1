"""The hardware face of the unit registry: each ``kind``'s Amaranth generator.

`GENERATORS` maps a kind of `picojoule.models.units.UNIT_KINDS` to its generator class (a
`picojoule.hw.pipeline.UnitComponent` subclass whose ``KIND`` names it); the export, the
co-verification and the cost flow build through `build`. Adding a unit kind: register its spec
class in `picojoule.models.units` and its generator here (`register_generator`).
"""

from picojoule.base.workers import share_registry
from picojoule.hw.fpadd import FpAddUnit
from picojoule.hw.fpmul import FpMulUnit
from picojoule.hw.intunits import IntAddUnit, IntMulUnit
from picojoule.hw.lmul import LMulUnit
from picojoule.hw.mx_dot import MxDotUnit

__all__ = ["GENERATORS", "register_generator", "build"]

GENERATORS = {}


def register_generator(cls):
    """Add the generator class ``cls`` under ``cls.KIND``; returns it (ValueError if taken).
    Spawned worker processes register it too (`picojoule.base.workers`)."""
    if not cls.KIND or cls.KIND in GENERATORS:
        raise ValueError(f"generator kind {cls.KIND!r} is missing or registered twice")
    GENERATORS[cls.KIND] = cls
    return cls


for _cls in (FpMulUnit, FpAddUnit, LMulUnit, IntMulUnit, IntAddUnit, MxDotUnit):
    register_generator(_cls)
share_registry(__name__, "GENERATORS")


def build(spec, *, fault=None):
    """The Amaranth component for ``spec`` (a spec from `picojoule.models.units`)."""
    try:
        generator = GENERATORS[spec.kind]
    except KeyError:
        raise ValueError(
            f"no generator for unit kind {spec.kind!r}; choose from {', '.join(GENERATORS)}"
        ) from None
    return generator(spec=spec, fault=fault)
