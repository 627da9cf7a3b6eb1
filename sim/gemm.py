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

Cores: every core of the tile registry (`picojoule.models.tiles.TILE_CORES`: spec, golden
GEMM; `picojoule.hw.tiles`: generators), e.g. ``lut`` (default tile M2 N64 K4) and the MAC
arrays with the LUT tile's peak MACs per cycle (N = 64 / W).
"""

import json
import time
from dataclasses import dataclass

import numpy as np
from amaranth.back import verilog
from amaranth.hdl import Value

from picojoule.base.errors import UserError
from picojoule.hw.gemm_core import GemmCore
from picojoule.hw.tiles import build_post, build_tile
from picojoule.hw.tools import amaranth_toolchain
from picojoule.models.lut_gemm import LutGemmSpec, _check_shapes, check_weight_codes
from picojoule.models.mx_gemm import MxArraySpec, mx_operands
from picojoule.models.tiles import TILE_CORES, get_core, random_operands
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

#: The registered core names (`picojoule.models.tiles.TILE_CORES`).
CORES = tuple(TILE_CORES)


def tile_spec(core, *, wbits=2, act=None, m=2, n=64, k=4, acc_width=32, weights=None):
    """The tile spec of ``core`` (`picojoule.models.tiles.TileCore.spec`); ``act`` defaults to
    the core's first activation format; ``weights`` is the mx core's weight block format."""
    return get_core(core).spec(
        wbits=wbits, act=act, m=m, n=n, k=k, acc_width=acc_width, weights=weights
    )


def golden(spec, a, w, *, core="lut"):
    """The golden GEMM of ``core``'s tile ``spec``."""
    return get_core(core).golden(a, w, spec=spec)


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
    core: str
    m: int
    n: int
    k: int
    row_tiles: int
    col_tiles: int
    groups: int
    planes: int
    pipelined: bool = False

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
        return self.spec.weight_lanes

    @property
    def out_lane(self):
        s = self.spec
        width = s.acc_format.width if s.is_float else s.acc_width
        return s.m * s.n, width


