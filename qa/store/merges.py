"""Merging segments: fewer segments to search, and deleted paragraphs' space given back.

The policy is Lucene's ``LogMergePolicy`` by paragraph count: a segment's level is
``floor(log10(paragraphs))``, and ``MERGE_FACTOR`` adjacent segments of one level are merged
into one of the next. Each merge reads and writes about ``MERGE_FACTOR`` times the size of the
segments it merges, so a paragraph is rewritten about once per level (six levels up to the whole
release), not once per write as when every write copied the whole index. Only adjacent segments
merge, so segments stay in pid order. A policy merge writes at most ``MAX_MERGED_PARAGRAPHS``, as
Lucene's ``TieredMergePolicy`` caps a merged segment at 5 GB: ten segments of two hundred thousand
paragraphs stay ten, where merging them would build a graph of 2.7 million windows in the merging
process (the server, for an upload: about 5 GB of its memory), write 25 GB beside the live files,
and take hours on one core.
``cableqa optimize`` merges everything into one segment, whatever its size, or into at most ``N``
(``--max-segments``, Lucene's ``forceMerge(maxNumSegments)``): adjacent runs whose largest holds as
few paragraphs as any split into ``N`` allows (:func:`forced_runs`), so the whole release can be searched
as a few large segments without one process holding all its vectors at once.

A merge holds the write lock only to commit, as Lucene's ``ConcurrentMergeScheduler`` does, in
three phases:

1. :func:`plan_merge` picks the run from a snapshot ``base`` (any snapshot: segments never change).
2. :func:`build_merge` builds the merged segment from ``base``'s segments into a staging folder
   (:func:`~qa.store.staging.merge_staging`), without the write lock: uploads and deletes of every
   process publish meanwhile.
3. :func:`commit_merge`, under the write lock, reloads the latest generation. If every segment of
   the run is still listed, it publishes a generation listing the merged segment in the run's place,
   with every tombstone added to the run's segments since ``base`` (tombstones name cable ids, so
   they apply to the merged segment as they are) and the latest generation's counts; the segment
   takes its ``seg-NNNNNN`` name there, from the generation number. If another merge or a write that
   emptied a segment removed one of the run, the merge is abandoned and its folder removed.

Only one process merges an index at a time (:mod:`qa.store.merge_lock`); who runs merges is
:mod:`qa.store.merge_scheduler`.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from qa.store.generations import SEGMENTS
from qa.store.segment import SegmentInfo, place_segment
from qa.store.snapshot import Snapshot
from qa.store.staging import merge_staging
from qa.store.writer import Counts, NextGeneration, commit_generation, merged_segment, without_empty
from qa.store.writer_lock import WriterLock

__all__ = ["MAX_MERGED_PARAGRAPHS", "MERGE_FACTOR", "OPTIMIZE_ROUNDS_OFF_LOCK", "BuiltMerge", "MergePlan",
           "build_merge", "commit_merge", "discard", "due_merge", "forced_runs", "merge_off_lock", "optimize",
           "plan_merge", "plan_optimize"]

MERGE_FACTOR = 10
MAX_MERGED_PARAGRAPHS = 1_000_000
# optimize() builds off the lock at most this many times while writes keep landing, then once under it.
OPTIMIZE_ROUNDS_OFF_LOCK = 2


def _level(info: SegmentInfo) -> int:
    return int(math.log10(max(info.paragraphs, 1)))


def due_merge(segments: Sequence[SegmentInfo], factor: int = MERGE_FACTOR,
              max_paragraphs: int = MAX_MERGED_PARAGRAPHS) -> tuple[int, int] | None:
    """The first ``[start, end)`` of ``factor`` adjacent segments of one level holding at most
    ``max_paragraphs`` together, if any."""
    run_start = 0
    for i in range(1, len(segments) + 1):
        if i == len(segments) or _level(segments[i]) != _level(segments[run_start]):
            for start in range(run_start, i - factor + 1):
                if sum(s.paragraphs for s in segments[start:start + factor]) <= max_paragraphs:
                    return start, start + factor
            run_start = i
    return None


@dataclass(frozen=True, slots=True)
class MergePlan:
    """Merge ``base``'s segments ``[start, end)`` into one."""

    base: Snapshot
    start: int
    end: int

    @property
    def run(self) -> tuple[SegmentInfo, ...]:
        return tuple(SegmentInfo.from_dict(s) for s in self.base.manifest.segments[self.start:self.end])


