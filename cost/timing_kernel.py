"""The compiled inner loop of the timing simulation (numba): one chunk of operations, cell by cell.

Data layout, all per chunk of ``W`` words (64 operations per word, operation ``t`` of the chunk
at bit ``t % 64`` of word ``t // 64``):

* ``init[net]``, ``final[net]``: the net's settled value of the previous operation (what it holds
  when the cycle starts) and of this one.
* a net's waveform: events ``ev_start[net] .. ev_start[net] + ev_count[net]`` in time order,
  each with its step ``ev_time[e]``, the mask ``ev_wm[e]`` of the words it changes (bit ``w``
  for word ``w``; hence at most 64 words per chunk) and those words' new values, stored in
  word order at ``ev_words[ev_off[e]:]``. A word that does not change is neither stored nor
  visited: the work of a step is proportional to the words it touches, not to ``W``.
* a cell's pending output changes: a ring of entries (step, word mask, per-word lane masks),
  in time order; entries lie within the cell's delay ``d`` of the current step, so a ring of
  more than ``max(d)`` entries never overflows.
* nodes in topological order: a cell output (``kind`` 0) or a flip-flop's state (``kind`` 1, a
  pseudo-net changing at step 0 to the next-state value of the previous operation).
* cell functions as postfix programs: code ``k >= 0`` pushes input ``k``; ``NOT``, ``AND``,
  ``OR``, ``XOR`` and the two constants are the negative codes below. The commonest programs
  (:data:`DIRECT`: inverter, 2-input gates, AOI21/OAI21, MUX2, NAND3/NOR3) are evaluated
  directly in the event loop, the others by the interpreter.

The delay rule is documented in :mod:`picojoule.cost.timingsim`.
"""

import numba
import numpy as np

NOT, AND, OR, XOR, ZERO, ONE = -1, -2, -3, -4, -5, -6
INF = np.int64(1) << 62


@numba.njit(cache=True, inline="always")
def _popcount(x):
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@numba.njit(cache=True, inline="always")
def _evaluate_word(prog, start, length, src, w, stack):
    """The program over column ``w`` of ``src`` (inputs x words)."""
    sp = 0
    for i in range(start, start + length):
        c = prog[i]
        if c >= 0:
            stack[sp] = src[c, w]
            sp += 1
        elif c == NOT:
            stack[sp - 1] = ~stack[sp - 1]
        elif c == AND:
            sp -= 1
            stack[sp - 1] &= stack[sp]
        elif c == OR:
            sp -= 1
            stack[sp - 1] |= stack[sp]
        elif c == XOR:
            sp -= 1
            stack[sp - 1] ^= stack[sp]
        elif c == ZERO:
            stack[sp] = np.uint64(0)
            sp += 1
        else:
            stack[sp] = ~np.uint64(0)
            sp += 1
    return stack[0]


#: Programs of the commonest cells -> a code the kernel evaluates directly (0: interpret).
DIRECT = {
    (0, NOT): 1,
    (0, 1, AND, NOT): 2,
    (0, 1, OR, NOT): 3,
    (0, 1, XOR): 4,
    (0, 1, XOR, NOT): 5,
    (0, 1, AND): 6,
    (0, 1, OR): 7,
    (0, 1, 2, AND, OR, NOT): 8,
    (0, 1, 2, OR, AND, NOT): 9,
    (2, 1, AND, 0, 2, NOT, AND, OR): 10,
    (0, 1, AND, 2, AND, NOT): 11,
    (0, 1, OR, 2, OR, NOT): 12,
}


def direct_code(program):
    """The :data:`DIRECT` code of a postfix program (0 when it is interpreted)."""
    return DIRECT.get(tuple(int(c) for c in program), 0)


@numba.njit(cache=True, inline="always")
def _cell_word(op, prog, start, length, src, w, stack):
    """The cell's function over column ``w`` of ``src``: directly for a :data:`DIRECT` code,
    else by the program."""
    if op == 2:
        return ~(src[0, w] & src[1, w])
    if op == 3:
        return ~(src[0, w] | src[1, w])
    if op == 4:
        return src[0, w] ^ src[1, w]
    if op == 5:
        return ~(src[0, w] ^ src[1, w])
    if op == 1:
        return ~src[0, w]
    if op == 8:
        return ~(src[0, w] | (src[1, w] & src[2, w]))
    if op == 9:
        return ~(src[0, w] & (src[1, w] | src[2, w]))
    if op == 10:
        return (src[2, w] & src[1, w]) | (src[0, w] & ~src[2, w])
    if op == 6:
        return src[0, w] & src[1, w]
    if op == 7:
        return src[0, w] | src[1, w]
    if op == 11:
        return ~(src[0, w] & src[1, w] & src[2, w])
    if op == 12:
        return ~(src[0, w] | src[1, w] | src[2, w])
    return _evaluate_word(prog, start, length, src, w, stack)


@numba.njit(cache=True, inline="always")
def _lowest(m):
    """Index of the lowest set bit of the non-zero uint64 ``m``."""
    return np.int64(_popcount((m & (~m + np.uint64(1))) - np.uint64(1)))


