"""Published figures that picojoule's measurements are set beside.

Every number here is someone else's, quoted with its source; the report always labels them
as such and never presents them as picojoule's measurements.
"""

from dataclasses import dataclass

__all__ = [
    "HOROWITZ_45NM",
    "HOROWITZ_SOURCE",
    "PaperClaim",
    "LMUL_CLAIMS",
    "LUT_CLAIMS",
    "LMUL_SOURCE",
    "LUT_SOURCE",
    "MX_CLAIMS",
    "MX_SOURCE",
]

HOROWITZ_SOURCE = (
    'M. Horowitz, "Computing\'s energy problem (and what we can do about it)", '
    "ISSCC 2014, 45 nm, 0.9 V"
)

# operation -> (energy pJ, area um^2), as published by Horowitz.
HOROWITZ_45NM = {
    "int8 add": (0.03, 36.0),
    "int32 add": (0.1, 137.0),
    "int8 mul": (0.2, 282.0),
    "int32 mul": (3.1, 3495.0),
    "fp16 add": (0.4, 1360.0),
    "fp16 mul": (1.1, 1640.0),
    "fp32 add": (0.9, 4184.0),
    "fp32 mul": (3.7, 7700.0),
}

LMUL_SOURCE = (
    'Luo & Sun, "Addition is All You Need for Energy-efficient Language Models", arXiv 2410.00907'
)
LUT_SOURCE = (
    'Mo et al., "LUT Tensor Core", ISCA 2025, arXiv 2408.06003 (TSMC 28 nm, Design Compiler, 1 GHz)'
)


@dataclass(frozen=True)
class PaperClaim:
    """A claim as the paper states it; ``value`` is the paper's number, never ours."""

    key: str
    text: str
    value: float
    source: str


LMUL_CLAIMS = (
    PaperClaim(
        "elementwise_saving",
        "L-Mul saves 95% of the energy of an element-wise float "
        "multiplication (derived from Horowitz' 45 nm table, not from RTL)",
        0.95,
        LMUL_SOURCE,
    ),
    PaperClaim(
        "dot_product_saving", "L-Mul saves 80% of the energy of a dot product", 0.80, LMUL_SOURCE
    ),
    PaperClaim(
        "lmul4_vs_e4m3",
        "L-Mul with a 4-bit mantissa is about as precise as e4m3 "
        "multiplication; with a 3-bit mantissa better than e5m2",
        float("nan"),
        LMUL_SOURCE,
    ),
)

LUT_CLAIMS = (
    PaperClaim(
        "w2a8_area_ratio",
        "W2A8 array of 512: UNPU MAC baseline 17,271.71 um^2 vs LUT Tensor "
        "Core 11,991.29 um^2 (1.44x)",
        17271.71 / 11991.29,
        LUT_SOURCE,
    ),
    PaperClaim(
        "w2a8_power_ratio",
        "W2A8 array of 512: 23.39 mW vs 16.22 mW (1.44x)",
        23.39 / 16.22,
        LUT_SOURCE,
    ),
    PaperClaim(
        "w1_area_power",
        "4-6x lower area and power than a MAC tensor core at 1-bit weights",
        4.0,
        LUT_SOURCE,
    ),
    PaperClaim("w1a8_tops_per_watt", "PE efficiency 63.78 TOPS/W for W1A8", 63.78, LUT_SOURCE),
)


PEERS_SOURCE = (
    "from each project's published synthesis results (Nangate45; OpenROAD or Yosys flows)"
)


@dataclass(frozen=True)
class PeerFigure:
    """A peer project's published area/power/delay of a comparable unit (theirs, not ours)."""

    design: str
    unit: str  # the picojoule suite unit it is set beside
    area_um2: float
    power_mw: float  # at 1 GHz where given; nan where not published
    delay_ns: float
    source: str


PEERS = (
    PeerFigure(
        "fp8 e4m3 L-Mul, combinational",
        "lmul_e4m3_int_add_nonsat_s0",
        112.8,
        0.111,
        0.36,
        "ninjakaib/hardware-accelerators (PyRTL)",
    ),
    PeerFigure(
        "fp8 IEEE multiplier, combinational",
        "fp_mul_e4m3_e4m3_e4m3_nonsat_s0",
        236.2,
        0.409,
        1.40,
        "ninjakaib/hardware-accelerators (PyRTL)",
    ),
    PeerFigure(
        "bf16 L-Mul",
        "lmul_bf16_int_add_nonsat_s0",
        255.6,
        0.253,
        0.48,
        "ninjakaib/hardware-accelerators (PyRTL)",
    ),
    PeerFigure(
        "bf16 multiplier",
        "fp_mul_bf16_bf16_bf16_nonsat_s0",
        1102.6,
        7.05,
        1.98,
        "ninjakaib/hardware-accelerators (PyRTL)",
    ),
    PeerFigure(
        "fp32 L-Mul",
        "lmul_fp32_int_add_nonsat_s0",
        702.5,
        0.532,
        0.55,
        "ninjakaib/hardware-accelerators (PyRTL)",
    ),
    PeerFigure(
        "fp32 multiplier",
        "fp_mul_fp32_fp32_fp32_nonsat_s0",
        6353.0,
        176.0,
        3.08,
        "ninjakaib/hardware-accelerators (PyRTL)",
    ),
    PeerFigure(
        "bf16 L-Mul (no offset)",
        "lmul_bf16_mitchell_nonsat_s0",
        180.88,
        float("nan"),
        float("nan"),
        "binkybarnes/LMUL-Hardware-Acceleration",
    ),
    PeerFigure(
        "bf16 multiplier",
        "fp_mul_bf16_bf16_bf16_nonsat_s0",
        545.03,
        float("nan"),
        float("nan"),
        "binkybarnes/LMUL-Hardware-Acceleration",
    ),
)


MX_SOURCE = (
    "MXDOTP, the MX dot-product unit of pulp-platform/cvfpu (fpnew_mxdotp_multi.sv), ASAP 2025, "
    "arXiv 2505.13159 (12 nm, 8-core cluster, 0.8 V, 1 GHz)"
)

MX_CLAIMS = (
    PaperClaim(
        "mxdotp_gflops_per_watt",
        "MXFP8 energy efficiency of the 8-core cluster with MXDOTP, GFLOPS/W",
        356.0,
        MX_SOURCE,
    ),
    PaperClaim(
        "mxdotp_pj_per_mac",
        "the same as pJ per MAC of the whole cluster (2 FLOP per MAC / 356 GFLOPS/W; "
        "derived from their figure)",
        2 / 356e9 * 1e12,
        MX_SOURCE,
    ),
    PaperClaim(
        "mxdotp_area",
        "cluster area added by MXDOTP, %",
        5.1,
        MX_SOURCE,
    ),
)
