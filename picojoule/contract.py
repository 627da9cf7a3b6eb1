"""The numeric contract as a Markdown table, rendered from the format and unit specs.

The README carries this table; a test checks that it matches, so the contract is stated
once (in `picojoule.models`) and only rendered here.
"""

from picojoule.models.formats import PRESETS, FloatFormat
from picojoule.models.lut_gemm import ACT_FORMATS, LutGemmSpec
from picojoule.models.units import UNIT_KINDS

_SPECIALS = {
    "ieee": "Inf; NaN = all-ones exponent, mantissa != 0",
    "fn": "no Inf; NaN = S.1..1.1..1 only",
    "fnuz": "no Inf, no -0; NaN = 1.0..0.0..0",
    "finite": "no Inf, no NaN (always saturates)",
}


def _value(x):
    return f"{x:.6g}"


def format_table():
    rows = [
        "| format | bits | E | M | bias | max finite | min subnormal | specials |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fmt in PRESETS.values():
        if isinstance(fmt, FloatFormat):
            rows.append(
                f"| {fmt.name} | {fmt.width} | {fmt.exponent_bits} | {fmt.mantissa_bits} | "
                f"{fmt.bias} | {_value(fmt.max_finite)} | {_value(fmt.min_subnormal)} | "
                f"{_SPECIALS[fmt.specials]} |"
            )
    ints = ", ".join(name for name, fmt in PRESETS.items() if not isinstance(fmt, FloatFormat))
    rows.append(f"| {ints} | 4-32 | | | | | | two's complement or unsigned; wraps |")
    return "\n".join(rows)


def unit_table():
    rows = ["| unit kind | contract |", "|---|---|"]
    for kind, cls in UNIT_KINDS.items():
        paragraphs = (cls.__doc__ or "").split("\n\n")[:2]
        doc = " ".join(" ".join(paragraphs).split()).replace("``", "`").replace("|", "\\|")
        rows.append(f"| `{kind}` | {doc} |")
    return "\n".join(rows)


def gemm_table():
    """The LUT mpGEMM contracts of the activation formats (`LutGemmSpec.contract`)."""

    rows = ["| LUT mpGEMM, activations | contract |", "|---|---|"]
    for act in ACT_FORMATS:
        spec = LutGemmSpec(act=act)
        rows.append(f"| {spec.act.name} | {spec.contract} |")
    return "\n".join(rows)


def block_table():
    """The block-scaled formats (`picojoule.models.mx_formats`) and their open choices."""
    from picojoule.models.mx_formats import MX_PRESETS, OPEN_CHOICES

    rows = ["| block format | element | k | scale | bits per element |", "|---|---|---|---|---|"]
    for fmt in MX_PRESETS.values():
        per = fmt.width / fmt.k
        rows.append(f"| {fmt.name} | {fmt.element.name} | {fmt.k} | {fmt.scale.name} | {per:g} |")
    choices = "\n".join(f"- {choice}." for choice in OPEN_CHOICES)
    return "\n".join(rows) + "\n\nChoices OCP MX v1.0 leaves open, as taken here:\n\n" + choices


def markdown():
    return (
        "Formats (`picojoule.models.formats`): round to nearest, ties to even; gradual "
        "underflow; overflow `nonsat` (Inf, or NaN without Inf) or `sat` (+-max finite).\n\n"
        f"{format_table()}\n\nUnits (`picojoule.models.units`):\n\n{unit_table()}\n\n"
        "Tensor-core GEMMs (`picojoule.models.lut_gemm`, default W2 K4; the float rounding "
        "order is stated in `LutGemmSpec`):\n\n"
        f"{gemm_table()}\n\n"
        "Block-scaled formats (`picojoule.models.mx_formats`; OCP MX v1.0 quantization, "
        "NVFP4 two-level scaling; dot products: `picojoule.models.mx_dot`):\n\n"
        f"{block_table()}\n"
    )