@dataclass(frozen=True, slots=True)
class BuiltMerge:
    """A merged segment built and fsynced in ``staged``, not yet listed by any generation."""

    plan: MergePlan
    staged: Path
    info: SegmentInfo  # named after the staging folder until committed


def plan_merge(snapshot: Snapshot, factor: int = MERGE_FACTOR) -> MergePlan | None:
    """The merge the policy calls for in ``snapshot``, if any."""
    run = due_merge([SegmentInfo.from_dict(s) for s in snapshot.manifest.segments], factor)
    return None if run is None else MergePlan(snapshot, *run)


def forced_runs(segments: Sequence[SegmentInfo], max_segments: int,
                deleted: Mapping[str, Sequence[str]]) -> list[tuple[int, int]]:
    """The ``[start, end)`` runs to merge so that at most ``max_segments`` segments remain and none keeps a
    tombstone.

    The segments are split into at most ``max_segments`` adjacent groups whose largest holds as few
    paragraphs as possible (it bounds the merging process's memory and the longest merge); among such
    splits, the one that rewrites the fewest paragraphs. A group to merge is one of several segments, or
    one segment with tombstones (rewritten without them); a lone segment with none is left as it is.
    """
    if max_segments < 1:
        raise ValueError(f"max_segments must be at least 1, got {max_segments}")
    count = len(segments)
    if count == 0:
        return []
    before = [0, *accumulate(s.paragraphs for s in segments)]

    def size(start: int, end: int) -> int:
        return before[end] - before[start]

    def rewritten(start: int, end: int) -> int:
        return size(start, end) if end - start > 1 or deleted.get(segments[start].name) else 0

    groups = min(max_segments, count)
    largest = _smallest_largest_group(size, count, groups)
    # cost[g][end]: the fewest paragraphs rewritten splitting segments[:end] into g groups of <= largest.
    unreachable = math.inf
    cost = [[unreachable] * (count + 1) for _ in range(groups + 1)]
    cut: list[list[int]] = [[0] * (count + 1) for _ in range(groups + 1)]
    cost[0][0] = 0
    for g in range(1, groups + 1):
        for end in range(1, count + 1):
            for start in range(end - 1, -1, -1):
                if size(start, end) > largest:
                    break
                total = cost[g - 1][start] + rewritten(start, end)
                if total < cost[g][end]:
                    cost[g][end], cut[g][end] = total, start
    g = min(range(1, groups + 1), key=lambda n: cost[n][count])
    runs, end = [], count
    while end > 0:
        start = cut[g][end]
        if rewritten(start, end):
            runs.append((start, end))
        end, g = start, g - 1
    return runs[::-1]


def _smallest_largest_group(size: Callable[[int, int], int], count: int, groups: int) -> int:
    """The least paragraph count such that ``count`` segments split into ``groups`` adjacent groups none
    larger (the linear partition problem, by dynamic programming)."""
    best = [[size(0, end) for end in range(count + 1)]]
    for g in range(1, groups):
        row = [best[g - 1][0]] + [min(max(best[g - 1][start], size(start, end)) for start in range(end + 1))
                                  for end in range(1, count + 1)]
        best.append(row)
    return best[groups - 1][count]


def plan_optimize(snapshot: Snapshot, max_segments: int = 1) -> tuple[MergePlan, ...]:
    """The merges leaving at most ``max_segments`` segments and no tombstones (:func:`forced_runs`); none
    when the index is so already."""
    segments = [SegmentInfo.from_dict(s) for s in snapshot.manifest.segments]
    return tuple(MergePlan(snapshot, start, end)
                 for start, end in forced_runs(segments, max_segments, snapshot.manifest.deleted))


