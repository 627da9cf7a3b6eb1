"""One module per `make bench` section.

Each module defines ``TITLE`` and ``run(report)``, where ``report(name, value, unit, *,
baseline=None, target=None)`` prints one figure with its ratio against a baseline measured in
the same run.

Sections import what they time inside ``run``, not at module level: importing a section must not
load the heavy layers (Amaranth, cocotb, matplotlib) that another section times cold.
(`tests/test_base_layers.py` allows function-local imports here for that reason.)
"""
