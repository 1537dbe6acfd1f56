"""Merging segments: fewer segments to search, and deleted paragraphs' space given back.

The policy is Lucene's ``LogMergePolicy`` by paragraph count: a segment's level is
``floor(log10(paragraphs))``, and ``MERGE_FACTOR`` adjacent segments of one level are merged
into one of the next. Each merge reads and writes about ``MERGE_FACTOR`` times the size of the
segments it merges, so a paragraph is rewritten about once per level (six levels up to the whole
release), not once per write as when every write copied the whole index. Only adjacent segments
merge, so segments stay in pid order. ``cableqa optimize`` merges everything into one segment.

Merges run under the write lock, right after the write that makes one due, and publish a
generation of their own: the write is already published (and answered) by then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from qa.store.segment import SegmentInfo
from qa.store.snapshot import Snapshot
from qa.store.writer import Counts, NextGeneration, commit_generation, merged_segment

__all__ = ["MERGE_FACTOR", "due_merge", "merge", "merge_due", "optimize"]

MERGE_FACTOR = 10


def _level(info: SegmentInfo) -> int:
    return int(math.log10(max(info.paragraphs, 1)))


def due_merge(segments: Sequence[SegmentInfo], factor: int = MERGE_FACTOR) -> tuple[int, int] | None:
    """The first run ``[start, end)`` of ``factor`` adjacent segments of one level, if any."""
    run_start = 0
    for i in range(1, len(segments) + 1):
        if i == len(segments) or _level(segments[i]) != _level(segments[run_start]):
            if i - run_start >= factor:
                return run_start, run_start + factor
            run_start = i
    return None


def merge(root: Path, previous: Snapshot, start: int, end: int) -> Snapshot:
    """Publish a generation where the segments ``[start, end)`` are one, their deleted paragraphs gone."""
    segments = tuple(SegmentInfo.from_dict(s) for s in previous.manifest.segments)
    run = segments[start:end]

    def build(number: int) -> NextGeneration:
        info = merged_segment(root, number, previous, run)
        names = {s.name for s in run}
        base = previous.manifest
        return NextGeneration((*segments[:start], info, *segments[end:]),
                              {n: ids for n, ids in base.deleted.items() if n not in names}, base.next_pid,
                              Counts(base.cables, base.paragraphs, base.vectors, base.sentences))

    return commit_generation(root, previous, build)


def merge_due(root: Path, snapshot: Snapshot, factor: int = MERGE_FACTOR) -> Snapshot:
    """Every merge the policy calls for, one generation each; ``snapshot`` when none is due."""
    while (run := due_merge([SegmentInfo.from_dict(s) for s in snapshot.manifest.segments], factor)) is not None:
        snapshot = merge(root, snapshot, *run)
    return snapshot


def optimize(root: Path, snapshot: Snapshot) -> Snapshot:
    """One segment holding every live cable, no tombstones; ``snapshot`` when it is so already."""
    segments = snapshot.manifest.segments
    if len(segments) <= 1 and not snapshot.manifest.deleted:
        return snapshot
    return merge(root, snapshot, 0, len(segments))
