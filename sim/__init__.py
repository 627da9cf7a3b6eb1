"""cocotb co-verification of the generated Verilog against the golden models."""