def build_merge(root: Path, plan: MergePlan) -> BuiltMerge:
    """Phase 2: the merged segment of ``plan``, built in a fresh staging folder; no lock is needed."""
    staged = merge_staging(root / SEGMENTS)
    try:
        info = merged_segment(staged, plan.base, plan.run)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return BuiltMerge(plan, staged, info)


def discard(built: BuiltMerge) -> None:
    """Remove a built merge that will not be committed."""
    shutil.rmtree(built.staged, ignore_errors=True)


def commit_merge(root: Path, built: BuiltMerge, latest: Snapshot) -> Snapshot | None:
    """Phase 3, the caller holding the write lock and ``latest`` the generation ``CURRENT`` names: publish
    ``latest`` with the merged segment in place of the run, or None (the merge abandoned and removed)
    when ``latest`` no longer lists the whole run."""
    run = [s.name for s in built.plan.run]
    listed = [SegmentInfo.from_dict(s) for s in latest.manifest.segments]
    names = [s.name for s in listed]
    start = names.index(run[0]) if run[0] in names else -1
    if start < 0 or names[start:start + len(run)] != run:
        discard(built)
        return None
    base = built.plan.base.manifest.deleted
    now = latest.manifest
    # Per segment: a cable replaced before ``base`` is tombstoned in its old segment there, and its new
    # version, deleted since, in another segment of the run; the id is new to that segment's tombstones.
    carried = sorted({cable_id for name in run for cable_id in set(now.deleted.get(name, ()))
                      - set(base.get(name, ()))})

    def build(number: int) -> NextGeneration:
        info = place_segment(built.staged, built.info, number)
        deleted = {name: ids for name, ids in now.deleted.items() if name not in run}
        if carried:
            deleted[info.name] = carried
        return without_empty(NextGeneration((*listed[:start], info, *listed[start + len(run):]), deleted,
                                            now.next_pid, Counts(now.cables, now.paragraphs, now.vectors,
                                                                 now.sentences)))

    try:
        return commit_generation(root, latest, build)
    except BaseException:
        discard(built)
        raise


def merge_off_lock(root: Path, plan: MergePlan, writer: WriterLock, latest: Callable[[], Snapshot],
                   wait: float) -> Snapshot | None:
    """Build ``plan`` without the write lock, then commit it under the lock against ``latest()``; the new
    snapshot, or None when the merge was abandoned (its run changed meanwhile)."""
    built = build_merge(root, plan)
    try:
        with writer.held(wait):
            return commit_merge(root, built, latest())
    except BaseException:
        discard(built)
        raise


def optimize(root: Path, writer: WriterLock, latest: Callable[[], Snapshot], wait: float,
             max_segments: int = 1) -> Snapshot:
    """At most ``max_segments`` segments holding every live cable, and no tombstones; the caller holds the
    merge lock.

    Each round builds its merges off the write lock, one after another, so writes go on meanwhile; a
    write that lands during a build leaves its segment or a carried tombstone behind, and the next round
    merges again. After ``OPTIMIZE_ROUNDS_OFF_LOCK`` such rounds the last one builds under the write lock,
    so optimize always ends with at most ``max_segments`` segments and nothing deleted (unless the index
    is empty).
    """
    for _ in range(OPTIMIZE_ROUNDS_OFF_LOCK):
        plans = plan_optimize(latest(), max_segments)
        if not plans:
            return latest()
        for plan in plans:  # disjoint runs of one base: each commits against the latest generation
            merge_off_lock(root, plan, writer, latest, wait)
    with writer.held(wait):
        snapshot = latest()
        for plan in plan_optimize(snapshot, max_segments):
            done = commit_merge(root, build_merge(root, plan), snapshot)
            assert done is not None  # the runs are the snapshot's own, read under the same lock
            snapshot = done
        return snapshot
