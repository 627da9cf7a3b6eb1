"""Bit-exact numpy golden models: number formats, arithmetic, L-Mul and the LUT mpGEMM.

Nothing here imports Amaranth or cocotb; every other layer reads its numeric contract from
the spec objects defined here.
"""
