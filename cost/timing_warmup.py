"""Compile (or load from numba's on-disk cache) the timing simulation's kernels ahead of use.

The kernels (:mod:`picojoule.cost.timing_kernel`, :mod:`picojoule.cost.timing_lanes`) are
compiled with ``cache=True``: the first process that calls them on a fresh checkout compiles
them (tens of seconds of CPU) and writes numba's cache next to their source; later processes
load them from there in a fraction of a second. `warm_up` runs two tiny netlists through the
public entry point `picojoule.cost.timingsim.simulate_timing` (a feed-forward one and one with
sequential feedback), so it compiles exactly the specializations a real run calls, whatever
the kernels' arguments are. Running it once before a pool of workers starts means the workers
load the kernels instead of each compiling them.
"""

import numpy as np

from picojoule.cost.library import default_library
from picojoule.cost.netlist import Netlist
from picojoule.cost.timingsim import simulate_timing

__all__ = ["warm_up"]

_DONE = {}

#: y = !a, and a toggle flip-flop (D = !Q, sequential feedback): Yosys JSON netlists.
_DESIGN = {
    "modules": {
        "warm": {
            "ports": {
                "a": {"direction": "input", "bits": [2]},
                "clk": {"direction": "input", "bits": [3]},
                "y": {"direction": "output", "bits": [4]},
                "q": {"direction": "output", "bits": [5]},
            },
            "cells": {
                "inv_a": {"type": "INV_X1", "connections": {"A": [2], "ZN": [4]}},
                "inv_q": {"type": "INV_X1", "connections": {"A": [5], "ZN": [6]}},
                "flop": {
                    "type": "DFF_X1",
                    "connections": {"D": [6], "CK": [3], "Q": [5], "QN": [7]},
                },
            },
        },
        "comb": {
            "ports": {
                "a": {"direction": "input", "bits": [2]},
                "y": {"direction": "output", "bits": [3]},
            },
            "cells": {"inv_a": {"type": "INV_X1", "connections": {"A": [2], "ZN": [3]}}},
        },
    }
}


def warm_up():
    """Compile or load the timing kernels in this process (once); returns True."""
    if _DONE:
        return True
    library = default_library()
    a = np.arange(130, dtype=np.uint64) & np.uint64(1)
    for top, holds in (("comb", {}), ("warm", {"clk": 0})):
        netlist = Netlist(_DESIGN, top=top, library=library)
        simulate_timing(netlist, inputs={"a": a}, holds=holds, warn=lambda _: None)
    _DONE[True] = True
    return True
