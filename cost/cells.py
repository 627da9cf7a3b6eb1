"""The cell records of a library: `Cell`, `Flop`, `CellLibrary` (figures and their units are
stated in `picojoule.cost.library`, which builds them)."""

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from picojoule.cost.boolexpr import evaluate, parse_function, variables

__all__ = ["Flop", "Cell", "CellLibrary", "truth_table_of"]


@dataclass(frozen=True)
class Flop:
    """An edge-triggered storage element (Liberty ``ff`` group)."""

    state: str
    state_n: str
    next_state: str
    clocked_on: str
    clear: str = None
    preset: str = None


@dataclass(frozen=True)
class Cell:
    """One cell's figures; per-output tuples are ``(value at zero load, per fF of load)``."""

    name: str
    area_um2: float
    inputs: dict  # pin -> input capacitance, fF
    outputs: dict  # pin -> Liberty function text
    internal_fj: dict  # output pin -> (fJ, fJ/fF) per output toggle
    delay_ns: dict  # output pin -> (ns, ns/fF)
    input_internal_fj: dict = field(default_factory=dict)  # input pin -> fJ per input toggle
    leakage_nw: float = 0.0
    flop: Flop = None

    @property
    def clock_pin(self):
        return self.flop.clocked_on if self.flop else None


@dataclass(frozen=True)
class CellLibrary:
    """A cell library reduced to what synthesis costing and energy estimation need."""

    name: str
    source: str
    voltage: float
    cells: dict
    wire_cap_per_length_ff: float = 0.0
    wire_slope: float = 0.0
    wire_fanout_length: tuple = ()

    @functools.cached_property
    def digest(self):
        """SHA-256 of every figure, function and cell name of the library: its content, not
        ``source`` (where it was read from). Caches of results computed from it are keyed by it."""
        content = dataclasses.asdict(self)
        del content["source"]
        text = json.dumps(content, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def wire_cap_ff(self, fanout):
        """Wire-load capacitance (fF) of a net with ``fanout`` sink pins."""
        if not self.wire_fanout_length or fanout <= 0:
            return 0.0
        table = dict(self.wire_fanout_length)
        if fanout in table:
            length = table[fanout]
        else:
            fanouts = sorted(table)
            if fanout > fanouts[-1]:
                length = table[fanouts[-1]] + self.wire_slope * (fanout - fanouts[-1])
            else:
                length = float(np.interp(fanout, fanouts, [table[f] for f in fanouts]))
        return length * self.wire_cap_per_length_ff

    def find(self, truth_table, n_inputs):
        """Names of combinational single-output cells computing ``truth_table`` (smallest first)."""
        hits = [
            c
            for c in self.cells.values()
            if c.flop is None
            and len(c.outputs) == 1
            and len(c.inputs) == n_inputs
            and truth_table_of(next(iter(c.outputs.values())), list(c.inputs)) == truth_table
        ]
        return [c.name for c in sorted(hits, key=lambda c: c.area_um2)]

    def flops(self):
        return sorted(
            (c for c in self.cells.values() if c.flop is not None), key=lambda c: c.area_um2
        )

    @property
    def nand2_area_um2(self):
        names = self.find(0b0111, 2)
        return self.cells[names[0]].area_um2 if names else None


def truth_table_of(function, pins):
    """The function's truth table as an integer (bit i = output for input pattern i, pin 0 = LSB)."""
    tree = parse_function(function)
    n = len(pins)
    if n > 6:
        return None
    patterns = np.arange(1 << n, dtype=np.uint64)
    env = {}
    for k, pin in enumerate(pins):
        bits = (patterns >> np.uint64(k)) & np.uint64(1)
        env[pin] = np.array([int(np.sum(bits << patterns))], dtype=np.uint64)
    if not set(variables(tree)) <= set(pins):
        return None
    mask = (1 << (1 << n)) - 1
    return int(evaluate(tree, env, env[pins[0]] if pins else np.zeros(1, np.uint64))[0]) & mask
