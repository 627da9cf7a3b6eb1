"""Amaranth generators for the arithmetic units, built from the specs in `picojoule.models`."""
