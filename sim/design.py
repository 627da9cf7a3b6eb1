"""An exported unit as the co-verification sees it: spec, Verilog file, ports, latency.

The Verilog export (`make verilog`) writes ``manifest.json`` =
``{"units": [{"name", "kind", "top", "verilog", "params", "ports", "latency"}]}`` beside one
``.v`` per unit; `load_manifest` turns each entry back into a `Design` whose ``spec`` is rebuilt
from ``kind`` and ``params`` (`picojoule.models.units.unit_from_params`), so the golden model is
the one the spec names.
"""

from dataclasses import dataclass
from pathlib import Path

from picojoule.base.manifest import read_manifest
from picojoule.base.ports import unit_ports
from picojoule.hw.export import export_unit
from picojoule.models.units import unit_from_params

__all__ = ["Design", "load_manifest", "design_from_entry", "export_designs"]


@dataclass(frozen=True)
class Design:
    """One unit's Verilog and interface.

    Attributes
    ----------
    spec : a unit spec from `picojoule.models.units`
    top : str
        The Verilog module name.
    verilog : Path
        The file holding ``top`` and its submodules.
    ports : dict
        Port name -> record (direction, width, role), as the manifest holds them.
    latency : int
        Cycles from an accepted input to its result (0: combinational).
    """

    spec: object
    top: str
    verilog: Path
    ports: dict
    latency: int

    @property
    def name(self):
        return self.spec.name

    @property
    def port_map(self):
        """Where the operands, result and handshake are (`picojoule.base.ports.UnitPorts`)."""
        return unit_ports(self.ports)

    @property
    def pipelined(self):
        return self.port_map.pipelined

    def check_ports(self):
        """ValueError unless the port records match the spec's formats: each operand's width,
        the result's width, and one clock, valid and ready per stream for a pipelined unit."""
        ports = self.port_map
        a_fmt, b_fmt = self.spec.in_formats
        need = {"operand a": (ports.operands["a"][2], a_fmt.width)}
        need["operand b"] = (ports.operands["b"][2], b_fmt.width)
        need[f"result {ports.result}"] = (ports.widths[ports.result], self.spec.out_format.width)
        for label, (got, want) in need.items():
            if got != want:
                raise ValueError(
                    f"{self.top}: {label} should be {want} bits wide, the manifest says {got}"
                )
        if ports.pipelined:
            handshake = (ports.in_valid, ports.in_ready, ports.out_valid, ports.out_ready)
            if None in handshake or ports.reset is None:
                raise ValueError(
                    f"{self.top}: a pipelined unit needs input and output valid/ready and a "
                    f"reset; the manifest lists {', '.join(self.ports)}"
                )


def design_from_entry(entry, *, root):
    """The `Design` of one manifest entry whose Verilog file sits in ``root``."""
    spec = unit_from_params(entry["kind"], entry["params"])
    return Design(
        spec=spec,
        top=entry["top"],
        verilog=(Path(root) / entry["verilog"]).resolve(),
        ports=dict(entry["ports"]),
        latency=int(entry["latency"]),
    )


def load_manifest(path):
    """The `Design` of every unit listed in a ``manifest.json`` (in file order)."""
    folder, entries = read_manifest(path)
    return [design_from_entry(entry, root=folder) for entry in entries]


def export_designs(specs, directory, *, fault=None):
    """Export each spec's Verilog (optionally with an injected ``fault``) into ``directory``.

    Uses the Verilog export of `picojoule.hw.export`; returns the `Design` of each spec.
    """

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [
        design_from_entry(export_unit(spec, directory, fault=fault), root=directory)
        for spec in specs
    ]
