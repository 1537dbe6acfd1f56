"""Cables in, encoded batches out, in the order and commit groups the writer publishes them.

Encoding runs in chunks of whole cables holding about ``chunk_paragraphs`` paragraphs. Chunks
are that large because the encoder batches texts of equal token count: a chunk of 16 cables
(~160 paragraphs over ~100 distinct lengths) leaves most batches holding one or two texts and
the cores half idle. Two chunks are in flight at once: while the model encodes one, the next
one's windows are cut and tokenised and a generation is written, so the cores seldom wait for
that Python work.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from embeddings.encoder import Encoder
from qa.cables.records import Cable
from qa.errors import InvalidQueryError, translate_embedding_errors
from qa.ingest.passages import PassageScheme
from qa.ingest.vectors import encode_cables
from qa.store.batch import EncodedBatch

__all__ = ["Commit", "encoded_commits", "group_commits", "plan_chunks"]

T = TypeVar("T")

_CHUNKS_IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class Commit:
    """The encoded batches of one generation to publish, in cable order."""

    batches: tuple[EncodedBatch, ...]


def encoded_commits(cables: Sequence[Cable], encoder: Encoder, scheme: PassageScheme, held: int,
                    chunk_paragraphs: int = 1000, commit_size: Callable[[int], int] | None = None,
                    on_encoded: Callable[[int], None] | None = None) -> Iterator[Commit]:
    """The cables encoded, one :class:`Commit` per generation to publish; always at least one.

    ``held`` is how many cables the index holds now; ``commit_size(cables in the index)`` is how many
    cables the next generation adds (without it, everything is one commit). ``on_encoded(cables)`` is
    called after each chunk.
    """
    chunks = plan_chunks(cables, held, chunk_paragraphs, commit_size)
    with ThreadPoolExecutor(_CHUNKS_IN_FLIGHT, thread_name_prefix="encode-chunk") as pool:
        jobs = (partial(_encode, part, encoder, scheme) for _, part in chunks)
        yield from group_commits(chunks, _in_order(pool, jobs, ahead=_CHUNKS_IN_FLIGHT + 1), on_encoded)


def plan_chunks(cables: Sequence[Cable], held: int, chunk_paragraphs: int,
                commit_size: Callable[[int], int] | None) -> list[tuple[int, Sequence[Cable]]]:
    """The chunks to encode, in cable order, each tagged with the commit it belongs to."""
    groups = _commit_groups(cables, held, commit_size)
    return [(g, part) for g, group in enumerate(groups) for part in _chunks(group, chunk_paragraphs)]


def group_commits(chunks: Sequence[tuple[int, Sequence[Cable]]], batches: Iterable[EncodedBatch],
                  on_encoded: Callable[[int], None] | None = None) -> Iterator[Commit]:
    """The chunks' encoded ``batches`` (in chunk order) gathered into one :class:`Commit` per commit
    group; one empty commit when there is nothing to encode, as every ingest publishes a generation."""
    if not chunks:
        yield Commit(())
        return
    last_chunk = {g: i for i, (g, _) in enumerate(chunks)}
    encoded: list[EncodedBatch] = []
    for i, batch in enumerate(batches):
        encoded.append(batch)
        if on_encoded is not None:
            on_encoded(len(batch.cables))
        if last_chunk[chunks[i][0]] == i:
            yield Commit(tuple(encoded))
            encoded = []


def _encode(cables: Sequence[Cable], encoder: Encoder, scheme: PassageScheme) -> EncodedBatch:
    with translate_embedding_errors():
        return encode_cables(cables, encoder, scheme)


def _in_order(pool: ThreadPoolExecutor, jobs: Iterable[Callable[[], T]], ahead: int) -> Iterator[T]:
    """The jobs' results in order, with at most ``ahead`` submitted and not yet taken (memory stays bounded).

    If the caller stops early or a job fails, jobs not yet started are cancelled.
    """
    waiting: deque[Future[T]] = deque()
    feed = iter(jobs)
    try:
        while True:
            while len(waiting) < ahead and (job := next(feed, None)) is not None:
                waiting.append(pool.submit(job))
            if not waiting:
                return
            yield waiting.popleft().result()
    finally:
        for future in waiting:
            future.cancel()


def _commit_groups(cables: Sequence[Cable], held: int,
                   commit_size: Callable[[int], int] | None) -> list[Sequence[Cable]]:
    """Consecutive runs of cables, one per generation; always at least one (an empty ingest commits too).

    ``commit_size`` is asked with the number of cables the index will hold when the run starts,
    counting every cable before it as new (a replaced cable makes the real count smaller).
    """
    if commit_size is None or not cables:
        return [cables]
    groups = []
    start = 0
    while start < len(cables):
        size = commit_size(held + start)
        if size < 1:
            raise InvalidQueryError("commit_size", f"a commit must hold at least one cable, got {size}")
        groups.append(cables[start:start + size])
        start += size
    return groups


def _chunks(cables: Sequence[Cable], paragraphs: int) -> Iterable[Sequence[Cable]]:
    """Consecutive runs of whole cables, each closed once it holds at least ``paragraphs`` paragraphs."""
    start, held = 0, 0
    for end, cable in enumerate(cables, start=1):
        held += len(cable.paragraphs)
        if held >= paragraphs:
            yield cables[start:end]
            start, held = end, 0
    if start < len(cables):
        yield cables[start:]
