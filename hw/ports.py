"""The manifest's port records, taken from a component's ``signature`` (never from Verilog text).

`port_records(component, clocked=...)` lists every port of the Verilog module Amaranth writes for
``component``: the name Amaranth gives it (the signature path joined by ``__``), its direction,
width and role (see `picojoule.base.ports`, which reads them back):

* a member of a `amaranth.lib.stream` interface (``valid``, ``ready``, ``payload``) gets role
  ``valid``/``ready``; an input stream's payload is ``payload`` with its struct fields (the
  operands) and their bit offsets; an output stream's payload is the ``result``;
* any other input is an ``operand`` (its name is the operand's), any other output a ``result``,
  unless ``roles`` names another role for it (``control`` for a tile's control inputs);
* ``clocked`` adds ``clk`` and ``rst`` (the ``sync`` domain Amaranth creates), first, as Amaranth
  writes them.
"""

from amaranth.hdl import Shape
from amaranth.lib import data, stream, wiring

__all__ = ["port_records"]


def _width(shape):
    return Shape.cast(shape).width


def _flow(member):
    return "in" if member.flow == wiring.In else "out"


def _members(signature, path=()):
    """(path, member, stream name or None) of every leaf port member; a member's signature is
    already flipped for an ``In`` interface, so its members' flows are the component's."""
    for name, member in signature.members.items():
        here = (*path, str(name))
        if member.is_port:
            yield here, member, None
        elif isinstance(member.signature, stream.Signature):
            for leaf, inner in member.signature.members.items():
                yield (*here, leaf), inner, here[-1]
        else:
            yield from _members(member.signature, here)


def port_records(component, *, clocked=False, roles=None):
    """Verilog port name -> ``{"direction", "width", "role", ...}`` of ``component``."""
    roles = roles or {}
    records = {}
    if clocked:
        records["clk"] = {"direction": "in", "width": 1, "role": "clock"}
        records["rst"] = {"direction": "in", "width": 1, "role": "reset"}
    for path, member, stream_name in _members(component.signature):
        name = "__".join(path)
        direction = _flow(member)
        record = {"direction": direction, "width": _width(member.shape)}
        if stream_name is not None:
            record["stream"] = stream_name
            leaf = path[-1]
            if leaf in ("valid", "ready"):
                record["role"] = leaf
            elif direction == "in":
                record["role"] = "payload"
                layout = member.shape
                if isinstance(layout, data.StructLayout):
                    record["fields"] = {
                        field: {"offset": f.offset, "width": _width(f.shape)} for field, f in layout
                    }
            else:
                record["role"] = "result"
        else:
            record["role"] = roles.get(name, "operand" if direction == "in" else "result")
        records[name] = record
    return records
