"""The bottom layer: errors, atomic writes, manifest I/O and port records, the content-hash cache,
progress bars, citations.

Every other layer (models, hw, sim, cost, the report and the CLI) may import it; it imports
nothing of picojoule's but itself.
"""
