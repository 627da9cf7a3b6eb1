"""The cost flow: Yosys synthesis, gate-level activity simulation and energy per operation."""
