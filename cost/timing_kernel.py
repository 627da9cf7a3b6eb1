"""The compiled inner loop of the timing simulation (numba): one chunk of operations, cell by cell.

Data layout, all per chunk of ``W`` words (64 operations per word, operation ``t`` of the chunk
at bit ``t % 64`` of word ``t // 64``):

* ``init[net]``, ``final[net]``: the net's settled value of the previous operation (what it holds
  when the cycle starts) and of this one.
* a net's waveform: events ``ev_time[e]`` (time step) and ``ev_val[e]`` (the whole word array
  after the event), ``ev_start[net] .. ev_start[net] + ev_count[net]``, in time order.
* nodes in topological order: a cell output (``kind`` 0) or a flip-flop's state (``kind`` 1, a
  pseudo-net changing at step 0 to the next-state value of the previous operation).
* cell functions as postfix programs: code ``k >= 0`` pushes input ``k``; ``NOT``, ``AND``,
  ``OR``, ``XOR`` and the two constants are the negative codes below.

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


@numba.njit(cache=True)
def _evaluate(prog, start, length, src, n_words, out, stack):
    """``out[w]`` = the program over rows of ``src`` (inputs x words)."""
    for w in range(n_words):
        out[w] = _evaluate_word(prog, start, length, src, w, stack)


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
    ev_val,
    ev_start,
    ev_count,
):
    """Simulate one chunk; adds to ``toggles``/``functional`` (per net) and ``stats``.

    ``stats``: [cell evaluations (a cell output at a step where any lane's input changed),
    lane evaluations (the same counted per operation), transitions, word evaluations (the
    same counted per 64-operation word)]. Returns the number of
    events used, or -1 when ``ev_time`` is too small (the caller retries with a larger pool).
    """
    n_words = init.shape[1]
    pool = ev_time.shape[0]
    used = 0
    ones = ~np.uint64(0)
    stack = np.empty(32, dtype=np.uint64)
    for net in source_nets:
        ev_start[net] = used
        ev_count[net] = 0
        differs = False
        for w in range(n_words):
            if init[net, w] != final[net, w]:
                differs = True
        if differs:
            if used >= pool:
                return -1
            ev_time[used] = 0
            for w in range(n_words):
                ev_val[used, w] = final[net, w]
                x = (init[net, w] ^ final[net, w]) & count_mask[w]
                toggles[net] += _popcount(x)
                functional[net] += _popcount(x)
            ev_count[net] = 1
            used += 1
    max_in = 1
    for node in range(len(kind)):
        if in_count[node] > max_in:
            max_in = in_count[node]
    cur = np.empty((max_in, n_words), dtype=np.uint64)
    ptr = np.empty(max_in, dtype=np.int64)
    r = np.empty(n_words, dtype=np.uint64)
    y = np.empty(n_words, dtype=np.uint64)
    pm = np.empty(n_words, dtype=np.uint64)
    pv = np.empty(n_words, dtype=np.uint64)
    last = np.empty(n_words, dtype=np.uint64)
    changed = np.empty(n_words, dtype=np.uint64)
    active = np.empty(n_words, dtype=np.int64)
    q_cap = 64
    q_time = np.empty(q_cap, dtype=np.int64)
    q_mask = np.empty((q_cap, n_words), dtype=np.uint64)
    q_val = np.empty((q_cap, n_words), dtype=np.uint64)
    for node in range(len(kind)):
        out = out_net[node]
        k0, k = in_start[node], in_count[node]
        ps, pl = prog_start[node], prog_len[node]
        ev_start[out] = used
        ev_count[out] = 0
        if kind[node] == 1:
            # flip-flop state: next state of the previous operation (its settled inputs = init)
            for j in range(k):
                for w in range(n_words):
                    cur[j, w] = init[in_nets[k0 + j], w]
            _evaluate(prog, ps, pl, cur, n_words, r, stack)
            if first_lane_zero:
                r[0] &= ~np.uint64(1)
            slot = flop_slot[node]
            carry = flop_carry[slot]
            differs = False
            for w in range(n_words):
                final[out, w] = r[w]
                init[out, w] = (r[w] << np.uint64(1)) | carry
                carry = r[w] >> np.uint64(63)
                if init[out, w] != final[out, w]:
                    differs = True
            flop_carry[slot] = carry
            if differs:
                if used >= pool:
                    return -1
                ev_time[used] = 0
                for w in range(n_words):
                    ev_val[used, w] = final[out, w]
                ev_count[out] = 1
                used += 1
            continue
        # a cell output: settled values, then the waveform between them
        for j in range(k):
            src = in_nets[k0 + j]
            for w in range(n_words):
                cur[j, w] = final[src, w]
        _evaluate(prog, ps, pl, cur, n_words, r, stack)
        for w in range(n_words):
            final[out, w] = r[w]
        for j in range(k):
            src = in_nets[k0 + j]
            ptr[j] = ev_start[src]
            for w in range(n_words):
                cur[j, w] = init[src, w]
        _evaluate(prog, ps, pl, cur, n_words, r, stack)
        for w in range(n_words):
            init[out, w] = r[w]
            y[w] = r[w]
            last[w] = r[w]
            pm[w] = 0
            pv[w] = 0
            x = (init[out, w] ^ final[out, w]) & count_mask[w]
            functional[out] += _popcount(x)
        d = delay[node]
        head = 0
        tail = 0
        while True:
            t_recv = INF
            for j in range(k):
                src = in_nets[k0 + j]
                if ptr[j] < ev_start[src] + ev_count[src]:
                    tj = ev_time[ptr[j]]
                    if tj < t_recv:
                        t_recv = tj
            t_fire = q_time[head] if head < tail else INF
            if t_fire == INF and t_recv == INF:
                break
            if t_fire <= t_recv:
                # the pending event fires (before any evaluation of the same step)
                any_change = False
                for w in range(n_words):
                    m = q_mask[head, w]
                    if transport:
                        v = (y[w] & ~m) | (q_val[head, w] & m)
                    else:
                        v = (y[w] & ~m) | (pv[w] & m)
                        pm[w] &= ~m
                    changed[w] = v ^ y[w]
                    if changed[w]:
                        any_change = True
                    y[w] = v
                head += 1
                if any_change:
                    if used >= pool:
                        return -1
                    ev_time[used] = t_fire
                    for w in range(n_words):
                        ev_val[used, w] = y[w]
                        x = changed[w] & count_mask[w]
                        c = _popcount(x)
                        toggles[out] += c
                        stats[2] += c
                    ev_count[out] += 1
                    used += 1
                continue
            # inputs change at t_recv: evaluate once with all of them
            for w in range(n_words):
                changed[w] = 0
            for j in range(k):
                src = in_nets[k0 + j]
                if ptr[j] < ev_start[src] + ev_count[src] and ev_time[ptr[j]] == t_recv:
                    e = ptr[j]
                    for w in range(n_words):
                        changed[w] |= cur[j, w] ^ ev_val[e, w]
                        cur[j, w] = ev_val[e, w]
                    ptr[j] += 1
            stats[0] += 1
            n_active = 0
            for w in range(n_words):
                if changed[w]:
                    active[n_active] = w
                    n_active += 1
                    stats[1] += _popcount(changed[w])
                    stats[3] += 1
            if tail == q_cap:  # compact or grow the queue
                live = tail - head
                if live * 2 > q_cap:
                    q_cap *= 2
                    nt = np.empty(q_cap, dtype=np.int64)
                    nm = np.empty((q_cap, n_words), dtype=np.uint64)
                    nv = np.empty((q_cap, n_words), dtype=np.uint64)
                    nt[:live] = q_time[head:tail]
                    nm[:live] = q_mask[head:tail]
                    nv[:live] = q_val[head:tail]
                    q_time, q_mask, q_val = nt, nm, nv
                else:
                    q_time[:live] = q_time[head:tail].copy()
                    q_mask[:live] = q_mask[head:tail].copy()
                    q_val[:live] = q_val[head:tail].copy()
                head, tail = 0, live
            new_any = False
            if transport:
                for w in range(n_words):
                    q_mask[tail, w] = 0
                for a in range(n_active):
                    w = active[a]
                    rw = _evaluate_word(prog, ps, pl, cur, w, stack)
                    ch = rw ^ last[w]
                    if ch:
                        q_mask[tail, w] = ch
                        q_val[tail, w] = rw
                        last[w] = rw
                        new_any = True
                if new_any:
                    for w in range(n_words):
                        if not q_mask[tail, w]:
                            q_val[tail, w] = last[w]
                    q_time[tail] = t_recv + d
                    tail += 1
                continue
            # inertial: lanes whose value differs from the pending (else current) value cancel
            # their pending event; those that differ from the output schedule a new one
            for w in range(n_words):
                q_mask[tail, w] = 0
            for a in range(n_active):
                w = active[a]
                rw = _evaluate_word(prog, ps, pl, cur, w, stack)
                veff = (y[w] & ~pm[w]) | (pv[w] & pm[w])
                diff = rw ^ veff
                if diff:
                    for q in range(head, tail):
                        q_mask[q, w] &= ~diff
                    pm[w] &= ~diff
                    new = diff & (rw ^ y[w])
                    if new:
                        q_mask[tail, w] = new
                        pm[w] |= new
                        pv[w] = (pv[w] & ~new) | (rw & new)
                        new_any = True
            if new_any:
                q_time[tail] = t_recv + d
                tail += 1
        for w in range(n_words):
            if y[w] != final[out, w]:
                return -2  # cannot happen: the waveform must end at the settled value
    _ = ones
    return used
