"""Bit-parallel, zero-delay gate-level simulation with per-net toggle counting.

Operation ``t`` of a stream is bit ``t % 64`` of word ``t // 64``: one uint64 word holds 64
consecutive operations of one net, and a numpy array of words holds a chunk of the stream.
Every level of the netlist is evaluated one cell type at a time over all of that type's
instances at once (gathered rows of a nets x words matrix), from the Liberty ``function`` of
each output pin.

Toggles: a net toggles between operations ``t-1`` and ``t`` when its settled (zero-delay) values
differ; counts cover ``t = 1 .. N-1``. A flip-flop's state at operation ``t`` is its next-state
value at ``t-1`` (one clock cycle per operation, state 0 before the first), which for a
feed-forward pipeline is a one-bit shift of the D stream in time, so pipelines stay
bit-parallel. Clock nets are ideal and not simulated; the energy model charges the clock per
cycle.

Netlists with sequential feedback (registers that hold their value, e.g. valid/ready
pipelines) are first checked with the held inputs known: when those make every register enable
constant (``ready`` held high), the feedback is gone and the pipeline takes the same
feed-forward path, exactly. Feedback that remains (backpressure streamed, accumulators) cannot
be shifted in time; such netlists are simulated cycle by cycle with independent segments of the
stream in the bit lanes of the words instead (see :func:`simulate`).
"""

from dataclasses import dataclass

import numpy as np

from picojoule.base.errors import UserError
from picojoule.cost.boolexpr import evaluate
from picojoule.cost.kernels import compile_kernel

_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_ONE = np.uint64(1)
_63 = np.uint64(63)


@dataclass
class SimResult:
    """Toggle counts per net over ``n_ops`` operations (``n_ops - 1`` transitions)."""

    toggles: np.ndarray
    n_ops: int
    outputs: dict = None
    engine: str = "feed_forward"  # or "lanes" (cycle by cycle, see :func:`simulate`)
    warmup: int = None  # lanes: the warm-up of the run that passed the checks
    repaired_lanes: int = 0  # lanes: lanes re-simulated from their left neighbour's state


