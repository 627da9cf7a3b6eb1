"""Prove a synthesized unit against its golden model on every operand pair (or a sample).

`prove` synthesizes the unit's Verilog (:func:`picojoule.cost.synth.synthesize`, the netlist the
energy figures come from), then evaluates that gate netlist on every pair of operand codes,
in chunks spread over worker processes, each chunk compared with ``spec.golden`` on the same
pairs (:mod:`picojoule.cost.sweep_netlist`; NaN compared as a class). Units with at most
`EXHAUSTIVE_LIMIT` operand bits can be swept exhaustively; any unit can be sampled (``sample``
pairs drawn uniformly with replacement, chunk ``c`` from ``numpy.random.default_rng([seed,
c])``, so the pairs do not depend on the number of workers). The sweep stops once
``max_mismatches`` mismatches are found.

The result (a JSON-able dict, see `prove`) is cached (`picojoule.base.cache`, kind ``prove``) by
the mapped netlist, the cell library's content digest, the spec, the mode and its parameters,
and the source of `SOURCES` (the netlist engine and the golden models).
"""

import concurrent.futures
import multiprocessing
import os
import resource
import time

import numpy as np

from picojoule.base import cache
from picojoule.base.errors import UserError
from picojoule.base.progress import progress_bar
from picojoule.cost.sweep_netlist import NetlistSweep
from picojoule.cost.synth import synthesize
from picojoule.models.formats import FloatFormat, IntFormat

__all__ = [
    "EXHAUSTIVE_LIMIT",
    "SOURCES",
    "prove",
    "check_mode",
    "sweeps_operands",
    "enumerable",
    "plan_tasks",
    "run_tasks",
    "cpu_seconds",
]

#: The packages whose source the cached results depend on (netlist engine, golden models).
SOURCES = ("picojoule.base", "picojoule.cost", "picojoule.models")
#: Operand bits (a and b together) up to which an exhaustive sweep is offered: 2^32 pairs.
EXHAUSTIVE_LIMIT = 32
#: Words (64 pairs each) evaluated at once, and chunks per worker task.
CHUNK_WORDS = 4096
CHUNKS_PER_TASK = 8

_SWEEP = None  # the worker processes' NetlistSweep (inherited through fork)


def check_mode(spec, *, sample):
    """The operand bits of ``spec``; UserError when an exhaustive sweep is asked above the limit,
    or for block operands (`sweeps_operands` is False)."""
    if not sweeps_operands(spec):
        raise UserError(
            f"{spec.name} takes block operands; prove sweeps scalar operand pairs: co-verify "
            f"it with `picojoule sim --unit {spec.name}`"
        )
    bits = sum(fmt.width for fmt in spec.in_formats)
    if sample is None and not enumerable(spec):
        raise UserError(
            f"{spec.name} has {bits} operand input bits (2^{bits} pairs); exhaustive proofs go "
            f"up to {EXHAUSTIVE_LIMIT} bits: use --sample N (e.g. --sample 10000000)"
        )
    if sample is not None and sample < 1:
        raise UserError(f"--sample needs a positive number of pairs, got {sample}")
    return bits


def enumerable(spec):
    """True when every operand pair of ``spec`` can be swept: at most `EXHAUSTIVE_LIMIT`
    operand bits together."""
    return sum(fmt.width for fmt in spec.in_formats) <= EXHAUSTIVE_LIMIT


def sweeps_operands(spec):
    """True when both operands of ``spec`` are scalar codes (float or integer formats)."""
    return all(isinstance(fmt, (FloatFormat, IntFormat)) for fmt in spec.in_formats)


def _task_exhaustive(task):
    first_word, n_words, chunk_words, max_examples = task
    pairs = mismatches = 0
    examples = []
    for w in range(first_word, first_word + n_words, chunk_words):
        n, bad, ex = _SWEEP.run_exhaustive(
            first_word=w,
            n_words=min(chunk_words, first_word + n_words - w),
            max_examples=max_examples,
        )
        pairs, mismatches, examples = pairs + n, mismatches + bad, examples + ex
        if mismatches >= max_examples:
            break
    return pairs, mismatches, examples[:max_examples]


def _task_pairs(task):
    kind, chunk, count, seed, max_examples = task
    if kind == "all":  # fewer than 64 pairs in the whole space
        pairs = np.arange(count, dtype=np.uint64)
    else:
        rng = np.random.default_rng([seed, chunk])
        pairs = rng.integers(0, 1 << _SWEEP.bits, count, dtype=np.uint64)
    return _SWEEP.run_pairs(pairs, max_examples=max_examples)


