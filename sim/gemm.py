"""Cycle-accurate GEMM on a generated tile: memory images, the Verilog top, the cocotb run.

`run_gemm` pads A (M x K) and W (K x N) to whole tiles, writes the memory images that
`picojoule.hw.gemm_core.GemmCore` reads (preloaded with ``$readmemh``), generates the core's
Verilog with Amaranth and a small Verilog top holding the memories, and runs the cocotb test
`picojoule.sim.gemm_tb` through the harness shared with co-verification
(`picojoule.sim.harness`: images cached by content under a lock, failures reported with the
simulator's error line). The inner loop is entirely in HDL: the test starts the clock, pulses
``start`` and awaits ``done`` once (``drive="step"`` instead awaits every clock edge, the
one-await-per-cycle baseline). The output memory is dumped with ``$writememh``; `run_gemm`
unpacks it and compares it with the golden model.

Cores (``CORES``): ``lut`` (`picojoule.hw.lut_tile.LutTile` for integer activations,
`picojoule.hw.lut_tile_fp.FpLutTile` for float ones; default tile M2 N64 K4) and the
MAC arrays (`picojoule.hw.mac_array.MacArray`, with the LUT tile's peak MACs per cycle:
N = 64 / W): ``mac-int`` (W-bit codes on the weight port, zero-extended inside),
``mac-int8`` (weights dequantized to the activation width before the array: a general int8
or int16 MAC tensor core), ``mac-fp8`` and ``mac-lmul`` (e4m3).
"""

import json
import time
from dataclasses import dataclass

import numpy as np

from picojoule.base.errors import UserError
from picojoule.hw.tools import amaranth_toolchain
from picojoule.models.lut_gemm import (
    LutGemmSpec,
    _check_shapes,
    check_weight_codes,
    encode_weight_indices,
    lut_mpgemm,
)
from picojoule.models.mac_gemm import mac_gemm, same_peak
from picojoule.sim import harness

__all__ = [
    "CORES",
    "GemmPlan",
    "plan_gemm",
    "golden",
    "run_gemm",
    "pack_words",
    "unpack_words",
    "core_verilog",
    "tile_spec",
    "random_operands",
]

CORES = ("lut", "mac-int", "mac-int8", "mac-fp8", "mac-lmul")


def tile_spec(core, *, wbits=2, act="int8", m=2, n=64, k=4, acc_width=32):
    """The tile spec of ``core``: a `LutGemmSpec`, or the same-peak `MacArraySpec`."""
    if core not in CORES:
        raise ValueError(f"unknown core {core!r}; choose from {', '.join(CORES)}")
    lut = LutGemmSpec(
        m=m, n=n, k=k, wbits=wbits, act=act if core == "lut" else "int8", acc_width=acc_width
    )
    if core == "lut":
        return lut
    mul = core.removeprefix("mac-")
    if mul in ("int", "int8"):
        return same_peak(
            LutGemmSpec(m=m, n=n, k=k, wbits=wbits, act=act, acc_width=acc_width),
            mul="int",
            weight_port="code" if mul == "int" else "act",
        )
    return same_peak(lut, mul=mul)


def random_operands(spec, *, m, n, k, seed=0):
    """Random A (M x K) and W (K x N) for a tile spec, as the GEMM command writes them.

    Integer activations are uniform over the whole format (extremes included); float activations
    (fp16, bf16, e4m3) are codes of standard-normal values (RNE, saturating, never NaN). W codes are uniform over
    ``[0, 2^W - 1]``.
    """
    rng = np.random.default_rng(seed)
    act = spec.act
    if spec.is_float:
        a = act.encode(rng.standard_normal((m, k)), overflow="sat")
    else:
        a = rng.integers(act.min_value, act.max_value + 1, (m, k)).astype(
            np.int8 if act.width == 8 else np.int16
        )
    w = rng.integers(0, 1 << spec.wbits, (k, n)).astype(np.uint8)
    return a, w


