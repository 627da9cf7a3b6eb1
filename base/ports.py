"""A manifest's ports, and what a testbench or the cost flow drives on them.

The export (`picojoule.hw.ports`) records each port of a generated module from its Amaranth
``component.signature``: ``{"direction": "in"|"out", "width": bits, "role": ROLE}`` with ROLE
one of `ROLES`. A ``payload`` port (the input stream's payload) also carries ``fields``:
``{field: {"offset": bit, "width": bits}}``, its operands; a stream member also names its
``stream`` (``i``, ``o``). `unit_ports` reads these records back into `UnitPorts`, the one place
that says which Verilog ports carry operands ``a`` and ``b``, the result, valid/ready and the
clock: the co-verification wrappers, the cocotb drivers and the cost flow all ask it.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["ROLES", "UnitPorts", "unit_ports", "port_widths"]

#: ``operand`` an input carrying an operand (field name: the operand), ``result`` an output
#: carrying the result, ``valid``/``ready`` a stream's handshake, ``payload`` an input stream's
#: payload (operands in ``fields``), ``control`` any other input, ``clock``, ``reset``.
ROLES = ("operand", "result", "valid", "ready", "payload", "control", "clock", "reset")


def _check_record(name, record):
    if not isinstance(record, dict) or {"direction", "width", "role"} - set(record):
        raise ValueError(
            f"port {name}: the manifest gives {record!r}, not a record with direction, width "
            f"and role; re-export the units (make verilog)"
        )
    if record["direction"] not in ("in", "out") or record["role"] not in ROLES:
        raise ValueError(f"port {name}: unknown direction or role in {record!r}")


def port_widths(ports):
    """Port name -> width of a manifest's ``ports`` records."""
    for name, record in ports.items():
        _check_record(name, record)
    return {name: int(record["width"]) for name, record in ports.items()}


@dataclass(frozen=True)
class UnitPorts:
    """Where a two-operand unit's operands, result and handshake are.

    Attributes
    ----------
    operands : dict
        ``{"a": (port, offset, width), "b": (...)}``: the port carrying each operand and its
        bit offset in it (0 for a port of its own).
    result : str
        The port carrying the result (``y`` or the output stream's payload).
    in_valid, in_ready, out_valid, out_ready, clock, reset : str or None
        Handshake and clock ports of a pipelined unit (None for a combinational one).
    widths : dict
        Every port's width.
    """

    operands: dict
    result: str
    widths: dict
    in_valid: str = None
    in_ready: str = None
    out_valid: str = None
    out_ready: str = None
    clock: str = None
    reset: str = None

    @property
    def pipelined(self):
        return self.clock is not None

    @property
    def operand_ports(self):
        """The input ports carrying operands, in order (one port for a stream payload)."""
        return list(dict.fromkeys(port for port, _, _ in self.operands.values()))

    def pack(self, port, values):
        """The values of ``port`` carrying the operand arrays ``values`` (``{"a": ..., ...}``),
        each at its offset, as uint64."""
        out = None
        for operand, (name, offset, _) in self.operands.items():
            if name == port:
                part = np.asarray(values[operand]).astype(np.uint64) << np.uint64(offset)
                out = part if out is None else out | part
        return out

    def drive(self, a, b):
        """``(streams, holds)`` that feed one operation per cycle: each operand port's values,
        and input valid / output ready held at 1 for a pipelined unit."""
        values = {"a": a, "b": b}
        streams = {port: self.pack(port, values) for port in self.operand_ports}
        holds = {name: 1 for name in (self.in_valid, self.out_ready) if name is not None}
        return streams, holds


def unit_ports(ports):
    """The `UnitPorts` of a unit's manifest ``ports`` (ValueError naming the fix if the records
    do not describe two operands and one result)."""
    widths = port_widths(ports)
    operands, result, named = {}, None, {}
    for name, record in ports.items():
        role = record["role"]
        if role == "operand":
            operands[record.get("field", name)] = (name, 0, int(record["width"]))
        elif role == "payload":
            for field, place in record.get("fields", {}).items():
                operands[field] = (name, int(place["offset"]), int(place["width"]))
        elif role == "result":
            result = name
        elif role in ("valid", "ready"):
            named[f"{'in' if record.get('stream') == 'i' else 'out'}_{role}"] = name
        elif role in ("clock", "reset"):
            named[role] = name
    if set(operands) != {"a", "b"} or result is None:
        raise ValueError(
            f"ports {', '.join(ports)} do not carry operands a, b and a result; re-export the "
            f"unit (make verilog)"
        )
    return UnitPorts(operands=operands, result=result, widths=widths, **named)