@numba.njit(cache=True)
def _evaluate(op, prog, start, length, src, n_words, out, stack):
    """``out[w]`` = the cell's function over rows of ``src`` (inputs x words)."""
    for w in range(n_words):
        out[w] = _cell_word(op, prog, start, length, src, w, stack)


#: ``run_chunk`` return codes when a pool is too small (the caller grows it and retries).
EVENTS_FULL, WORDS_FULL, DEFECT = -1, -3, -2


@numba.njit(cache=True)
def run_chunk(
    kind,
    out_net,
    delay,
    in_start,
    in_count,
    in_nets,
    prog_start,
    prog_len,
    prog,
    prog_op,
    flop_slot,
    source_nets,
    init,
    final,
    count_mask,
    flop_carry,
    first_lane_zero,
    transport,
    toggles,
    functional,
    stats,
    ev_time,
    ev_wm,
    ev_off,
    ev_words,
    ev_start,
    ev_count,
):
    """Simulate one chunk; adds to ``toggles``/``functional`` (per net) and ``stats``.

    ``stats``: [cell evaluations (a cell output at a step where any lane's input changed),
    lane evaluations (the same counted per operation), transitions, word evaluations (the
    same counted per 64-operation word)]. Returns the number of events used, or
    ``EVENTS_FULL`` / ``WORDS_FULL`` when ``ev_time`` / ``ev_words`` is too small (the caller
    retries the chunk with a larger pool), ``DEFECT`` if a waveform ends off its settled value.
    """
    n_words = init.shape[1]
    pool = ev_time.shape[0]
    word_pool = ev_words.shape[0]
    used = 0
    words_used = 0
    one = np.uint64(1)
    # a cell may read an input that cannot change its output under held constants before that
    # input's node runs (see Netlist.levels_given): such a net shows no events, never stale ones
    for net in range(ev_count.shape[0]):
        ev_start[net] = 0
        ev_count[net] = 0
    for net in source_nets:
        ev_start[net] = used
        ev_count[net] = 0
        wm = np.uint64(0)
        for w in range(n_words):
            if init[net, w] != final[net, w]:
                wm |= one << np.uint64(w)
        if wm:
            if used >= pool:
                return EVENTS_FULL
            if words_used + n_words > word_pool:
                return WORDS_FULL
            ev_time[used] = 0
            ev_wm[used] = wm
            ev_off[used] = words_used
            m = wm
            while m:
                w = _lowest(m)
                m &= m - one
                ev_words[words_used] = final[net, w]
                words_used += 1
                x = (init[net, w] ^ final[net, w]) & count_mask[w]
                toggles[net] += _popcount(x)
                functional[net] += _popcount(x)
            ev_count[net] = 1
            used += 1
    max_in = 1
    max_delay = 1
    for node in range(len(kind)):
        max_in = max(max_in, in_count[node])
        max_delay = max(max_delay, delay[node])
    q_cap = 1
    while q_cap <= max_delay:
        q_cap *= 2
    q_wrap = q_cap - 1
    stack = np.empty(32, dtype=np.uint64)
    cur = np.empty((max_in, n_words), dtype=np.uint64)
    ptr = np.empty(max_in, dtype=np.int64)
    r = np.empty(n_words, dtype=np.uint64)
    y = np.empty(n_words, dtype=np.uint64)
    pm = np.empty(n_words, dtype=np.uint64)
    pv = np.empty(n_words, dtype=np.uint64)
    last = np.empty(n_words, dtype=np.uint64)
    changed = np.zeros(n_words, dtype=np.uint64)
    q_time = np.empty(q_cap, dtype=np.int64)
    q_wm = np.empty(q_cap, dtype=np.uint64)
    q_mask = np.empty((q_cap, n_words), dtype=np.uint64)
    q_val = np.empty((q_cap, n_words), dtype=np.uint64)
    for node in range(len(kind)):
        out = out_net[node]
        k0, k = in_start[node], in_count[node]
        ps, pl, op = prog_start[node], prog_len[node], prog_op[node]
        ev_start[out] = used
        ev_count[out] = 0
        if kind[node] == 1:
            # flip-flop state: next state of the previous operation (its settled inputs = init)
            for j in range(k):
                for w in range(n_words):
                    cur[j, w] = init[in_nets[k0 + j], w]
            _evaluate(op, prog, ps, pl, cur, n_words, r, stack)
            if first_lane_zero:
                r[0] &= ~one
            slot = flop_slot[node]
            carry = flop_carry[slot]
            wm = np.uint64(0)
            for w in range(n_words):
                final[out, w] = r[w]
                init[out, w] = (r[w] << one) | carry
                carry = r[w] >> np.uint64(63)
                if init[out, w] != final[out, w]:
                    wm |= one << np.uint64(w)
            flop_carry[slot] = carry
            if wm:
                if used >= pool:
                    return EVENTS_FULL
                if words_used + n_words > word_pool:
                    return WORDS_FULL
                ev_time[used] = 0
                ev_wm[used] = wm
                ev_off[used] = words_used
                m = wm
                while m:
                    w = _lowest(m)
                    m &= m - one
                    ev_words[words_used] = final[out, w]
                    words_used += 1
                ev_count[out] = 1
                used += 1
            continue
        # a cell output: settled values, then the waveform between them
        for j in range(k):
            src = in_nets[k0 + j]
            for w in range(n_words):
                cur[j, w] = final[src, w]
        _evaluate(op, prog, ps, pl, cur, n_words, r, stack)
        for w in range(n_words):
            final[out, w] = r[w]
        for j in range(k):
            src = in_nets[k0 + j]
            ptr[j] = ev_start[src]
            for w in range(n_words):
                cur[j, w] = init[src, w]
        _evaluate(op, prog, ps, pl, cur, n_words, r, stack)
        for w in range(n_words):
            init[out, w] = r[w]
            y[w] = r[w]
            last[w] = r[w]
            pm[w] = 0
            pv[w] = 0
            x = (init[out, w] ^ final[out, w]) & count_mask[w]
            functional[out] += _popcount(x)
        d = delay[node]
        head = 0  # ring counters: entry q sits in slot q & q_wrap
        tail = 0
        while True:
            t_recv = INF
            for j in range(k):
                src = in_nets[k0 + j]
                if ptr[j] < ev_start[src] + ev_count[src]:
                    tj = ev_time[ptr[j]]
                    if tj < t_recv:
                        t_recv = tj
            t_fire = q_time[head & q_wrap] if head < tail else INF
            if t_fire == INF and t_recv == INF:
                break
            if t_fire <= t_recv:
                # the pending entry fires (before any evaluation of the same step)
                hs = head & q_wrap
                head += 1
                m = q_wm[hs]
                if not m:
                    continue
                if used >= pool:
                    return EVENTS_FULL
                if words_used + n_words > word_pool:
                    return WORDS_FULL
                off = words_used
                wm = np.uint64(0)
                while m:
                    w = _lowest(m)
                    bit = m & (~m + one)
                    m &= m - one
                    lanes = q_mask[hs, w]
                    if transport:
                        v = (y[w] & ~lanes) | (q_val[hs, w] & lanes)
                    else:
                        v = (y[w] & ~lanes) | (pv[w] & lanes)
                        pm[w] &= ~lanes
                    ch = v ^ y[w]
                    if ch:
                        y[w] = v
                        wm |= bit
                        ev_words[words_used] = v
                        words_used += 1
                        c = _popcount(ch & count_mask[w])
                        toggles[out] += c
                        stats[2] += c
                if wm:
                    ev_time[used] = t_fire
                    ev_wm[used] = wm
                    ev_off[used] = off
                    ev_count[out] += 1
                    used += 1
                continue
            # inputs change at t_recv: evaluate once with all of them, in the words they touch
            touched = np.uint64(0)
            for j in range(k):
                src = in_nets[k0 + j]
                e = ptr[j]
                if e < ev_start[src] + ev_count[src] and ev_time[e] == t_recv:
                    m = ev_wm[e]
                    o = ev_off[e]
                    touched |= m
                    while m:
                        w = _lowest(m)
                        m &= m - one
                        v = ev_words[o]
                        o += 1
                        changed[w] |= cur[j, w] ^ v
                        cur[j, w] = v
                    ptr[j] += 1
            stats[0] += 1
            ts = tail & q_wrap
            new_wm = np.uint64(0)
            m = touched
            while m:
                w = _lowest(m)
                bit = m & (~m + one)
                m &= m - one
                stats[1] += _popcount(changed[w])
                stats[3] += 1
                changed[w] = 0
                rw = _cell_word(op, prog, ps, pl, cur, w, stack)
                if transport:
                    ch = rw ^ last[w]
                    if ch:
                        q_mask[ts, w] = ch
                        q_val[ts, w] = rw
                        last[w] = rw
                        new_wm |= bit
                    continue
                # inertial: lanes whose value differs from the pending (else current) value
                # cancel their pending change; those that differ from the output schedule one
                veff = (y[w] & ~pm[w]) | (pv[w] & pm[w])
                diff = rw ^ veff
                if not diff:
                    continue
                pending = diff & pm[w]  # each such lane sits in exactly one queued entry
                q = head
                while pending and q < tail:
                    qs = q & q_wrap
                    if q_wm[qs] & bit:
                        hit = q_mask[qs, w] & pending
                        q_mask[qs, w] &= ~hit
                        pending &= ~hit
                    q += 1
                if pending:
                    return DEFECT
                pm[w] &= ~diff
                new = diff & (rw ^ y[w])
                if new:
                    q_mask[ts, w] = new
                    pm[w] |= new
                    pv[w] = (pv[w] & ~new) | (rw & new)
                    new_wm |= bit
            if new_wm:
                q_wm[ts] = new_wm
                q_time[ts] = t_recv + d
                tail += 1
        for w in range(n_words):
            if y[w] != final[out, w]:
                return DEFECT  # cannot happen: the waveform must end at the settled value
    return used