def golden(core_spec, a, w):
    """The golden GEMM of a tile spec (LUT or MAC)."""
    if isinstance(core_spec, LutGemmSpec):
        return lut_mpgemm(a, w, spec=core_spec)
    return mac_gemm(a, w, spec=core_spec)


# -- bit packing -------------------------------------------------------------------------------
def pack_words(fields, *, width):
    """Hex lines of memory words: ``fields`` (words, lanes) unsigned, lane 0 at the LSBs."""
    fields = np.asarray(fields, dtype=np.int64)
    words, lanes = fields.shape
    bits = (fields[:, :, None] >> np.arange(width)) & 1  # (words, lanes, width) LSB first
    bits = bits.reshape(words, lanes * width)
    pad = -bits.shape[1] % 4
    bits = np.concatenate([bits, np.zeros((words, pad), np.int64)], axis=1)[:, ::-1]
    nibbles = bits.reshape(words, -1, 4) @ np.array([8, 4, 2, 1])
    chars = np.frombuffer(b"0123456789abcdef", np.uint8)[nibbles]
    return "\n".join(row.tobytes().decode() for row in chars) + "\n"


def unpack_words(text, *, lanes, width, signed):
    """Inverse of `pack_words` for a ``$writememh`` dump; ValueError on x/z digits."""
    rows = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("//")
    ]
    if any(set(r.lower()) - set("0123456789abcdef") for r in rows):
        raise ValueError(
            "the output memory holds unknown (x/z) bits: some outputs were never written"
        )
    digits = -(-lanes * width // 4)
    chars = np.frombuffer("".join(r.rjust(digits, "0") for r in rows).encode(), np.uint8)
    values = np.where(chars >= ord("a"), chars - ord("a") + 10, chars - ord("0")).astype(np.int64)
    nibbles = values.reshape(len(rows), digits)[:, ::-1]  # least significant first
    bits = ((nibbles[:, :, None] >> np.arange(4)) & 1).reshape(len(rows), digits * 4)
    bits = bits[:, : lanes * width].reshape(len(rows), lanes, width)
    out = (bits << np.arange(width)).sum(axis=2)
    if signed:
        out = np.where(out >= (1 << (width - 1)), out - (1 << width), out)
    return out


# -- the plan ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class GemmPlan:
    """Tiling of one GEMM on one tile: loop bounds, padding and memory word widths."""

    spec: object
    m: int
    n: int
    k: int
    row_tiles: int
    col_tiles: int
    groups: int
    planes: int
    pipelined: bool = False

    @property
    def is_lut(self):
        return isinstance(self.spec, LutGemmSpec)

    @property
    def steps(self):
        return self.row_tiles * self.col_tiles * self.groups * self.planes

    @property
    def macs(self):
        return self.m * self.n * self.k

    @property
    def act_width(self):
        return self.spec.act.width

    @property
    def wgt_lane(self):
        """(lanes, width) of a weight word."""
        s = self.spec
        return (s.n, s.k) if self.is_lut else (s.n * s.k, s.weight_port_width)

    @property
    def out_lane(self):
        s = self.spec
        width = s.acc_format.width if s.is_float else s.acc_width
        return s.m * s.n, width


def plan_gemm(spec, m, n, k, *, pipelined=False):
    """The tiling of an M x N x K GEMM (any sizes >= 1; padding with zeros); ``pipelined``
    selects the integer LUT tile with a register between table read and accumulation."""
    for label, value in (("M", m), ("N", n), ("K", k)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be a whole number >= 1, got {value!r}")
    spec.check_depth(k)
    planes = spec.wbits if isinstance(spec, LutGemmSpec) else 1
    if pipelined and not (isinstance(spec, LutGemmSpec) and not spec.is_float):
        raise ValueError("pipelined applies to the lut core with integer activations (int8, int16)")
    return GemmPlan(
        spec=spec,
        m=int(m),
        n=int(n),
        k=int(k),
        row_tiles=-(-m // spec.m),
        col_tiles=-(-n // spec.n),
        groups=-(-k // spec.k),
        planes=planes,
        pipelined=bool(pipelined),
    )


def _pad(x, rows, cols):
    out = np.zeros((rows, cols), dtype=np.int64)
    out[: x.shape[0], : x.shape[1]] = x
    return out


def memory_images(plan, a, w):
    """(act, wgt) hex images for the plan's memories."""
    s = plan.spec
    mp, np_, kp = plan.row_tiles * s.m, plan.col_tiles * s.n, plan.groups * s.k
    a_codes = _pad(np.asarray(a).astype(np.int64) & ((1 << plan.act_width) - 1), mp, kp)
    # act word (mt, g): lanes m-major then k
    act = a_codes.reshape(plan.row_tiles, s.m, plan.groups, s.k).transpose(0, 2, 1, 3)
    act = act.reshape(plan.row_tiles * plan.groups, s.m * s.k)
    w_codes = _pad(w, kp, np_)
    if plan.is_lut:
        words = encode_weight_indices(w_codes, k=s.k, wbits=s.wbits)  # (W, G, Np)
        words = words.reshape(s.wbits, plan.groups, plan.col_tiles, s.n).transpose(2, 1, 0, 3)
        wgt = words.reshape(plan.col_tiles * plan.groups * s.wbits, s.n)
    else:
        codes = w_codes.reshape(plan.groups, s.k, plan.col_tiles, s.n).transpose(2, 0, 3, 1)
        wgt = codes.reshape(plan.col_tiles * plan.groups, s.n * s.k)
    lanes, width = plan.wgt_lane
    return pack_words(act, width=plan.act_width), pack_words(wgt, width=width)


def unpack_output(plan, text):
    """The M x N result from the output memory dump."""
    s = plan.spec
    lanes, width = plan.out_lane
    words = unpack_words(text, lanes=lanes, width=width, signed=not s.is_float)
    if words.shape[0] != plan.row_tiles * plan.col_tiles:
        raise ValueError(
            f"output memory has {words.shape[0]} words, expected {plan.row_tiles * plan.col_tiles}"
        )
    grid = words.reshape(plan.row_tiles, plan.col_tiles, s.m, s.n).transpose(0, 2, 1, 3)
    c = grid.reshape(plan.row_tiles * s.m, plan.col_tiles * s.n)[: plan.m, : plan.n]
    if s.is_float:
        return s.acc_format.decode(c)
    return c


# -- hardware ----------------------------------------------------------------------------------
def build_core(plan):
    """The Amaranth `GemmCore` for ``plan``."""
    from picojoule.hw.gemm_core import GemmCore

    s = plan.spec
    if plan.is_lut and s.is_float:
        from picojoule.hw.lut_tile_fp import FpLutTile, FpZeroPointCorrection

        tile, post = FpLutTile(spec=s), FpZeroPointCorrection(spec=s)
    elif plan.is_lut:
        from picojoule.hw.lut_tile import LutTile, ZeroPointCorrection

        tile, post = LutTile(spec=s, pipelined=plan.pipelined), ZeroPointCorrection(spec=s)
    else:
        from picojoule.hw.mac_array import MacArray

        tile, post = MacArray(spec=s), None
    return GemmCore(
        tile=tile,
        post=post,
        row_tiles=plan.row_tiles,
        col_tiles=plan.col_tiles,
        groups=plan.groups,
        planes=plan.planes,
    )


def core_verilog(plan):
    from amaranth.back import verilog

    return verilog.convert(build_core(plan), name="gemm_core", emit_src=False)


_TOP = """`timescale 1ns/1ps
// Generated by picojoule.sim.gemm: memories around gemm_core, preloaded and dumped via plusargs.
// The clock runs in HDL (period 10 ns): cocotb only resets, starts and awaits done.
module gemm_top (input wire rst, input wire start, output wire done, output wire [31:0] cycles);
  reg clk = 1'b0;
  always #5 clk = ~clk;
  reg [{aw}:0] act_mem [0:{ad}];
  reg [{ww}:0] wgt_mem [0:{wd}];
  reg [{ow}:0] out_mem [0:{od}];
  reg [{aw}:0] act_q;
  reg [{ww}:0] wgt_q;
  wire [{aaw}:0] act_addr;
  wire [{waw}:0] wgt_addr;
  wire [{oaw}:0] out_addr;
  wire [{ow}:0] out_data;
  wire out_we;
  reg [8*4096-1:0] path;
  reg dumped;
  initial begin
    dumped = 1'b0;
    if ($value$plusargs("act_mem=%s", path)) $readmemh(path, act_mem);
    if ($value$plusargs("wgt_mem=%s", path)) $readmemh(path, wgt_mem);
  end
  always @(posedge clk) begin
    act_q <= act_mem[act_addr];
    wgt_q <= wgt_mem[wgt_addr];
    if (out_we) out_mem[out_addr] <= out_data;
    if (done && !dumped) begin
      if ($value$plusargs("out_mem=%s", path)) $writememh(path, out_mem);
      dumped <= 1'b1;
    end
  end
  gemm_core core (.clk(clk), .rst(rst), .start(start), .done(done), .cycles(cycles),
    .act_addr(act_addr), .act_data(act_q), .wgt_addr(wgt_addr), .wgt_data(wgt_q),
    .out_addr(out_addr), .out_data(out_data), .out_we(out_we));
endmodule
"""


def top_verilog(plan, core):
    """The Verilog top around the core (memory depths and widths from the plan and the core)."""

    def port_width(name):
        return len(getattr(core, name))

    wl, ww = plan.wgt_lane
    ol, ow = plan.out_lane
    return _TOP.format(
        aw=plan.spec.m * plan.spec.k * plan.act_width - 1,
        ww=wl * ww - 1,
        ow=ol * ow - 1,
        ad=plan.row_tiles * plan.groups - 1,
        wd=plan.col_tiles * plan.groups * plan.planes - 1,
        od=plan.row_tiles * plan.col_tiles - 1,
        aaw=port_width("act_addr") - 1,
        waw=port_width("wgt_addr") - 1,
        oaw=port_width("out_addr") - 1,
    )


def _image(plan, simulator, build_root):
    """The simulator image of ``plan``'s core and top; their Verilog is generated only when
    the image is built (the key holds the plan, Amaranth's toolchain and the source of
    `picojoule.models` and `picojoule.hw` that generate it)."""

    def sources():
        core = build_core(plan)
        from amaranth.back import verilog

        return {
            "gemm_core.v": verilog.convert(core, name="gemm_core", emit_src=False),
            "gemm_top.v": top_verilog(plan, core),
        }

    plan_key = (
        repr(plan.spec),
        plan.row_tiles,
        plan.col_tiles,
        plan.groups,
        plan.planes,
        plan.pipelined,
    )
    return harness.build(
        simulator=simulator,
        top="gemm_top",
        name=f"gemm-{plan.spec.name}",
        sources=sources,
        content=(plan_key, amaranth_toolchain()),
        packages=("picojoule.models", "picojoule.hw"),
        build_root=build_root,
    )


def run_gemm(
    *,
    core="lut",
    a,
    w,
    spec=None,
    wbits=2,
    act="int8",
    simulator="icarus",
    drive="once",
    build_root=None,
    timeout_cycles=None,
    pipelined=False,
):
    """Simulate ``C = A @ W`` cycle by cycle on the generated core and check it.

    Parameters
    ----------
    core : str
        One of `CORES`.
    a, w : arrays
        Activations M x K (integers of ``act``, or codes of a float ``act``) and
        unsigned weight codes K x N.
    spec : LutGemmSpec or MacArraySpec, optional
        The tile; default `tile_spec(core, wbits=wbits, act=act)`.
    drive : str
        ``once`` (await ``done``: the inner loop in HDL) or ``step`` (one await per clock edge).
    build_root : path-like, optional
        Folder of simulator images (default ``<cache>/sim``, see `picojoule.sim.harness`).
    pipelined : bool
        The integer LUT tile with a register between table read and accumulation (one more
        cycle of latency, same result).

    Returns
    -------
    (C, stats) where C is the M x N result read from the simulated output memory and stats a
    dict (cycles, macs, utilization, simulator, seconds, ...). Raises `UserError` if the
    simulated result differs from the golden model, `picojoule.sim.harness.SimulationError`
    (a `UserError`) if the simulation fails or does not finish.
    """
    spec = spec if spec is not None else tile_spec(core, wbits=wbits, act=act)
    a, w = np.asarray(a), np.asarray(w)
    check_weight_codes(w, wbits=spec.wbits)
    _check_shapes(a, w)
    plan = plan_gemm(spec, a.shape[0], w.shape[1], a.shape[1], pipelined=pipelined)
    if drive not in ("once", "step"):
        raise ValueError(f"unknown drive {drive!r}; choose once or step")
    start = time.perf_counter()
    expected = golden(spec, a, w)
    image = _image(plan, simulator, build_root)
    compiled = time.perf_counter()
    with harness.run_folder(image) as folder:
        act_img, wgt_img = memory_images(plan, a, w)
        (folder / "act.hex").write_text(act_img)
        (folder / "wgt.hex").write_text(wgt_img)
        job = {
            "out_mem": str(folder / "out.hex"),
            "drive": drive,
            "timeout_cycles": int(timeout_cycles or plan.steps * 2 + 100),
        }
        plusargs = [
            f"+act_mem={folder / 'act.hex'}",
            f"+wgt_mem={folder / 'wgt.hex'}",
            f"+out_mem={folder / 'out.hex'}",
        ]
        sim_start = time.perf_counter()
        result = harness.run(
            image,
            folder=folder,
            module="picojoule.sim.gemm_tb",
            job=job,
            plusargs=plusargs,
            expect="result.json",
        )
        sim_seconds = time.perf_counter() - sim_start
        result = json.loads(result.read_text())
        c = unpack_output(plan, (folder / "out.hex").read_text())
    mismatches = _mismatches(spec, c, expected)
    if mismatches:
        raise UserError(
            f"GEMM mismatch on {core}: {mismatches} of {c.size} outputs differ from the golden model"
        )
    cycles = int(result["cycles"])
    stats = {
        "core": core,
        "tile": spec.name,
        "params": spec.params(),
        "pipelined": plan.pipelined,
        "m": plan.m,
        "n": plan.n,
        "k": plan.k,
        "cycles": cycles,
        "steps": plan.steps,
        "macs": plan.macs,
        "peak_macs_per_cycle": spec.peak_macs_per_cycle,
        "utilization": plan.macs / (cycles * spec.peak_macs_per_cycle),
        "simulator": simulator,
        "drive": drive,
        "verified": True,
        "seconds": time.perf_counter() - start,
        "sim_seconds": sim_seconds,
        "compile_seconds": compiled - start,
        "accumulation": _accumulation_note(spec),
    }
    return c, stats


def _mismatches(spec, got, expected):
    """Count of differing outputs; float results compare as codes of the accumulator format
    (a NaN as a class, the sign of a zero counts)."""
    if getattr(spec, "is_float", False):
        fmt = spec.acc_format
        got, expected = fmt.encode(got), fmt.encode(expected)
    return int(np.sum(got != expected))


def _accumulation_note(spec):
    if isinstance(spec, LutGemmSpec) and spec.is_float:
        return f"{spec.acc_format.name} values: {spec.contract}; see picojoule.models.lut_gemm"
    if not spec.is_float:
        return f"exact integer sum_k A[m,k] W[k,n] ({spec.acc_width}-bit accumulators)"
    return (
        f"{spec.acc_format.name} values: e4m3 A times W codes as e4m3, "
        f"{spec.multiplier().name} products, pairwise FpAdd tree into "
        f"{spec.acc_format.name} (RNE), see picojoule.models.mac_gemm"
    )
