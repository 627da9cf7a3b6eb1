"""picojoule: generate, verify and cost the arithmetic units of low-precision AI hardware."""

__version__ = "0.1.0"
