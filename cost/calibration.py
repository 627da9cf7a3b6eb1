"""Calibration: our default-library estimates beside Horowitz' 45 nm figures (his, not ours).

M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014: energy
per operation and area in a 45 nm process at 0.9 V. We estimate the same operations with the
built-in Nangate45 table evaluated at his 0.9 V supply (the only adjustment: a stated operating
point, no fitted factor), 1 GHz, on uniform random operand codes, glitches included (the
timing-aware energy of :func:`picojoule.cost.energy.estimate`); the zero-delay figure and the
split into switching, internal and leakage energy are kept beside it to say where any excess
over his figure comes from. The goal: each ratio ours / his within a factor of 2.

The excess is not an accounting error (checked against the Liberty semantics,
:mod:`picojoule.cost.library`): internal energy is the mean of rise_power and fall_power per
output transition (NanGate45 puts a cell's internal energy on its rising edge and ~0 on the
falling one, so a glitch's two edges count once each), its tables exclude the load's charge
(slopes <= 0.054 fJ/fF against 0.6 fJ/fF for 1/2 C V^2 at 1.1 V), so it does not overlap the
switching term; combinational cells have no hidden
input-pin power; internal energy scales with (V / V_nom)^2. The operand nets (input pins and
their wire) count as the unit's (21-22% of the int8/int32 adders' energy, 10% of the int8
multiplier's, measured 2026-11-26). What remains is measured: the
transitions per operation (glitches; single-output X1 gates, as ABC maps no adder cells) times
the energy per transition (switching on pin + wire-load capacitance, plus the library's internal
energy, about 40% of it).
"""

from dataclasses import dataclass

from picojoule.base.references import HOROWITZ_45NM
from picojoule.cost.energy import estimate
from picojoule.cost.operands import operand_stream

#: Horowitz' supply for the figures in :data:`picojoule.base.references.HOROWITZ_45NM`.
HOROWITZ_VOLTAGE = 0.9


@dataclass(frozen=True)
class CalibrationRow:
    operation: str
    energy_pj: float
    horowitz_pj: float
    area_um2: float
    horowitz_area_um2: float
    energy_pj_zero_delay: float = None
    glitch_fraction: float = 0.0

    @property
    def ratio(self):
        return self.energy_pj / self.horowitz_pj

    @property
    def area_ratio(self):
        return self.area_um2 / self.horowitz_area_um2


def calibrate(units, *, n=100_000, seed=1, clock_ghz=1.0, cache_dir="default", progress=None):
    """One :class:`CalibrationRow` per operation in ``units``.

    Parameters
    ----------
    units : dict
        Operation name (a key of :data:`HOROWITZ_45NM`) -> ``(verilog, top, fmt_a, fmt_b)``;
        the unit's operand ports are ``a`` and ``b``.
    """
    rows = []
    for operation, (verilog, top, fmt_a, fmt_b) in units.items():
        if operation not in HOROWITZ_45NM:
            raise ValueError(
                f"no Horowitz figure for {operation!r}; choose from {', '.join(HOROWITZ_45NM)}"
            )
        streams = {
            "a": operand_stream(fmt=fmt_a, dist="uniform", n=n, seed=seed),
            "b": operand_stream(fmt=fmt_b, dist="uniform", n=n, seed=seed + 1),
        }
        synth, energy = estimate(
            verilog=verilog,
            top=top,
            streams=streams,
            voltage=HOROWITZ_VOLTAGE,
            clock_ghz=clock_ghz,
            cache_dir=cache_dir,
            progress=progress,
        )
        his_pj, his_area = HOROWITZ_45NM[operation]
        rows.append(
            CalibrationRow(
                operation,
                energy.energy_pj_per_op,
                his_pj,
                synth.area_um2,
                his_area,
                energy_pj_zero_delay=energy.energy_pj_per_op_zero_delay,
                glitch_fraction=energy.glitch_fraction,
            )
        )
    return rows


def markdown_table(rows):
    lines = [
        "| operation | ours pJ (0.9 V) | zero-delay pJ | glitch share | Horowitz pJ (his) | ratio "
        "| ours um^2 | Horowitz um^2 (his) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.operation} | {r.energy_pj:.3f} | {r.energy_pj_zero_delay:.3f} | "
            f"{100 * r.glitch_fraction:.1f}% | {r.horowitz_pj} | {r.ratio:.2f} | "
            f"{r.area_um2:.0f} | {r.horowitz_area_um2} |"
        )
    return "\n".join(lines) + "\n"