def plan_gemm(spec, m, n, k, *, core="lut", pipelined=False):
    """The tiling of an M x N x K GEMM on ``core``'s tile ``spec`` (any sizes >= 1; padding
    with zeros); ``pipelined`` selects the tile's variant with a register between table read
    and accumulation (where it has one: ``spec.pipelinable``)."""
    for label, value in (("M", m), ("N", n), ("K", k)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{label} must be a whole number >= 1, got {value!r}")
    spec.check_depth(k)
    get_core(core)
    if pipelined and not spec.pipelinable:
        raise ValueError("pipelined applies to the lut core with integer activations (int8, int16)")
    return GemmPlan(
        spec=spec,
        core=core,
        m=int(m),
        n=int(n),
        k=int(k),
        row_tiles=-(-m // spec.m),
        col_tiles=-(-n // spec.n),
        groups=-(-k // spec.k),
        planes=spec.planes,
        pipelined=bool(pipelined),
    )


def _pad(x, rows, cols):
    out = np.zeros((rows, cols), dtype=np.int64)
    out[: x.shape[0], : x.shape[1]] = x
    return out


def _block_bits(fmt, elements, scales, rows):
    """(rows, G, fmt.width) 0/1 of packed blocks, rows beyond the data zero blocks."""
    words = fmt.pack_words(elements.reshape(-1, fmt.k), scales.reshape(-1))
    bits = np.unpackbits(words.astype("<u8").view(np.uint8), axis=1, bitorder="little")
    bits = bits[:, : fmt.width].reshape(*scales.shape, fmt.width)
    out = np.zeros((rows, *bits.shape[1:]), dtype=np.int64)
    out[: bits.shape[0]] = bits
    return out


def _mx_images(plan, a, w):
    """(act, wgt) images of the mx array: M (N) packed blocks per word, row 0 at the LSBs."""
    s = plan.spec
    ae, xa, we, xw = mx_operands(a, w, spec=s)
    a_bits = _block_bits(s.a, ae, xa, plan.row_tiles * s.m)  # (Mp, G, Wa)
    w_bits = _block_bits(s.b, we, xw, plan.col_tiles * s.n)  # (Np, G, Wb)
    act = a_bits.reshape(plan.row_tiles, s.m, plan.groups, -1).transpose(0, 2, 1, 3)
    wgt = w_bits.reshape(plan.col_tiles, s.n, plan.groups, -1).transpose(0, 2, 1, 3)
    act = act.reshape(plan.row_tiles * plan.groups, -1)
    wgt = wgt.reshape(plan.col_tiles * plan.groups, -1)
    return pack_words(act, width=1), pack_words(wgt, width=1)


def memory_images(plan, a, w):
    """(act, wgt) hex images for the plan's memories."""
    s = plan.spec
    if isinstance(s, MxArraySpec):
        return _mx_images(plan, a, w)
    mp, np_, kp = plan.row_tiles * s.m, plan.col_tiles * s.n, plan.groups * s.k
    a_codes = _pad(np.asarray(a).astype(np.int64) & ((1 << plan.act_width) - 1), mp, kp)
    # act word (mt, g): lanes m-major then k
    act = a_codes.reshape(plan.row_tiles, s.m, plan.groups, s.k).transpose(0, 2, 1, 3)
    act = act.reshape(plan.row_tiles * plan.groups, s.m * s.k)
    w_codes = _pad(w, kp, np_)
    # weight word (nt, g, b): the tile's step words of column tile nt
    columns = w_codes.reshape(kp, plan.col_tiles, s.n).transpose(1, 0, 2)
    steps = np.stack([s.weight_steps(codes) for codes in columns])  # (nt, G, planes, lanes)
    wgt = steps.reshape(plan.col_tiles * plan.groups * plan.planes, -1)
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

    tile = build_tile(plan.core, plan.spec, pipelined=plan.pipelined)
    post = build_post(plan.core, plan.spec)
    return GemmCore(
        tile=tile,
        post=post,
        row_tiles=plan.row_tiles,
        col_tiles=plan.col_tiles,
        groups=plan.groups,
        planes=plan.planes,
    )


def core_verilog(plan):
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
        return len(Value.cast(getattr(core, name)))

    return _TOP.format(
        aw=port_width("act_data") - 1,
        ww=port_width("wgt_data") - 1,
        ow=port_width("out_data") - 1,
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

        return {
            "gemm_core.v": verilog.convert(core, name="gemm_core", emit_src=False),
            "gemm_top.v": top_verilog(plan, core),
        }

    plan_key = (
        plan.core,
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
    act=None,
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
    check_operands = getattr(spec, "check_operands", None)
    if check_operands is not None:  # the mx array: float A and W
        check_operands(a, w)
    else:
        check_weight_codes(w, wbits=spec.wbits)
        _check_shapes(a, w)
    plan = plan_gemm(spec, a.shape[0], w.shape[1], a.shape[1], core=core, pipelined=pipelined)
    if drive not in ("once", "step"):
        raise ValueError(f"unknown drive {drive!r}; choose once or step")
    start = time.perf_counter()
    expected = golden(spec, a, w, core=core)
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
    if isinstance(spec, MxArraySpec):
        return (
            f"fp32 values: A and W quantized to {spec.a.name} / {spec.b.name} blocks along K, "
            f"each block dot exact and rounded once to fp32 ({spec.products} products), "
            "accumulated in fp32 (RNE) in block order; NVFP4's per-tensor scales not applied; "
            "see picojoule.models.mx_gemm"
        )
    if isinstance(spec, LutGemmSpec) and spec.is_float:
        return f"{spec.acc_format.name} values: {spec.contract}; see picojoule.models.lut_gemm"
    if not spec.is_float:
        return f"exact integer sum_k A[m,k] W[k,n] ({spec.acc_width}-bit accumulators)"
    return (
        f"{spec.acc_format.name} values: e4m3 A times W codes as e4m3, "
        f"{spec.multiplier().name} products, pairwise FpAdd tree into "
        f"{spec.acc_format.name} (RNE), see picojoule.models.mac_gemm"
    )
