"""One module per `make bench` section.

Each module defines ``TITLE`` and ``run(report)``, where ``report(name, value, unit, *,
baseline=None, target=None)`` prints one figure with its ratio against a baseline measured in
the same run.
"""
