"""The one map from a spec's ``kind`` to its generator; everything else iterates over it."""

from picojoule.hw.fpadd import FpAddUnit
from picojoule.hw.fpmul import FpMulUnit
from picojoule.hw.intunits import IntAddUnit, IntMulUnit
from picojoule.hw.lmul import LMulUnit
from picojoule.hw.mx_dot import MxDotUnit

__all__ = ["GENERATORS", "build"]

GENERATORS = {
    cls.KIND: cls for cls in (FpMulUnit, FpAddUnit, LMulUnit, IntMulUnit, IntAddUnit, MxDotUnit)
}


def build(spec, *, fault=None):
    """The Amaranth component for ``spec`` (a spec from `picojoule.models.units`)."""
    try:
        generator = GENERATORS[spec.kind]
    except KeyError:
        raise ValueError(
            f"no generator for unit kind {spec.kind!r}; choose from {', '.join(GENERATORS)}"
        ) from None
    return generator(spec=spec, fault=fault)
