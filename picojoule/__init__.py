"""picojoule: generate, verify and cost the arithmetic units of low-precision AI hardware.

The Python API (``import picojoule as pj``), stable across releases:

Formats (`picojoule.api_formats`; round to nearest even, saturating by default)
    ``pj.quantize(x, "e4m3")`` -> codes, ``pj.dequantize(codes, "e4m3")`` -> values,
    ``pj.round_to(x, "e4m3")`` -> values, ``pj.format_of("e4m3")`` -> the format spec.
Golden models on float arrays (`picojoule.api_golden`; inputs rounded to the format first)
    ``pj.lmul(x, y, fmt="e4m3", variant="int_add")``, ``pj.fp_mul(x, y, fmt="e4m3")``,
    ``pj.lmul_matmul(x, y, fmt="e4m3")``.
Units (`picojoule.api_unit`)
    ``u = pj.unit("lmul", a="e4m3")``; ``u.verilog()``, ``u.verify()``,
    ``u.synthesize(liberty=None)``, ``u.energy(dist="gaussian")`` or ``u.energy(a=x, b=y)``.
Errors
    ``pj.UserError``: bad input, with a message that names the fix.

Names are imported on first use, so ``import picojoule`` stays light.
"""

import importlib

__version__ = "0.1.0"

_API = {
    "quantize": "picojoule.api_formats",
    "dequantize": "picojoule.api_formats",
    "round_to": "picojoule.api_formats",
    "format_of": "picojoule.api_formats",
    "lmul": "picojoule.api_golden",
    "fp_mul": "picojoule.api_golden",
    "lmul_matmul": "picojoule.api_golden",
    "unit": "picojoule.api_unit",
    "Unit": "picojoule.api_unit",
    "UserError": "picojoule.base.errors",
}

__all__ = sorted(_API)


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'picojoule' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_API])
