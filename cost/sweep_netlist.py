"""A unit's gate netlist evaluated on chunks of operand pairs, compared with its golden model.

The netlist is the one synthesis produced (:func:`picojoule.cost.synth.synthesize`), the one
every energy figure is simulated on, evaluated with the same bit-parallel engine
(:mod:`picojoule.cost.gatesim`: 64 operations per uint64 word, one compiled kernel per cell
type and level) without toggle counting.

Operand pairs are numbered ``p = a | b << wa`` (``wa`` = width of operand ``a``), and pair ``p``
is operation ``p`` of the stream: bit ``p % 64`` of word ``p // 64``. In an exhaustive sweep the
input words need no packing: input bit ``k < 6`` has the same word in every word (bit ``t`` of
the word is bit ``k`` of ``t``) and input bit ``k >= 6`` of word ``w`` is all ones when bit
``k - 6`` of ``w`` is set, else all zeros.

Pipelined units (valid/ready held high, their register enables constant) are feed-forward
delay lines: their result at operation ``t`` is the function of the pair of operation
``t - latency``. Each chunk is preceded by one warm-up word (64 operations, the previous ones
of the sweep), which flushes the zero state of a pipeline of latency < 64; the results of the
chunk's operations are compared with the golden model of the pairs ``latency`` operations
earlier (modulo the sweep), so every pair is compared exactly once.

A result matches when its code equals the golden code, or both are NaN (any NaN code: NaN is
compared as a class). With a ``reference`` (another netlist of the same unit, e.g. its RTL
lowered to gates, `picojoule.cost.rtl_gates`) the result is compared with that netlist's on the
same input words instead, bit for bit (NaN payloads and o__valid included).
"""

import sys

import numpy as np

