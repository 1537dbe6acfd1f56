"""The index of cables as one object: ingest, delete, ask, and read back cables.

Readers take the current :class:`~qa.store.snapshot.Snapshot` once per call and never wait for a
writer. Several processes may open one folder (a server, its workers, a CLI ingest): every
write holds the folder's OS write lock (:mod:`qa.store.writer_lock`) from reading ``CURRENT`` to
publishing, and starts from the generation ``CURRENT`` names then, never from this process's
snapshot, so no write is lost. :meth:`CableIndex.refresh` moves a reader to the newest
published generation; the server calls it on a short timer (:mod:`qa.follow`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import numpy as np

from embeddings.encoder import Encoder
from embeddings.threads import single_threaded_blas
from qa.cables.classification import Classification
from qa.cables.parse import parse_cable
from qa.cables.records import Cable, Paragraph
from qa.errors import ForbiddenError, InvalidQueryError, UnknownCableError, UnknownParagraphError
from qa.ingest.passages import PassageScheme
from qa.ingest.vectors import EncodedBatch, encode_cables, merge_batches
from qa.search.abstain import missing_terms
from qa.search.answer import Answer, Hit
from qa.search.filters import Filters
from qa.search.highlight import best_sentence
from qa.search.ranking import MODES, Ranked, Weights, rank
from qa.store.generation_io import empty_snapshot, load_current, write_generation
from qa.store.generations import CURRENT, check_pointer, read_pointer
from qa.store.snapshot import Snapshot
from qa.store.writer_lock import WriterLock

__all__ = ["AbstainThresholds", "CableIndex", "check_question"]

T = TypeVar("T")

MAX_K = 100
# One chunk in the model while the next is prepared (see CableIndex.ingest).
_CHUNKS_IN_FLIGHT = 2


@dataclass(frozen=True, slots=True)
class AbstainThresholds:
    """Below these top scores (per mode) the index abstains: ``answered`` is False.

    Calibrated on the seed eval set's unanswerable questions (README, "Abstention").
    """

    hybrid: float = 0.0
    dense: float = 0.0
    bm25: float = 0.0

    def of(self, mode: str) -> float:
        return float(getattr(self, mode))


def check_question(question: str, k: int, mode: str, max_chars: int = 2000) -> str:
    """Validate the parts every query shares; returns the question stripped."""
    if not isinstance(question, str) or not question.strip():
        raise InvalidQueryError("question", "must not be empty or whitespace")
    if len(question) > max_chars:
        raise InvalidQueryError("question", f"is {len(question)} characters; the limit is {max_chars}")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in question):
        raise InvalidQueryError("question", "contains control characters")
    if any("\ud800" <= ch <= "\udfff" for ch in question):
        # JSON's "\ud800" escape decodes to a lone surrogate, which no encoder (the tokenizer,
        # the UTF-8 response) accepts: refuse it here rather than fail deep inside.
        raise InvalidQueryError("question", "is not valid Unicode: it holds a lone surrogate (\\ud800-\\udfff)")
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise InvalidQueryError("k", f"must be between 1 and {MAX_K}, got {k!r}")
    if mode not in MODES:
        raise InvalidQueryError("mode", f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    return question.strip()


class CableIndex:
    def __init__(self, root: Path, encoder: Encoder, snapshot: Snapshot,
                 thresholds: AbstainThresholds = AbstainThresholds(), weights: Weights = Weights(),
                 write_wait: float = 10.0) -> None:
        self.root = root
        self.encoder = encoder
        self._snapshot = snapshot
        self._writer = WriterLock(root)
        self._refresh_lock = threading.Lock()
        self.write_wait = write_wait  # seconds a write waits for another writer's lock
        self.thresholds = thresholds
        self.weights = weights
        self.max_question_chars = 2000
        single_threaded_blas()

    @classmethod
    def open(cls, root: Path, encoder: Encoder, index_type: str = "auto", scheme: PassageScheme = "context",
             thresholds: AbstainThresholds = AbstainThresholds(), write_wait: float = 10.0) -> CableIndex:
        """Load the index at ``root``, or start an empty one there if none was ever written.

        Nothing is written here. A folder holding generations but no ``CURRENT`` is refused.
        """
        check_pointer(root)
        if read_pointer(root) is not None:
            snapshot = load_current(root, encoder.model_name)
        else:
            snapshot = empty_snapshot(encoder.model_name, encoder.dimension, index_type, scheme)
        return cls(root, encoder, snapshot, thresholds, write_wait=write_wait)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def exists(self) -> bool:
        return (self.root / CURRENT).exists()

    def refresh(self) -> Snapshot:
        """Move to the generation ``CURRENT`` names now, if it is not the one held; returns the snapshot.

        Queries already running keep the snapshot they took. Cheap when nothing changed (one small read).
        """
        name = read_pointer(self.root)
        held = self._snapshot.folder
        if name is None or (held is not None and held.name == name):
            return self._snapshot
        with self._refresh_lock:
            held = self._snapshot.folder
            if held is None or held.name != read_pointer(self.root):
                loaded = load_current(self.root, self.encoder.model_name)
                # A write of this process may have published a newer one while this one loaded.
                if loaded.manifest.generation > self._snapshot.manifest.generation:
                    self._snapshot = loaded
        return self._snapshot

    def seed_if_empty(self, cables: Callable[[], Sequence[Cable]]) -> bool:
        """Ingest ``cables()`` when no generation was ever published here; one process does it while
        the others wait on the write lock and then load its result. True when this call built it."""
        with self._writer.held(self.write_wait):
            check_pointer(self.root)
            self.refresh()
            if self.exists:
                return False
            self.ingest(cables())
            return True

    # --- writing -------------------------------------------------------------------------

    def ingest(self, cables: Sequence[Cable], on_encoded: Callable[[int], None] | None = None,
               chunk_paragraphs: int = 1000, commit_size: Callable[[int], int] | None = None,
               ceiling: Classification | None = None) -> Snapshot:
        """Add or replace cables (by id): one atomic generation, or several when ``commit_size`` is given.

        Encoding happens outside the write lock, in chunks of whole cables holding about
        ``chunk_paragraphs`` paragraphs, calling ``on_encoded(cables)`` after each; only publishing
        a generation holds the lock. Chunks are that large because the encoder batches texts of
        equal token count: a chunk of 16 cables (~160 paragraphs over ~100 distinct lengths) left
        most batches holding one or two texts and the cores half idle.

        Two chunks are in flight at once: while the model encodes one, the next one's windows are
        cut and tokenised, and a generation is written, so the cores seldom wait for that Python
        work. ``commit_size(cables in the index)`` is how many cables the next generation adds, so an
        interrupted ingest keeps every generation published before; without it everything lands in
        one generation. Each commit holds the write lock only while it publishes, so other writers
        (an upload during a long ingest) get their turn between commits.

        ``ceiling`` (a key's): a cable already indexed with text above it is not replaced (ForbiddenError),
        checked before encoding and again, under the lock, against the generation being replaced.
        """
        unique = list({c.id: c for c in cables}.values())  # a cable given twice counts once, last wins
        if ceiling is not None:
            _refuse_replacing_above(self.refresh(), [c.id for c in unique], ceiling)
        scheme: PassageScheme = self.snapshot.manifest.passage_scheme  # type: ignore[assignment]
        groups = _commit_groups(unique, self._snapshot.manifest.cables, commit_size)
        chunks = [(g, part) for g, group in enumerate(groups) for part in _chunks(group, chunk_paragraphs)]
        last_chunk = {g: i for i, (g, _) in enumerate(chunks)}
        encoded: list[EncodedBatch] = []
        with ThreadPoolExecutor(_CHUNKS_IN_FLIGHT, thread_name_prefix="encode-chunk") as pool:
            jobs = (partial(encode_cables, part, self.encoder, scheme) for _, part in chunks)
            for i, batch in enumerate(_in_order(pool, jobs, ahead=_CHUNKS_IN_FLIGHT + 1)):
                encoded.append(batch)
                if on_encoded is not None:
                    on_encoded(len(batch.cables))
                if last_chunk[chunks[i][0]] == i:
                    self._publish(encoded, ceiling)
                    encoded = []
        if not chunks:  # nothing to add: still one new generation, as every ingest makes
            self._publish([], ceiling)
        return self._snapshot

    def _publish(self, batches: Sequence[EncodedBatch], ceiling: Classification | None) -> None:
        batch = merge_batches(batches)
        with self._writer.held(self.write_wait):
            latest = self.refresh()
            if ceiling is not None and batch is not None:
                _refuse_replacing_above(latest, [c.id for c in batch.cables], ceiling)
            self._snapshot = write_generation(self.root, latest, batch, set())

    def delete(self, cable_id: str, ceiling: Classification | None = None) -> Snapshot:
        """Remove a cable, in one new generation; under ``ceiling``, only a cable with no text above it."""
        with self._writer.held(self.write_wait):
            latest = self.refresh()
            if cable_id not in latest.cable_rows:
                raise UnknownCableError(cable_id)
            if ceiling is not None:
                _refuse_replacing_above(latest, [cable_id], ceiling, doing="delete")
            self._snapshot = write_generation(self.root, latest, None, {cable_id})
        return self._snapshot

    # --- reading -------------------------------------------------------------------------

    def cable(self, cable_id: str, snapshot: Snapshot | None = None) -> Cable:
        """The stored cable, parsed again from its original text (parsing is pure)."""
        snap = snapshot or self._snapshot
        text = snap.store.cable_text(cable_id) if snap.store else None
        if text is None:
            raise UnknownCableError(cable_id)
        return parse_cable(text, source=cable_id, id_hint=cable_id)

    def paragraph(self, cable_id: str, number: int, occurrence: int = 1) -> tuple[Cable, Paragraph]:
        """Paragraph ``number`` of a cable; ``occurrence`` 2 for the second one the cable prints as ``number.``."""
        cable = self.cable(cable_id)
        for p in cable.paragraphs:
            if p.number == number and p.occurrence == occurrence:
                return cable, p
        raise UnknownParagraphError(cable_id, number, occurrence)

    def ask(self, question: str, k: int = 5, mode: str = "hybrid", filters: Filters = Filters()) -> Answer:
        return self.ask_many([question], k, mode, filters)[0]

    def ask_many(self, questions: Iterable[str], k: int = 5, mode: str = "hybrid",
                 filters: Filters = Filters()) -> list[Answer]:
        """Answer several questions against one snapshot, encoding them together."""
        cleaned = [check_question(q, k, mode, self.max_question_chars) for q in questions]
        snap = self._snapshot
        vectors = self.encoder.encode_queries(cleaned) if mode != "bm25" else np.zeros(
            (len(cleaned), snap.manifest.dimension), dtype=np.float32)
        answers = []
        for question, vector in zip(cleaned, vectors, strict=True):
            tokens = snap.bm25.tokens(question)
            ranked = rank(snap, vector, tokens, mode, filters, self.weights)
            answers.append(self._answer(snap, question, mode, k, ranked, vector, tokens, filters.max_classification))
        return answers

    def _answer(self, snap: Snapshot, question: str, mode: str, k: int, ranked: Ranked,
                vector: np.ndarray, tokens: list[str], ceiling: Classification | None) -> Answer:
        hits = []
        token_set = set(tokens)
        for i, (row, score) in enumerate(zip(ranked.rows[:k].tolist(), ranked.scores[:k].tolist(), strict=True)):
            cable = snap.cables[int(snap.para_cable[row])]
            hits.append(Hit(
                rank=i + 1,
                cable_id=cable.id,
                paragraph=int(snap.numbers[row]),
                occurrence=int(snap.occurrences[row]),
                score=float(score),
                text=snap.texts[row],
                highlight=best_sentence(snap, row, vector, token_set),
                classification=cable.classification,
                marking=snap.markings[row],
                section=snap.sections[row],
                subject=cable.subject,
                date=cable.datetime,
                origin=cable.origin,
            ))
        top = float(ranked.scores[0]) if len(ranked.scores) else 0.0
        answered = bool(hits) and top >= self.thresholds.of(mode) and not _names_missing(
            snap, question, ranked, ceiling)
        return Answer(question=question, mode=mode, answered=answered, hits=tuple(hits))


def _names_missing(snap: Snapshot, question: str, ranked: Ranked, ceiling: Classification | None) -> bool:
    """True when the question names something the best hit's cable never mentions where the reader can see.

    Only what the reader may read counts: the paragraphs at or under ``ceiling`` and the subject of a cable
    not classified above it. Reading hidden text here would let ``answered`` confirm words of it.
    """
    position = int(snap.para_cable[ranked.rows[0]])
    cable = snap.cables[position]
    rows = snap.cable_paragraph_rows(cable.id)
    if ceiling is not None:
        rows = rows[snap.levels[rows] <= ceiling.rank]
    subject = cable.subject if ceiling is None or ceiling.allows(cable.classification) else None
    context = [subject or "", cable.origin or "", *(snap.texts[r] for r in rows)]
    if cable.datetime is not None:
        context.append(cable.datetime.strftime("%Y %B"))
    return bool(missing_terms(question, context))


def _refuse_replacing_above(snap: Snapshot, cable_ids: Sequence[str], ceiling: Classification,
                            doing: str = "replace") -> None:
    """A key under ``ceiling`` may not overwrite or delete a stored cable holding text above it."""
    for cable_id in cable_ids:
        position = snap.cable_rows.get(cable_id)
        if position is None:
            continue
        rows = snap.cable_paragraph_rows(cable_id)
        top = max([snap.cables[position].classification.rank, *snap.levels[rows].tolist()])
        if top > ceiling.rank:
            raise ForbiddenError(f"{cable_id} is indexed with text above this API key's ceiling {ceiling.value}; "
                                 f"a key with that ceiling may not {doing} it")


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
