"""Local execution: the caller's own process (`jobs=1`) or a pool of worker processes.

Workers come from a fork server, so each starts from a clean process that has already imported
the engine, then loads it once (`init_pool_worker`) and bakes line after line. Lines go out
longest first; results come back in the order they finish.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Sequence

from fantasy_talking.farm.job import (FORKSERVER_PRELOAD, BakeContext, bake_in_pool_worker, bake_line,
                                     init_pool_worker, warm_up)
from fantasy_talking.farm.plan import LineJob, longest_first
from fantasy_talking.farm.report import LineResult

OnResult = Callable[[LineResult], bool]
"""Called with each finished line; returns True to stop the bake (--fail-fast)."""



def run_inline(jobs: Sequence[LineJob], context: BakeContext, on_result: OnResult) -> None:
    """Everything in this process, longest line first (the same order a pool would start them in)."""
    warm_up(context.has_text)
    for job in longest_first(jobs):
        if on_result(bake_line(job, context)):
            return


def run_pool(jobs: Sequence[LineJob], context: BakeContext, workers: int, on_result: OnResult) -> None:
    """`workers` processes; at most 2 × workers lines in flight, so stopping early wastes little."""
    context_mp = multiprocessing.get_context("forkserver")
    context_mp.set_forkserver_preload(FORKSERVER_PRELOAD)
    queue = list(reversed(longest_first(jobs)))  # pop() takes the longest next
    running: dict[Future, LineJob] = {}
    pool = _new_pool(context, workers, context_mp)
    stop = False
    try:
        while (queue or running) and not stop:
            while queue and len(running) < 2 * workers:
                job = queue.pop()
                running[pool.submit(bake_in_pool_worker, job)] = job
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            results, broken = [], False
            for future in finished:
                job = running.pop(future)
                try:
                    results.append(future.result())
                except BrokenProcessPool:
                    broken = True
                    results.append(_died(job))
            if broken:
                # A worker died (killed, out of memory) and took the pool with it: we cannot tell
                # which line did it, so every line in flight fails with the reason; a fresh pool goes on.
                results += [_died(job) for job in running.values()]
                running.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(context, workers, context_mp)
            for result in results:
                stop = on_result(result) or stop
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(context: BakeContext, workers: int, context_mp) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=context_mp,
                               initializer=init_pool_worker, initargs=(context, dict(os.environ)))


def _died(job: LineJob) -> LineResult:
    return LineResult(job.number, job.name, "failed", "a worker process died while this line was baking "
                      "(out of memory or killed?); rerun the bake to retry it")