from picojoule.base.errors import UserError
from picojoule.base.ports import unit_ports
from picojoule.cost.gatesim import (
    _constant_nets,
    _next_state,
    _Plan,
    _run_kernels,
    _shift_in_time,
    _write_outputs,
    pack_stream,
)
from picojoule.hw.export import manifest_entry
from picojoule.models.formats import FloatFormat

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
#: Input bits 0..5: bit t of the word is bit k of t.
_LOW_WORDS = np.array(
    [sum(1 << t for t in range(64) if (t >> k) & 1) for k in range(6)], dtype=np.uint64
)
_TRANSPOSE_STEPS = [  # (shift, mask) of the three delta swaps of an 8x8 bit-matrix transpose
    (np.uint64(7), np.uint64(0x00AA00AA00AA00AA)),
    (np.uint64(14), np.uint64(0x0000CCCC0000CCCC)),
    (np.uint64(28), np.uint64(0x00000000F0F0F0F0)),
]
_CODE_DTYPES = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def words_to_codes(words):
    """(bits, W) uint64 bit planes -> the W*64 codes, operation t at bit t%64 of word t//64.

    The codes are the smallest unsigned dtype that holds ``bits``. Eight planes at a time: byte
    j of plane k holds bit k of operations 8j..8j+7; the eight planes' bytes j form an 8x8 bit
    matrix (one uint64) whose transpose holds one code byte per operation.
    """
    bits, n_words = words.shape
    groups = -(-bits // 8)
    planes = np.zeros((groups * 8, n_words * 8), dtype=np.uint8)
    planes[:bits] = np.ascontiguousarray(words).view(np.uint8).reshape(bits, -1)
    size = next(size for size in _CODE_DTYPES if size >= groups)
    codes = np.zeros((n_words * 64, size), dtype=np.uint8)
    for g in range(groups):
        x = np.ascontiguousarray(planes[8 * g : 8 * g + 8].T).view(np.uint64).ravel()
        for shift, mask in _TRANSPOSE_STEPS:
            t = np.right_shift(x, shift)
            t ^= x
            t &= mask
            x ^= t
            t <<= shift
            x ^= t
        codes[:, g] = x.view(np.uint8)
    return codes.view(_CODE_DTYPES[size]).ravel()


def _field_nets(netlist, port, offset, width):
    """The nets of ``width`` bits at ``offset`` of ``port``."""
    return list(netlist.ports[port][1][offset : offset + width])


class NetlistSweep:
    """Evaluate ``netlist`` (of the unit ``spec``) on chunks of operand pairs.

    ``ports`` (a `picojoule.base.ports.UnitPorts`; default: the records of ``spec``'s generated
    component, `picojoule.hw.export.manifest_entry`) say where the operands go and the result
    comes from: operand ``a``'s bits then ``b``'s are the pair number's, valid and ready are held
    at 1 and the output stream's valid is checked for a pipelined unit.
    """

    def __init__(self, *, netlist, spec, ports=None, reference=None):
        self.spec = spec
        self.reference = reference  # a NetlistSweep of the same unit, or None: the golden model
        fmt_a, fmt_b = spec.in_formats
        self.a_width, self.b_width = fmt_a.width, fmt_b.width
        self.bits = self.a_width + self.b_width
        self.out_format = spec.out_format
        if ports is None:
            ports = unit_ports(manifest_entry(spec)["ports"])
        missing = [p for p in (*ports.operand_ports, ports.result) if p not in netlist.ports]
        if missing:
            raise UserError(
                f"{netlist.top} has no port {missing[0]}; the unit's port records name it "
                "(synthesize the Verilog exported for this spec)"
            )
        self.in_nets = [
            net for operand in ("a", "b") for net in _field_nets(netlist, *ports.operands[operand])
        ]
        out = ports.result
        holds = {name: 1 for name in (ports.in_valid, ports.out_ready) if name is not None}
        self.valid_net = netlist.ports[ports.out_valid][1][0] if ports.out_valid else None
        streamed = dict.fromkeys(ports.operand_ports)
        ports = netlist.ports
        if len(self.in_nets) != self.bits:
            raise UserError(
                f"{netlist.top} has {len(self.in_nets)} operand input bits; its spec says "
                f"{self.bits}"
            )
        self.out_nets = ports[out][1]
        if len(self.out_nets) != self.out_format.width:
            raise UserError(
                f"{netlist.top} has a {len(self.out_nets)}-bit result; its spec says "
                f"{self.out_format.width}"
            )
        levels = netlist.levels
        if netlist.feedback:
            levels = netlist.levels_given(_constant_nets(netlist, streamed, holds))
            if levels is None:
                raise UserError(
                    f"{netlist.top} keeps sequential feedback with valid/ready held; "
                    "prove works on combinational units and feed-forward pipelines"
                )
        self.plan = _Plan(netlist, levels)
        self.latency = spec.latency
        self.has_flops = bool(self.plan.flop_index)
        if self.latency >= 64:
            raise UserError(f"{netlist.top} has latency {self.latency}; prove handles up to 63")
        self.prefix = 1 if self.has_flops or self.latency else 0
        self.n_nets = netlist.n_nets
        self.hold_rows = []
        for name, value in holds.items():
            for b, net in enumerate(ports[name][1]):
                self.hold_rows.append((net, _ONES if (value >> b) & 1 else np.uint64(0)))
        self._values = None
        # the golden model's tables and compiled loops, built once here rather than in every
        # worker process forked after this
        spec.golden(np.zeros(1, fmt_a.code_dtype), np.zeros(1, fmt_b.code_dtype))

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, in_words):
        """Bit planes of the result (and of o__valid) for input bit planes (bits, W)."""
        n_words = in_words.shape[1]
        if self._values is None or self._values.shape[1] != n_words:
            # every driven net is rewritten per chunk; constants and held inputs once
            self._values = np.zeros((self.n_nets, n_words), dtype=np.uint64)
            self._values[1] = _ONES
            for net, word in self.hold_rows:
                self._values[net] = word
        values = self._values
        values[self.in_nets] = in_words
        for (cell, funcs, ins, outs, _), calls in zip(self.plan.steps, self.plan.kernels):
            if calls is not None:
                _run_kernels(values, calls)
                continue
            nxt = _next_state(funcs, {p: values[idx] for p, idx in ins.items()})
            state = _shift_in_time(nxt, np.zeros(len(nxt), dtype=np.uint64))
            _write_outputs(
                values, funcs, {cell.flop.state: state, cell.flop.state_n: ~state}, state, outs
            )
        valid = None if self.valid_net is None else values[self.valid_net]
        return values[self.out_nets], valid

    def exhaustive_words(self, first_word, n_words):
        """Input bit planes of words ``first_word - prefix .. first_word + n_words - 1``."""
        total_words = 1 << (self.bits - 6)
        index = np.arange(first_word - self.prefix, first_word + n_words, dtype=np.int64)
        index = (index % total_words).astype(np.uint64)
        words = self._buffer("words", (self.bits, len(index)), np.uint64)
        words[:6] = _LOW_WORDS[:, None]
        for k in range(6, self.bits):
            np.right_shift(index, np.uint64(k - 6), out=words[k])
            words[k] &= np.uint64(1)
            np.negative(words[k], out=words[k])
        return words

    def _buffer(self, name, shape, dtype):
        """A scratch array reused across chunks of the same size (no fresh pages per chunk)."""
        buffers = self.__dict__.setdefault("_buffers", {})
        array = buffers.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = buffers[name] = np.empty(shape, dtype=dtype)
        return array

    def run_exhaustive(self, *, first_word, n_words, max_examples):
        """Compare the pairs ``first_word * 64 .. (first_word + n_words) * 64 - 1``.

        Needs ``bits >= 6``. Returns ``(pairs, mismatches, examples)``.
        """
        words = self.exhaustive_words(first_word, n_words)
        got, valid = self._evaluate(words)
        want = self._reference_words(words)
        skip = self.prefix
        total = 1 << self.bits
        start = (first_word * 64 - self.latency) % total
        count = n_words * 64
        if self.bits <= 32:
            base = self.__dict__.get("_base")
            if base is None or len(base) != count:
                base = self._base = np.arange(count, dtype=np.uint32)
            pairs = self._buffer("pairs", (count,), np.uint32)
            np.add(base, np.uint32(start), out=pairs)  # wraps modulo 2^32
            if self.bits < 32 and start + count > total:  # chunk 0's warm-up wraps
                pairs &= np.uint32(total - 1)
        else:
            pairs = np.arange(start, start + count, dtype=np.uint64) % np.uint64(total)
        return self._compare(
            got[:, skip:], None if valid is None else valid[skip:], pairs, max_examples, want
        )

    def _reference_words(self, words):
        """The reference netlist's (result, valid) bit planes after the warm-up, or None."""
        if self.reference is None:
            return None
        want, valid = self.reference._evaluate(words)
        skip = self.prefix
        return want[:, skip:], None if valid is None else valid[skip:]

    def run_pairs(self, pairs, *, max_examples):
        """Compare the given pair numbers (any order; uint64). Returns the same triple."""
        pairs = np.asarray(pairs, dtype=np.uint64)
        n = len(pairs)
        lead = self.prefix * 64
        stream = np.empty(lead + -(-n // 64) * 64, dtype=np.uint64)
        stream[:lead] = pairs[0] if n else 0
        stream[lead : lead + n] = pairs
        stream[lead + n :] = pairs[-1] if n else 0
        # results appear `latency` operations later: shift the stream so that the result of
        # pair i is read at operation lead + i
        if self.latency:
            stream[lead - self.latency : len(stream) - self.latency] = stream[lead:].copy()
        words = pack_stream(stream, self.bits)
        got, valid = self._evaluate(words)
        want = self._reference_words(words)
        skip = self.prefix
        return self._compare(
            got[:, skip:], None if valid is None else valid[skip:], pairs, max_examples, want
        )

    def _compare(self, got_words, valid_words, pairs, max_examples, reference=None):
        """``reference``: the reference netlist's (result, valid) planes, compared bit for bit;
        None: compare with the golden model (NaN as a class)."""
        n = len(pairs)
        got = words_to_codes(got_words)[:n]
        fmt_a, fmt_b = self.spec.in_formats
        a_dtype, b_dtype = np.dtype(fmt_a.code_dtype), np.dtype(fmt_b.code_dtype)
        if (
            a_dtype == b_dtype
            and self.a_width == self.b_width == 8 * a_dtype.itemsize
            and pairs.dtype.itemsize == 2 * a_dtype.itemsize
            and sys.byteorder == "little"
        ):
            # a in the low half, b in the high half of each pair number: strided views
            halves = pairs.view(a_dtype)
            a, b = halves[0::2], halves[1::2]
        else:
            a = (pairs & pairs.dtype.type((1 << self.a_width) - 1)).astype(a_dtype)
            b = (pairs >> pairs.dtype.type(self.a_width)).astype(b_dtype)
        if reference is None:
            want = np.asarray(self.spec.golden(a, b))
        else:
            want = words_to_codes(reference[0])[:n]
        if want.dtype != got.dtype:
            want = want.astype(np.uint64)
            got = got.astype(np.uint64)
        bad = got != want
        if valid_words is not None:
            valid = words_to_codes(valid_words[None, :])[:n]
            want_valid = 1 if reference is None else words_to_codes(reference[1][None, :])[:n]
            bad |= valid != want_valid
        else:
            valid = None
        if not bad.any():
            return n, 0, []
        index = np.flatnonzero(bad)
        if reference is None and isinstance(self.out_format, FloatFormat):
            both_nan = self.out_format.is_nan(got[index]) & self.out_format.is_nan(want[index])
            if valid is not None:
                both_nan &= valid[index] == 1
            index = index[~both_nan]
        examples = [
            self._example(int(a[i]), int(b[i]), int(got[i]), int(want[i]), valid, i)
            for i in index[:max_examples]
        ]
        return n, len(index), examples

    def _example(self, a, b, got, want, valid, i):
        fmt_a, fmt_b = self.spec.in_formats
        out = self.out_format

        def value(fmt, code):
            v = fmt.decode(np.array([code], dtype=np.uint64).astype(fmt.code_dtype))[0]
            return float(v) if isinstance(fmt, FloatFormat) else int(v)

        example = {
            "a": a,
            "b": b,
            "a_value": value(fmt_a, a),
            "b_value": value(fmt_b, b),
            "got": got,
            "got_value": value(out, got),
            "want": want,
            "want_value": value(out, want),
        }
        if valid is not None and valid[i] != 1:
            example["valid"] = 0
        return example