def plan_tasks(sweep, *, sample, seed, max_examples):
    """(function, [(task, pairs)]) covering the sweep of a `NetlistSweep`: every pair, or
    ``sample`` pairs drawn with ``seed``."""
    if sample is None and sweep.bits < 6:
        total = 1 << sweep.bits
        return _task_pairs, [(("all", 0, total, seed, max_examples), total)]
    if sample is None:
        total_words = 1 << (sweep.bits - 6)
        chunk = min(CHUNK_WORDS, total_words)
        per_task = chunk * CHUNKS_PER_TASK
        return _task_exhaustive, [
            (
                (w, min(per_task, total_words - w), chunk, max_examples),
                min(per_task, total_words - w) * 64,
            )
            for w in range(0, total_words, per_task)
        ]
    per_task = CHUNK_WORDS * 64
    return _task_pairs, [
        (
            ("sample", c, min(per_task, sample - start), seed, max_examples),
            min(per_task, sample - start),
        )
        for c, start in enumerate(range(0, sample, per_task))
    ]


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def run_tasks(sweep, function, tasks, *, jobs, max_mismatches, show_progress, label):
    """Run the `plan_tasks` of ``sweep`` on ``jobs`` forked workers (a progress bar when
    ``show_progress``); ``(pairs, mismatches, examples)``, stopping at ``max_mismatches``."""
    global _SWEEP
    _SWEEP = sweep
    pairs = mismatches = 0
    examples = []
    total = sum(n for _, n in tasks)
    bar = progress_bar(total=total, label=label, unit="pair") if show_progress else _NoBar()
    bar.unit_scale = True  # 4.29G pairs rather than 4294967296
    try:
        if jobs <= 1 or len(tasks) <= 1:
            for task, _ in tasks:
                n, bad, ex = function(task)
                pairs, mismatches, examples = pairs + n, mismatches + bad, examples + ex
                bar.update(n)
                if mismatches >= max_mismatches:
                    break
            return pairs, mismatches, examples
        context = multiprocessing.get_context("fork")
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            pending = iter(tasks)
            running = set()
            for task, _ in pending:
                running.add(pool.submit(function, task))
                if len(running) >= 3 * jobs:
                    break
            while running:
                done, running = concurrent.futures.wait(
                    running, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in done:
                    n, bad, ex = future.result()
                    pairs, mismatches, examples = pairs + n, mismatches + bad, examples + ex
                    bar.update(n)
                if mismatches >= max_mismatches:
                    for future in running:
                        future.cancel()
                    break
                for task, _ in pending:
                    running.add(pool.submit(function, task))
                    if len(running) >= 3 * jobs:
                        break
        return pairs, mismatches, examples
    finally:
        bar.close()
        _SWEEP = None


def cpu_seconds():
    """CPU time of this process and of its ended children (the workers, once joined)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def prove(
    *,
    spec,
    verilog,
    sample=None,
    seed=1,
    max_mismatches=10,
    jobs=None,
    liberty=None,
    cache_dir="default",
    progress=True,
    synth=None,
    lookup_only=False,
):
    """Sweep the synthesized netlist of ``spec`` against ``spec.golden``.

    Parameters
    ----------
    spec : a unit spec (`picojoule.models.units`)
    verilog : path-like
        The unit's exported Verilog (top module ``spec.name``).
    sample : int, optional
        Compare this many random pairs instead of every pair.
    seed : int
        Seed of the sample (ignored for exhaustive sweeps).
    max_mismatches : int
        Stop once this many mismatches are found (their examples are kept).
    jobs : int, optional
        Worker processes (default: every core the process may use).
    synth : SynthResult, optional
        An already synthesized netlist of the unit (e.g. one with a fault, for tests).
    progress : bool
        A progress bar (done/total pairs, rate, ETA) on stderr.
    lookup_only : bool
        Return the cached result, or None when there is none (nothing is simulated).

    Returns
    -------
    dict with ``unit``, ``mode`` ("exhaustive" or "sample"), ``space`` (pairs in the whole
    space), ``pairs`` (compared), ``mismatches``, ``examples`` (codes, decoded values, got,
    want), ``complete`` (every planned pair compared), ``verdict`` ("proven": exhaustive,
    complete, no mismatch; "no mismatch in the sample"; "mismatch"), ``seconds`` (wall clock),
    ``cpu_seconds`` (this process and its workers), ``pairs_per_second``, ``cells``,
    ``library``, ``yosys``, ``seed``, ``cached``.
    """
    bits = check_mode(spec, sample=sample)
    if max_mismatches < 1:
        raise UserError(f"--max-mismatches must be at least 1, got {max_mismatches}")
    if synth is None:
        synth = synthesize(verilog=verilog, top=spec.name, liberty=liberty, cache_dir=cache_dir)
    cache_dir = cache.resolve(cache_dir)
    mode = "exhaustive" if sample is None else "sample"
    digest = cache.key(
        "prove",
        spec.kind,
        spec.params(),
        synth.design,
        synth.library.digest,
        mode,
        sample,
        seed if sample is not None else None,
        max_mismatches,
        sources=SOURCES,
    )
    cached = cache.load_result(cache_dir, "prove", digest)
    if cached is not None or lookup_only:
        return cached
    sweep = NetlistSweep(netlist=synth.netlist, spec=spec)
    function, tasks = plan_tasks(sweep, sample=sample, seed=seed, max_examples=max_mismatches)
    jobs = jobs or len(os.sched_getaffinity(0))
    start, cpu_start = time.perf_counter(), cpu_seconds()
    pairs, mismatches, examples = run_tasks(
        sweep,
        function,
        tasks,
        jobs=jobs,
        max_mismatches=max_mismatches,
        show_progress=progress,
        label=spec.name,
    )
    seconds = time.perf_counter() - start
    cpu_used = cpu_seconds() - cpu_start
    planned = sum(n for _, n in tasks)
    complete = pairs == planned
    if mismatches:
        verdict = "mismatch"
    elif mode == "exhaustive" and complete:
        verdict = "proven"
    else:
        verdict = "no mismatch in the sample"
    result = {
        "unit": spec.name,
        "kind": spec.kind,
        "params": spec.params(),
        "mode": mode,
        "bits": bits,
        "space": 1 << bits,
        "pairs": pairs,
        "complete": complete,
        "mismatches": mismatches,
        "examples": examples[:max_mismatches],
        "verdict": verdict,
        "seconds": round(seconds, 3),
        "pairs_per_second": pairs / seconds if seconds > 0 else None,
        "cpu_seconds": round(cpu_used, 3),
        "jobs": jobs,
        "cells": sum(synth.cells.values()),
        "library": synth.library_label,
        "yosys": synth.yosys_version,
        "seed": seed if sample is not None else None,
        "max_mismatches": max_mismatches,
        "cached": False,
    }
    cache.store(cache_dir, "prove", digest, result)
    return result