def stream_words(codes, width):
    """A port's stream as (N, ceil(width / 64)) uint64 words, word j holding bits
    [64 j, 64 j + 64) of each operation's value.

    ``codes`` is one integer per operation (a port of at most 64 bits; higher words are 0) or,
    for a wider port, already such an (N, words) array; ValueError if it has another shape.
    """
    codes = np.asarray(codes)
    words = max(1, -(-width // 64))
    if codes.ndim == 1:
        out = np.zeros((len(codes), words), dtype=np.uint64)
        out[:, 0] = codes.astype(np.uint64, copy=False)
        return out
    if codes.ndim != 2 or codes.shape[1] != words:
        raise ValueError(
            f"a {width}-bit port takes one integer or {words} uint64 words per operation, "
            f"got an array of shape {codes.shape}"
        )
    return codes.astype(np.uint64, copy=False)


def port_bit(codes, bit):
    """Bit ``bit`` (0/1 uint64) of every operation of a stream (one integer or words each)."""
    codes = np.asarray(codes)
    if codes.ndim == 2:
        codes = codes[:, bit // 64]
    elif bit >= 64:
        return np.zeros(len(codes), dtype=np.uint64)
    return (codes.astype(np.uint64) >> np.uint64(bit % 64)) & _ONE


def pack_stream(codes, width):
    """(width, ceil(N/64)) uint64: bit ``b`` of every code, operation t at bit t%64 of word t//64.

    ``codes``: one integer per operation, or (N, words) uint64 words for a port wider than 64
    bits (`stream_words`)."""
    codes = np.asarray(codes)
    if codes.ndim == 2 or width > 64:
        words = stream_words(codes, width)
        return np.concatenate(
            [pack_stream(words[:, j], min(64, width - 64 * j)) for j in range(words.shape[1])]
        )
    codes = codes.astype(np.uint64, copy=False)
    n = len(codes)
    padded = -(-n // 64) * 64
    if padded != n:
        codes = np.concatenate([codes, np.full(padded - n, codes[-1] if n else 0, dtype=np.uint64)])
    shifts = np.arange(width, dtype=np.uint64)[:, None]
    bits = ((codes[None, :] >> shifts) & _ONE).astype(np.uint8)
    return np.packbits(bits, axis=1, bitorder="little").view(np.uint64)


def unpack_stream(words, n):
    """Inverse of :func:`pack_stream`: (width, words) -> int codes of length n."""
    width = words.shape[0]
    bits = np.unpackbits(np.ascontiguousarray(words).view(np.uint8), axis=1, bitorder="little")[
        :, :n
    ]
    weights = (np.uint64(1) << np.arange(width, dtype=np.uint64))[:, None]
    return (bits.astype(np.uint64) * weights).sum(axis=0, dtype=np.uint64)


def _shift_in_time(x, carry):
    """Each row delayed by one operation; ``carry`` (rows,) holds the value before the chunk."""
    prev = np.empty_like(x)
    prev[:, 0] = carry
    prev[:, 1:] = x[:, :-1] >> _63
    prev |= x << _ONE
    return prev


class _Plan:
    """Index arrays per (level, cell type), built once per netlist and level list."""

    def __init__(self, netlist, levels):
        funcs = netlist.compiled_functions()
        self.steps = [
            self._step(netlist, funcs, cell_name, members)
            for level in levels
            for cell_name, members in level.items()
        ]
        self.kernels = [None if step[0].flop else self._kernels(step) for step in self.steps]
        self.flop_index = {}
        self.flop_rows = {}  # id(step's flop instance array) -> rows of flop_carry
        for step in self.steps:
            if step[4] is not None:
                for i in step[4]:
                    self.flop_index[int(i)] = len(self.flop_index)
                self.flop_rows[id(step[4])] = np.array(
                    [self.flop_index[int(i)] for i in step[4]], dtype=np.intp
                )

    @staticmethod
    def _step(netlist, funcs, cell_name, members):
        cell = netlist.library.cells[cell_name]
        insts = [netlist.instances[i] for i in members]
        pins = [p for p in cell.inputs if p != cell.clock_pin]
        ins = {p: np.array([inst.pins.get(p, 0) for inst in insts], dtype=np.intp) for p in pins}
        outs = {
            p: np.array([inst.pins[p] for inst in insts], dtype=np.intp)
            for p in cell.outputs
            if all(p in inst.pins for inst in insts)
        }
        for p in [p for p in cell.outputs if p not in outs]:  # some instances leave it open
            keep = [k for k, inst in enumerate(insts) if p in inst.pins]
            if keep:
                outs[p] = (
                    np.array([insts[k].pins[p] for k in keep], dtype=np.intp),
                    np.array(keep, dtype=np.intp),
                )
        flop_rows = np.array(members, dtype=np.intp) if cell.flop else None
        return (cell, funcs[cell_name], ins, outs, flop_rows)

    @staticmethod
    def _kernels(step):
        """[(kernel, out_rows, pin_rows...)] per output pin of a combinational step."""
        cell, funcs, ins, outs, _ = step
        pins = tuple(ins)
        calls = []
        for pin, target in outs.items():
            kernel = compile_kernel(funcs[pin], pins)
            if isinstance(target, tuple):
                rows, keep = target
                calls.append((kernel, rows) + tuple(ins[p][keep] for p in pins))
            else:
                calls.append((kernel, target) + tuple(ins[p] for p in pins))
        return calls


def _run_kernels(values, calls):
    for kernel, *args in calls:
        kernel(values, *args)


def _write_outputs(values, funcs, env, like, outs):
    for pin, target in outs.items():
        result = evaluate(funcs[pin], env, like)
        if isinstance(target, tuple):
            values[target[0]] = result[target[1]]
        else:
            values[target] = result


def _next_state(funcs, env):
    nxt = evaluate(funcs["<next>"], env, next(iter(env.values())))
    if "<clear>" in funcs:
        nxt &= ~evaluate(funcs["<clear>"], env, nxt)
    if "<preset>" in funcs:
        nxt |= evaluate(funcs["<preset>"], env, nxt)
    return nxt


def _check(netlist, inputs, holds):
    if not inputs:
        raise UserError("no operand streams given")
    lengths = {len(np.asarray(v)) for v in inputs.values()}
    if len(lengths) != 1:
        raise UserError("operand streams differ in length")
    n = lengths.pop()
    if n < 2:
        raise UserError("at least two operations are needed to count toggles")
    for name in list(inputs) + list(holds):
        if name not in netlist.ports or netlist.ports[name][0] != "input":
            inputs_list = ", ".join(k for k, (d, _) in netlist.ports.items() if d == "input")
            raise UserError(f"{netlist.top} has no input port {name!r}; inputs: {inputs_list}")
    return n


def _hold_rows(netlist, holds):
    rows = []
    for name, value in holds.items():
        for b, net in enumerate(netlist.ports[name][1]):
            rows.append((net, _ONES if (int(value) >> b) & 1 else np.uint64(0)))
    return rows


def simulate(
    netlist,
    *,
    inputs,
    holds=None,
    chunk_ops=None,
    record_outputs=False,
    lanes=None,
    warmup=16,
    engine="auto",
):
    """Simulate operand streams through ``netlist`` and count toggles on every net.

    Parameters
    ----------
    inputs : dict
        Input port name -> integer codes (one per operation; all the same length N >= 2); a
        port wider than 64 bits takes (N, words) uint64 words (`stream_words`).
    holds : dict, optional
        Input port name -> constant value held for the whole run (e.g. ``valid`` = 1).
        Inputs named in neither dict are held at 0; clock nets are ideal.
    chunk_ops : int, optional
        Feed-forward netlists: operations per chunk (a multiple of 64; default ~16 MB of nets).
    record_outputs : bool
        Also return every output port's codes.
    lanes, warmup : int, optional
        Netlists with sequential feedback (e.g. valid/ready pipelines) are simulated cycle by
        cycle with ``lanes`` independent segments of the stream side by side in the bits of a
        word; each segment starts ``warmup`` operations early from the zero state. Every lane's
        state where its segment begins is checked against the previous lane's, and the run is
        repeated with a longer warm-up if one differs, so the result is always the serial
        run's. Every transition 1..N-1 is counted exactly once.
    engine : {"auto", "lanes"}
        ``"auto"`` first checks whether the sequential feedback survives the held and unused
        inputs (:meth:`Netlist.levels_given`): a valid/ready pipeline whose ``ready`` is held
        has constant register enables, its registers are plain delays, and it takes the
        bit-parallel feed-forward path (exact, no warm-up). ``"lanes"`` forces the
        cycle-by-cycle lane engine (for tests and comparison).

    Returns
    -------
    SimResult
    """
    holds = dict(holds or {})
    n = _check(netlist, inputs, holds)
    if engine not in ("auto", "lanes"):
        raise ValueError(f"engine must be 'auto' or 'lanes', got {engine!r}")
    levels = netlist.levels
    if netlist.feedback and engine == "auto":
        levels = netlist.levels_given(_constant_nets(netlist, inputs, holds))
    if levels is None or (netlist.feedback and engine == "lanes"):
        return _simulate_lanes(netlist, inputs, holds, n, record_outputs, lanes, warmup)
    plan = _Plan(netlist, levels)
    if chunk_ops is None:
        words = max(16, min(4096, (2 << 20) // max(netlist.n_nets, 1)))
        chunk_ops = words * 64
    if chunk_ops % 64:
        raise ValueError("chunk_ops must be a multiple of 64")
    toggles = np.zeros(netlist.n_nets, dtype=np.int64)
    carry = None
    scratch = np.empty(netlist.n_nets * (-(-min(n, chunk_ops) // 64)), dtype=np.uint64)
    flop_carry = np.zeros(len(plan.flop_index), dtype=np.uint64)
    outputs = (
        {name: [] for name, (d, _) in netlist.ports.items() if d == "output"}
        if record_outputs
        else None
    )
    hold_rows = _hold_rows(netlist, holds)
    for start in range(0, n, chunk_ops):
        stop = min(n, start + chunk_ops)
        count = stop - start
        words = -(-count // 64)
        values = np.zeros((netlist.n_nets, words), dtype=np.uint64)
        values[1] = _ONES
        for net, word in hold_rows:
            values[net] = word
        for name, codes in inputs.items():
            nets = netlist.ports[name][1]
            values[nets] = pack_stream(np.asarray(codes)[start:stop], len(nets))
        for (cell, funcs, ins, outs, flop_rows), calls in zip(plan.steps, plan.kernels):
            if calls is not None:
                _run_kernels(values, calls)
                continue
            # a flip-flop: its state is its next-state stream delayed by one operation
            nxt = _next_state(funcs, {p: values[idx] for p, idx in ins.items()})
            rows = plan.flop_rows[id(flop_rows)]
            state = _shift_in_time(nxt, flop_carry[rows])
            flop_carry[rows] = (nxt[:, -1] >> np.uint64((count - 1) % 64)) & _ONE
            _write_outputs(
                values, funcs, {cell.flop.state: state, cell.flop.state_n: ~state}, state, outs
            )
        carry = _count_toggles(values, count, carry, toggles, scratch)
        if record_outputs:
            for name in outputs:
                outputs[name].append(unpack_stream(values[netlist.ports[name][1]], count))
    toggles[:2] = 0
    if record_outputs:
        outputs = {k: np.concatenate(v) for k, v in outputs.items()}
    return SimResult(toggles=toggles, n_ops=n, outputs=outputs, engine="feed_forward")


def _count_toggles(values, count, carry, toggles, scratch):
    """Add each row's toggles over the chunk's ``count`` operations to ``toggles``.

    Inside a word, operation t differs from t-1 where ``x ^ (x << 1)`` has a 1 at bit t
    (bit 0 of that is bit 0 of x itself, and is subtracted); across words, bit 0 of a word
    is compared with bit 63 of the one before, and with ``carry`` (the previous chunk's last
    value, None at the start of the run) for the first word. Returns the chunk's last value.
    """
    rows, words = values.shape
    buf = scratch[: rows * words].reshape(rows, words)
    np.left_shift(values, _ONE, out=buf)
    np.bitwise_xor(buf, values, out=buf)
    tail = count % 64
    if tail:
        buf[:, -1] &= (_ONE << np.uint64(tail)) - _ONE
    toggles += np.bitwise_count(buf).sum(axis=1, dtype=np.uint32)  # < 2^32 per chunk row
    as_bytes = values.view(np.uint8).reshape(rows, words, 8)
    low = as_bytes[:, :, 0] & 1  # bit 0 of each word (little-endian)
    high = as_bytes[:, :, 7] >> 7  # bit 63 of each word
    toggles -= low.sum(axis=1, dtype=np.uint32)
    toggles += np.count_nonzero(low[:, 1:] != high[:, :-1], axis=1)
    if carry is not None:
        toggles += low[:, 0] != carry
    return (values[:, -1] >> np.uint64((count - 1) % 64)) & _ONE


def _constant_nets(netlist, inputs, holds):
    """net -> 0/1 for the whole run: constants, held inputs, inputs neither streamed nor held."""
    known = {0: 0, 1: 1}
    for name, (direction, nets) in netlist.ports.items():
        if direction != "input" or name in inputs:
            continue
        value = int(holds.get(name, 0))
        for b, net in enumerate(nets):
            known[net] = (value >> b) & 1
    return known


def _simulate_lanes(netlist, inputs, holds, n, record_outputs, lanes, warmup):
    """Cycle-by-cycle simulation, independent stream segments in the lanes (bits) of words.

    Lane j simulates segment j of the stream after a warm-up of ``warmup`` operations from the
    zero state. Exactness is checked, not assumed: lane 0 starts at the true zero state, and
    when every lane's flip-flop states at the operation before its segment equal its left
    neighbour's states there, every lane equals the serial run (induction over the lanes).
    Each lane that differs is re-simulated from its neighbour's states and its previous
    contribution subtracted, in rounds until all agree; if more than a few rounds are needed,
    the whole run is repeated with a four times longer warm-up (at worst every lane starts at
    operation 0: the serial run itself).
    """
    if lanes is None:
        # about 64 operations per lane: wide words amortize the per-cycle Python overhead
        lanes = min(16384, max(64, -(-n // (64 * 64)) * 64))
    if lanes % 64 or lanes <= 0:
        raise ValueError("lanes must be a positive multiple of 64")
    if warmup < 1:
        raise ValueError("warmup must be at least 1")
    sim = _LaneSim(netlist, inputs, holds, n)
    out_ports = [name for name, (d, _) in netlist.ports.items() if d == "output"]
    seg = -(-n // lanes)  # operations per lane
    j = np.arange(lanes)
    first = np.maximum(1, j * seg)  # first transition counted (t-1 -> t)
    stop = np.minimum((j + 1) * seg, n)
    edge = np.where(
        (j + 1) * seg < n, (j + 1) * seg - 1, -1
    )  # the operation before lane j+1's segment
    while True:
        outputs = (
            {name: np.zeros(n, dtype=np.uint64) for name in out_ports} if record_outputs else None
        )
        start = np.maximum(0, j * seg - warmup)
        checked = (j >= 1) & (start > 0) & (j * seg < n)
        before = np.where(checked, j * seg - 1, -1)
        toggles, ((recv, _), (end, _)) = sim.run(
            start=start, first=first, stop=stop, snaps=(before, edge), outputs=outputs
        )
        rerun = np.zeros(lanes, dtype=bool)
        for _ in range(8):
            # a lane is consistent when it started from its left neighbour's (current) end state
            match = ~checked
            match[1:] |= np.all(recv[:, 1:] == end[:, :-1], axis=0)
            if match.all():
                return SimResult(
                    toggles=toggles,
                    n_ops=n,
                    outputs=outputs,
                    engine="lanes",
                    warmup=warmup,
                    repaired_lanes=int(np.count_nonzero(rerun)),
                )
            # re-run each inconsistent lane from its neighbour's end state beside a re-run of
            # what it counted (subtracted), until the two agree
            fix = j[~match]
            half = -(-len(fix) // 64) * 64
            pad = half - len(fix)

            def both(values, fill, pad=pad):
                return np.tile(_padded(values, pad, fill), 2)

            init = np.concatenate(
                [
                    np.pad(recv[:, fix], ((0, 0), (0, pad))),
                    np.pad(end[:, fix - 1], ((0, 0), (0, pad))),
                ],
                axis=1,
            )
            edges = np.concatenate([np.full(half, -1), _padded(edge[fix], pad, -1)])
            mine = np.concatenate([np.zeros(half, dtype=bool), np.arange(half) < len(fix)])
            delta, ((bits, recorded),) = sim.run(
                start=both(fix * seg - 1, 0),
                first=both(first[fix], 0),
                stop=both(stop[fix], 0),
                init=init,
                snaps=(edges,),
                outputs=outputs,
                out_lanes=mine,
                minus=half,
                converge=True,
            )
            toggles += delta
            recv[:, fix] = end[:, fix - 1]
            got = recorded[half : half + len(fix)]
            end[:, fix[got]] = bits[:, half : half + len(fix)][:, got]
            rerun[fix] = True
        warmup *= 4


def _padded(values, pad, fill):
    return np.concatenate([values, np.full(pad, fill, dtype=values.dtype)])


class _LaneSim:
    """The netlist's combinational cone and flip-flops, evaluated once per cycle over all lanes."""

    def __init__(self, netlist, inputs, holds, n):
        self.netlist = netlist
        self.n = n
        self.plan = _Plan(netlist, netlist.comb_levels)
        funcs = netlist.compiled_functions()
        by_cell = {}
        for i in netlist.flops:
            by_cell.setdefault(netlist.instances[i].cell, []).append(i)
        self.flop_groups = [
            _Plan._step(netlist, funcs, cell_name, members)
            for cell_name, members in by_cell.items()
        ]
        self.hold_rows = _hold_rows(netlist, holds)
        self.codes = {name: np.asarray(v) for name, v in inputs.items()}
        self.out_ports = [name for name, (d, _) in netlist.ports.items() if d == "output"]

    def _states(self, init, words):
        if init is None:
            return [np.zeros((len(g[4]), words), dtype=np.uint64) for g in self.flop_groups]
        packed = np.ascontiguousarray(np.packbits(init.astype(np.uint8), axis=1, bitorder="little"))
        packed = packed.view(np.uint64)
        bounds = np.cumsum([0] + [len(g[4]) for g in self.flop_groups])
        return [packed[a:b].copy() for a, b in zip(bounds[:-1], bounds[1:])]

    def run(
        self,
        *,
        start,
        first,
        stop,
        init=None,
        snaps=(),
        outputs=None,
        out_lanes=None,
        minus=0,
        converge=False,
    ):
        """Lane k runs operations ``start[k]`` .. ``stop[k] - 1`` from state ``init[:, k]``
        (zero if None), counting transitions t-1 -> t for ``first[k] <= t < stop[k]``.

        ``snaps``: arrays of one operation per lane (-1: none) at which the lane's flip-flop
        states are recorded. Output ports' values at counted operations (and operation 0) go
        into ``outputs`` (only for ``out_lanes`` if given). The first ``minus`` lanes (a
        multiple of 64) count negatively; with ``converge``, lane k < minus and lane
        k + minus are a pair, and the run stops once every pair's states agree (the rest of
        their runs would cancel). Returns (toggles, [(bits, recorded) per snap array]):
        bits is flip-flops x lanes, recorded says which lanes reached their snap operation.
        """
        netlist, n = self.netlist, self.n
        lanes = len(start)
        words, half = lanes // 64, minus // 64
        cycles = int(max(0, (stop - start).max()))
        states = self._states(init, words)
        snap_cycles = [np.where(s >= 0, s - start, -1) for s in snaps]
        taken = [
            (np.zeros((len(netlist.flops), lanes), dtype=np.uint64), np.zeros(lanes, dtype=bool))
            for _ in snaps
        ]
        toggles = np.zeros(netlist.n_nets, dtype=np.int64)
        # two buffers, swapped every cycle: every driven net is rewritten each cycle, the
        # constants and held inputs are written once
        buffers = [np.zeros((netlist.n_nets, words), dtype=np.uint64) for _ in range(2)]
        for buf in buffers:
            buf[1] = _ONES
            for net, word in self.hold_rows:
                buf[net] = word
        scratch = np.empty_like(buffers[0])
        prev = None
        for c in range(cycles):
            # pairs that start this cycle in the same states count the same from the next one on
            agree = converge and all(np.array_equal(st[:, :half], st[:, half:]) for st in states)
            t = start + c
            tc = np.minimum(t, n - 1)
            values = buffers[c % 2]
            for when, (bits, recorded) in zip(snap_cycles, taken):
                sel = np.flatnonzero(when == c)
                if len(sel):
                    bits[:, sel] = _lane_bits(states, sel)
                    recorded[sel] = True
            for name, stream in self.codes.items():
                nets = netlist.ports[name][1]
                values[nets] = pack_stream(stream[tc], len(nets))
            for (cell, f, _ins, outs, _), state in zip(self.flop_groups, states):
                _write_outputs(
                    values, f, {cell.flop.state: state, cell.flop.state_n: ~state}, state, outs
                )
            for calls in self.plan.kernels:
                _run_kernels(values, calls)
            for k, (_cell, f, ins, _outs, _) in enumerate(self.flop_groups):
                states[k] = _next_state(f, {p: values[idx] for p, idx in ins.items()})
            counted = (t >= first) & (t < stop)
            if prev is not None and counted.any():
                mask = pack_stream(counted.astype(np.uint8), 1)[0]
                np.bitwise_xor(values, prev, out=scratch)
                scratch &= mask
                if half:
                    ones = np.bitwise_count(scratch)
                    toggles += ones[:, half:].sum(axis=1, dtype=np.int64)
                    toggles -= ones[:, :half].sum(axis=1, dtype=np.int64)
                else:
                    toggles += np.bitwise_count(scratch).sum(axis=1, dtype=np.int64)
            if outputs is not None:
                keep = counted | ((t == 0) & (stop > 0))
                if out_lanes is not None:
                    keep &= out_lanes
                if keep.any():
                    for name in self.out_ports:
                        got = unpack_stream(values[netlist.ports[name][1]], lanes)
                        outputs[name][t[keep]] = got[keep]
            if agree:
                break
            prev = values
        toggles[:2] = 0
        toggles[list(netlist.clock_nets)] = 0
        return toggles, taken


def _lane_bits(states, lanes):
    """(flip-flops, len(lanes)) state bits of the given lanes."""
    word, bit = lanes >> 6, (lanes & 63).astype(np.uint64)
    if not states:
        return np.zeros((0, len(lanes)), dtype=np.uint64)
    return np.concatenate([(s[:, word] >> bit) & _ONE for s in states])
