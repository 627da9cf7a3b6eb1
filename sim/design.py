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
        Port name -> width in bits.
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
    def pipelined(self):
        return "clk" in self.ports

    def check_ports(self):
        """ValueError unless the ports match the spec's formats."""
        a_fmt, b_fmt = self.spec.in_formats
        y_width = self.spec.out_format.width
        if self.pipelined:
            need = {
                "o__payload": y_width,
                "i__valid": 1,
                "i__ready": 1,
                "o__valid": 1,
                "o__ready": 1,
            }
            if "i__payload" in self.ports:
                need["i__payload"] = a_fmt.width + b_fmt.width
            else:
                need.update(i__payload__a=a_fmt.width, i__payload__b=b_fmt.width)
        else:
            need = {"a": a_fmt.width, "b": b_fmt.width, "y": y_width}
        for port, width in need.items():
            if self.ports.get(port) != width:
                raise ValueError(
                    f"{self.top}: port {port} should be {width} bits wide, the "
                    f"manifest says {self.ports.get(port)}"
                )


def design_from_entry(entry, *, root):
    """The `Design` of one manifest entry whose Verilog file sits in ``root``."""
    spec = unit_from_params(entry["kind"], entry["params"])
    return Design(
        spec=spec,
        top=entry["top"],
        verilog=(Path(root) / entry["verilog"]).resolve(),
        ports={k: int(v) for k, v in entry["ports"].items()},
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
    from picojoule.hw.export import export_unit

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [
        design_from_entry(export_unit(spec, directory, fault=fault), root=directory)
        for spec in specs
    ]
