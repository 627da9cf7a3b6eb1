"""Liberty text for a :class:`~picojoule.cost.library.CellLibrary` (what Yosys and ABC read).

Used for the built-in default library, which is a Python table rather than a file. Each cell
gets its area, pin directions and capacitances, functions, ``ff`` group, and a timing arc per
input whose delay and transition are the table's linear load model ``d0 + d1 * C`` sampled at
two loads (ABC's mapper reads these to trade delay against area). The transition tables repeat
the delay figures: the table keeps no separate slew, and ABC only needs a consistent estimate.
"""

_LOADS = (0.0, 20.0)
_SLEWS = (0.001, 0.2)


def _table(kind, values):
    row = f'"{values[0]:.6f}, {values[1]:.6f}"'
    return (
        f'        {kind}(delay_template) {{ index_1 ("{_SLEWS[0]}, {_SLEWS[1]}"); '
        f'index_2 ("{_LOADS[0]}, {_LOADS[1]}"); values ({row}, {row}); }}\n'
    )


def liberty_text(library):
    """A small, valid Liberty file holding the library's cells."""
    out = [
        f"library ({library.name}) {{\n",
        '  delay_model : table_lookup;\n  time_unit : "1ns";\n  voltage_unit : "1V";\n',
        '  leakage_power_unit : "1nW";\n  capacitive_load_unit (1, ff);\n',
        f"  nom_voltage : {library.voltage};\n  nom_temperature : 25;\n  nom_process : 1;\n",
        "  lu_table_template (delay_template) {\n    variable_1 : input_net_transition;\n"
        "    variable_2 : total_output_net_capacitance;\n"
        f'    index_1 ("{_SLEWS[0]}, {_SLEWS[1]}");\n    index_2 ("{_LOADS[0]}, {_LOADS[1]}");\n  }}\n',
    ]
    for cell in library.cells.values():
        out.append(f"  cell ({cell.name}) {{\n    area : {cell.area_um2};\n")
        out.append(f"    cell_leakage_power : {cell.leakage_nw};\n")
        if cell.flop:
            f = cell.flop
            out.append(
                f'    ff ({f.state}, {f.state_n}) {{\n      next_state : "{f.next_state}";\n'
                f'      clocked_on : "{f.clocked_on}";\n'
            )
            if f.clear:
                out.append(f'      clear : "{f.clear}";\n')
            if f.preset:
                out.append(f'      preset : "{f.preset}";\n')
            out.append("    }\n")
        for pin, cap in cell.inputs.items():
            clock = "      clock : true;\n" if pin == cell.clock_pin else ""
            out.append(
                f"    pin ({pin}) {{\n      direction : input;\n{clock}      capacitance : {cap};\n    }}\n"
            )
        for pin, function in cell.outputs.items():
            out.append(
                f'    pin ({pin}) {{\n      direction : output;\n      function : "{function}";\n'
            )
            d0, d1 = cell.delay_ns[pin]
            values = [d0 + d1 * load for load in _LOADS]
            related = [cell.clock_pin] if cell.flop else list(cell.inputs)
            for rel in related:
                out.append(f'      timing () {{\n        related_pin : "{rel}";\n')
                if cell.flop:
                    out.append("        timing_type : rising_edge;\n")
                for kind in ("cell_rise", "cell_fall", "rise_transition", "fall_transition"):
                    out.append(_table(kind, values))
                out.append("      }\n")
            out.append("    }\n")
        out.append("  }\n")
    out.append("}\n")
    return "".join(out)
