"""A manifest's ports, and what a testbench or the cost flow drives on them.

The export (`picojoule.hw.ports`) records each port of a generated module from its Amaranth
``component.signature``: ``{"direction": "in"|"out", "width": bits, "role": ROLE}`` with ROLE
one of `ROLES`. A ``payload`` port (the input stream's payload) also carries ``fields``:
``{field: {"offset": bit, "width": bits}}``, its operands; a stream member also names its
``stream`` (``i``, ``o``). `unit_ports` reads these records back into `UnitPorts`, the one place
that says which Verilog ports carry operands ``a`` and ``b``, the result, valid/ready and the
clock: the co-verification wrappers, the cocotb drivers and the cost flow all ask it.

A Verilog module with no records (hand-written, or exported without a manifest) is read by
`ports_by_name`, picojoule's naming convention and nothing else: operands on inputs ``a`` and
``b``, or on a stream payload ``i__payload`` (``a`` in the low half, ``b`` in the high half) with
``i__valid``/``o__ready`` held high; the result on ``y``, ``o__payload`` or the one output.
"""

from dataclasses import dataclass

import numpy as np

__all__ = ["ROLES", "UnitPorts", "unit_ports", "port_widths", "ports_by_name", "operand_bits"]

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
        each at its offset: uint64 per operation for a port of at most 64 bits, else
        (operations, ceil(width / 64)) uint64 words, word j holding bits [64 j, 64 j + 64)
        (how the gate simulators take a wide port). An operand wider than 64 bits (a block
        word) is given as such words too, or as Python integers."""
        width = self.widths[port]
        placed = [
            (values[operand], offset, bits)
            for operand, (name, offset, bits) in self.operands.items()
            if name == port
        ]
        if width <= 64:
            out = None
            for codes, offset, _ in placed:
                part = np.asarray(codes).astype(np.uint64) << np.uint64(offset)
                out = part if out is None else out | part
            return out
        n = len(placed[0][0])
        bits = np.zeros((n, -(-width // 64) * 64), dtype=np.uint8)
        for codes, offset, size in placed:
            bits[:, offset : offset + size] = operand_bits(codes, size)
        return np.packbits(bits, axis=1, bitorder="little").view("<u8").astype(np.uint64)

    def drive(self, a, b):
        """``(streams, holds)`` that feed one operation per cycle: each operand port's values,
        and input valid / output ready held at 1 for a pipelined unit."""
        values = {"a": a, "b": b}
        streams = {port: self.pack(port, values) for port in self.operand_ports}
        holds = {name: 1 for name in (self.in_valid, self.out_ready) if name is not None}
        return streams, holds


def operand_bits(codes, width):
    """(operations, width) 0/1 uint8 of an operand stream: one integer per operation (Python
    integers of any size, or numpy integers), or (operations, words) uint64 words, word j
    holding bits [64 j, 64 j + 64)."""
    codes = np.asarray(codes)
    words = -(-width // 64)
    if codes.ndim == 2:
        if codes.shape[1] != words:
            raise ValueError(f"a {width}-bit operand takes {words} words, got {codes.shape[1]}")
        stacked = codes.astype("<u8")
    elif codes.dtype == object:
        mask = (1 << 64) - 1
        stacked = np.array(
            [[(int(x) >> (64 * j)) & mask for j in range(words)] for x in codes], dtype="<u8"
        ).reshape(len(codes), words)
    else:
        stacked = np.zeros((len(codes), words), dtype="<u8")
        stacked[:, 0] = codes.astype(np.uint64)
    bits = np.unpackbits(stacked.view(np.uint8), axis=1, bitorder="little")
    return bits[:, :width]


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


#: Handshake and clock ports of the naming convention: name -> (role, stream).
_CONVENTION = {
    "i__valid": ("valid", "i"),
    "i__ready": ("ready", "i"),
    "o__valid": ("valid", "o"),
    "o__ready": ("ready", "o"),
    "clk": ("clock", None),
    "rst": ("reset", None),
}


def ports_by_name(ports, *, a_width=None):
    """The `UnitPorts` of a module without port records, by the naming convention of this
    module's docstring. ``ports``: name -> (direction ``"in"``/``"input"`` or ``"out"``/
    ``"output"``, width); ``a_width`` splits ``i__payload`` (default: in halves). ValueError
    in one line when the names do not tell."""
    widths = {name: int(width) for name, (_, width) in ports.items()}
    outputs = [name for name, (direction, _) in ports.items() if direction.startswith("out")]
    records = {}
    for name, (role, stream) in _CONVENTION.items():
        if name in ports:
            direction = "in" if ports[name][0].startswith("in") else "out"
            records[name] = {"direction": direction, "width": 1, "role": role}
            if stream:
                records[name]["stream"] = stream
    if "a" in ports and "b" in ports:
        for name in ("a", "b"):
            records[name] = {"direction": "in", "width": widths[name], "role": "operand"}
    elif "i__payload" in ports:
        width = widths["i__payload"]
        low = width // 2 if a_width is None else a_width
        if a_width is None and width % 2:
            raise ValueError(
                f"i__payload has {width} bits, which do not split into two equal operands; "
                "name the operand ports with --ports A,B"
            )
        records["i__payload"] = {
            "direction": "in",
            "width": width,
            "role": "payload",
            "stream": "i",
            "fields": {
                "a": {"offset": 0, "width": low},
                "b": {"offset": low, "width": width - low},
            },
        }
    else:
        raise ValueError(
            f"cannot tell the operand ports among {', '.join(sorted(ports)) or 'no ports'} "
            "(no port records; by name: a and b, or i__payload); name them with --ports A,B"
        )
    result = next((n for n in ("y", "o__payload") if n in outputs), None)
    if result is None and len([n for n in outputs if n not in records]) == 1:
        result = next(n for n in outputs if n not in records)
    if result is None:
        raise ValueError(
            f"cannot tell the result port among the outputs {', '.join(outputs) or '(none)'} "
            "(by name: y or o__payload)"
        )
    records[result] = {"direction": "out", "width": widths[result], "role": "result"}
    return unit_ports(records)
