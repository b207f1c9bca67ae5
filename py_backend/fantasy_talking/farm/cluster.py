"""The same bake as Ray tasks, on a cluster the studio already runs (or a private local one).

Lines are grouped by estimated audio duration (about a quarter of an even share per CPU, so the
longest group finishes with the rest) and each group is one task running `job.bake_batch`, the
code a pool worker runs, so outputs are byte-identical to a local bake. Results stream back as
tasks finish. A task whose worker or node dies is retried by Ray (`MAX_RETRIES`); lines are
idempotent (atomic writes, stamped last), so a retry simply bakes them again. Workers read inputs
and write outputs themselves: paths must be on a file system every node sees, or fsspec URLs.

    address "auto"   the cluster this machine belongs to (`ray start` ran here, or RAY_ADDRESS)
    address "local"  a private single-machine Ray started for this bake and stopped after it
    otherwise        a head's GCS address (host:6379) or a Ray Client address (ray://host:10001)
"""
from __future__ import annotations

import logging
from typing import Sequence

from fantasy_talking.farm.job import BakeContext, bake_batch
from fantasy_talking.farm.plan import LineJob, split_by_duration
from fantasy_talking.farm.pool import OnResult
from fantasy_talking.farm.report import LineResult

MAX_RETRIES = 3
GROUPS_PER_CPU = 4
MIN_GROUP_S, MAX_GROUP_S = 5.0, 600.0


class ClusterError(RuntimeError):
    """Ray is missing or the cluster cannot be reached; the message says what to do."""


def connect(address: str, local_cpus: int | None = None) -> tuple[object, bool]:
    """Import Ray and connect; returns the module and whether this call started Ray (and must stop it)."""
    try:
        import ray
    except ImportError:
        raise ClusterError("Ray is not installed: pip install 'fantasy-talking[ray]'") from None
    if ray.is_initialized():
        return ray, False
    kwargs = dict(logging_level=logging.WARNING, log_to_driver=False, configure_logging=True)
    try:
        if address == "local":
            ray.init(num_cpus=local_cpus, include_dashboard=False, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address!r}: {exc}") from None
    return ray, True


def cluster_cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def run_ray(jobs: Sequence[LineJob], context: BakeContext, ray, on_result: OnResult) -> None:
    """Submit every group, then hand results over as their tasks finish."""
    if not jobs:
        return
    cpus = cluster_cpus(ray)
    total = sum(j.estimate_s for j in jobs)
    target = min(MAX_GROUP_S, max(MIN_GROUP_S, total / (cpus * GROUPS_PER_CPU)))
    groups = split_by_duration(jobs, target)
    task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)(bake_batch)
    context_ref = ray.put(context)
    pending = {task.remote(group, context_ref): group for group in groups}
    try:
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1)
            for ref in finished:
                group = pending.pop(ref)
                try:
                    results = ray.get(ref)
                except Exception as exc:  # noqa: BLE001 - RayError and friends: the task was lost for good
                    reason = f"the Ray task failed after {MAX_RETRIES} retries: {type(exc).__name__}: {exc}"
                    results = [LineResult(j.number, j.name, "failed", reason.splitlines()[0]) for j in group]
                if any([on_result(result) for result in results]):
                    return
    finally:
        for ref in pending:
            ray.cancel(ref)
