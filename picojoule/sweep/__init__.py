"""Design-space sweeps: a TOML spec of axes -> one verified, costed record per design point."""
