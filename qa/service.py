"""The index of cables as one object, the facade every command and route calls: ingest, delete,
ask, and read back cables. The work is done in the rooms below it (``qa.ingest``, ``qa.search``,
``qa.store``); this module only orders it and holds the current snapshot.

Readers take the current :class:`~qa.store.snapshot.Snapshot` once per call and never wait for a
writer. Several processes may open one folder (a server, its workers, a CLI ingest): every
write holds the folder's OS write lock (:mod:`qa.store.writer_lock`) from reading ``CURRENT`` to
publishing, and starts from the generation ``CURRENT`` names then, never from this process's
snapshot, so no write is lost. :meth:`CableIndex.refresh` moves a reader to the newest
published generation; the server calls it on a short timer (:mod:`qa.follow`).

Merges the policy calls for after a write run on a background thread, off the write lock
(:mod:`qa.store.merge_scheduler`): a write returns once its own generation is published.
:meth:`CableIndex.wait_for_merges` waits for them (``cableqa ingest`` does before it exits);
:meth:`CableIndex.stop_merges` starts no more (the server, at shutdown, stops them and waits for
the one in flight).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from embeddings.encoder import Encoder
from embeddings.threads import single_threaded_blas
from qa.cables.classification import Classification
from qa.cables.parse import parse_cable
from qa.cables.records import Cable, Paragraph
from qa.errors import IndexBusyError, IndexCorruptError, UnknownCableError, UnknownParagraphError
from qa.ingest.passages import PassageScheme
from qa.ingest.pipeline import Commit, encoded_commits
from qa.search.answer import Answer
from qa.search.ask import answer_queries
from qa.search.ceiling import refuse_changing_above
from qa.search.filters import Filters
from qa.search.query import DEFAULT_K, MAX_QUESTION_CHARS, Query, make_query
from qa.search.ranking import Weights
from qa.search.similar import similar_paragraphs
from qa.store.batch import EncodedBatch, merge_batches
from qa.store.generations import CURRENT, check_pointer, read_pointer
from qa.store.merge_lock import MERGE_LOCK_NAME, merge_lock
from qa.store.merge_scheduler import MergeScheduler
from qa.store.merges import MERGE_FACTOR, optimize, plan_merge
from qa.store.reader import empty_snapshot, load_current
from qa.store.segment import verify_segment
from qa.store.snapshot import Snapshot
from qa.store.writer import write_generation
from qa.store.writer_lock import WriterLock

__all__ = ["CableIndex", "EncodeCommits"]

# (cables, passage scheme, cables the index holds) -> the commits to publish, in order.
EncodeCommits = Callable[[Sequence[Cable], PassageScheme, int], Iterable[Commit]]


class CableIndex:
    def __init__(self, root: Path, encoder: Encoder, snapshot: Snapshot, weights: Weights = Weights(),
                 write_wait: float = 10.0, max_question_chars: int = MAX_QUESTION_CHARS,
                 merge_factor: int = MERGE_FACTOR, hash_up_to: int | None = None, search_threads: int = 1) -> None:
        self.root = root
        self.encoder = encoder
        self._snapshot = snapshot
        self._writer = WriterLock(root)
        self._refresh_lock = threading.Lock()
        self._merges = MergeScheduler(root, self._writer, self.refresh, self._adopt, merge_factor)
        self.write_wait = write_wait  # seconds a write waits for another writer's lock
        self.weights = weights
        self.max_question_chars = max_question_chars
        self.hash_up_to = hash_up_to  # segment files larger than this are hashed by verify(), not on load
        self._damage: IndexCorruptError | None = None
        # Threads that search a question's segments, and read a hybrid question's BM25 while it is encoded;
        # shared by every request of this process, started on first use and idle between questions.
        self._search_pool = (ThreadPoolExecutor(max_workers=search_threads, thread_name_prefix="cableqa-search")
                             if search_threads > 1 else None)
        single_threaded_blas()

    @classmethod
    def open(cls, root: Path, encoder: Encoder, index_type: str = "auto", scheme: PassageScheme = "context",
             write_wait: float = 10.0, max_question_chars: int = MAX_QUESTION_CHARS,
             merge_factor: int = MERGE_FACTOR, weights: Weights = Weights(),
             hash_up_to: int | None = None, search_threads: int = 1) -> CableIndex:
        """Load the index at ``root``, or start an empty one there if none was ever written.

        Nothing is written here. A folder holding generations but no ``CURRENT`` is refused. Segment files
        larger than ``hash_up_to`` bytes are checked by size on load and hashed by :meth:`verify`
        (None: every file is hashed on load). A question's search spreads over ``search_threads`` threads.
        """
        check_pointer(root)
        if read_pointer(root) is not None:
            snapshot = load_current(root, encoder.model_name, hash_up_to=hash_up_to)
        else:
            snapshot = empty_snapshot(encoder.model_name, encoder.dimension, index_type, scheme)
        return cls(root, encoder, snapshot, weights, write_wait=write_wait, max_question_chars=max_question_chars,
                   merge_factor=merge_factor, hash_up_to=hash_up_to, search_threads=search_threads)

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
                loaded = load_current(self.root, self.encoder.model_name, loaded=self._snapshot.segments,
                                      hash_up_to=self.hash_up_to)
                # A write of this process may have published a newer one while this one loaded.
                if loaded.manifest.generation > self._snapshot.manifest.generation:
                    self._snapshot = loaded
        return self._snapshot

    def _adopt(self, snapshot: Snapshot) -> None:
        """Hold ``snapshot``, one this process published, unless a newer one is held already."""
        with self._refresh_lock:
            if snapshot.manifest.generation > self._snapshot.manifest.generation:
                self._snapshot = snapshot

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

        Encoding (:func:`~qa.ingest.pipeline.encoded_commits`) happens outside the write lock; only
        publishing a generation holds it, so other writers (an upload during a long ingest) get their
        turn between commits, and an interrupted ingest keeps every generation published before.

        ``ceiling`` (a key's): a cable already indexed with text above it is not replaced (ForbiddenError),
        checked before encoding and again, under the lock, against the generation being replaced.
        """
        def encode(unique: Sequence[Cable], scheme: PassageScheme, held: int) -> Iterable[Commit]:
            return encoded_commits(unique, self.encoder, scheme, held, chunk_paragraphs, commit_size, on_encoded)

        return self.ingest_encoded(cables, encode, ceiling)

    def ingest_encoded(self, cables: Sequence[Cable], encode: EncodeCommits,
                       ceiling: Classification | None = None) -> Snapshot:
        """As :meth:`ingest`, the commits made by ``encode(unique cables, passage scheme, cables held)``
        elsewhere (on a Ray cluster: :mod:`qa.ingest.ray_encode`) and published here, one by one."""
        unique = list({c.id: c for c in cables}.values())  # a cable given twice counts once, last wins
        if ceiling is not None:
            refuse_changing_above(self.refresh(), [c.id for c in unique], ceiling)
        scheme: PassageScheme = self.snapshot.manifest.passage_scheme  # type: ignore[assignment]
        for commit in encode(unique, scheme, self._snapshot.manifest.cables):
            self._publish(commit.batches, ceiling)
        return self._snapshot

    def _publish(self, batches: Sequence[EncodedBatch], ceiling: Classification | None) -> None:
        batch = merge_batches(batches) if batches else None
        with self._writer.held(self.write_wait):
            latest = self.refresh()
            if ceiling is not None and batch is not None:
                refuse_changing_above(latest, [c.id for c in batch.cables], ceiling)
            self._adopt(write_generation(self.root, latest, batch, set()))
        self._merge_if_due()

    def delete(self, cable_id: str, ceiling: Classification | None = None) -> Snapshot:
        """Remove a cable, in one new generation; under ``ceiling``, only a cable with no text above it."""
        with self._writer.held(self.write_wait):
            latest = self.refresh()
            if cable_id not in latest.cable_rows:
                raise UnknownCableError(cable_id)
            if ceiling is not None:
                refuse_changing_above(latest, [cable_id], ceiling, doing="delete")
            self._adopt(write_generation(self.root, latest, None, {cable_id}))
        self._merge_if_due()
        return self._snapshot

    def optimize(self, max_segments: int = 1) -> Snapshot:
        """Merge the segments into at most ``max_segments`` (one by default), dropping deleted paragraphs
        (:func:`qa.store.merges.optimize`).

        It waits its turn for the folder's merge lock (a background merge of any process), then builds
        off the write lock: uploads and deletes go on meanwhile, and what they leave behind is merged in
        a further round, the last one under the write lock, so it ends with at most ``max_segments``
        segments and no tombstones.
        """
        if max_segments < 1:
            raise ValueError(f"max_segments must be at least 1, got {max_segments}")
        with merge_lock(self.root, self.write_wait) as held:
            if not held:
                raise IndexBusyError(
                    f"the index at {self.root} is being merged by another process; waited {self.write_wait:g} s "
                    f"for its merge lock ({self.root / MERGE_LOCK_NAME}). Try again when it finishes, or wait longer "
                    "('cableqa optimize --wait')", holder="another merger",
                    retry_after=max(1, min(30, round(self.write_wait) or 1)))
            self._adopt(optimize(self.root, self._writer, self.refresh, self.write_wait, max_segments))
        self._merge_if_due()  # writes after its last round may have been turned away from merging meanwhile
        return self._snapshot

    def _merge_if_due(self) -> None:
        if plan_merge(self._snapshot, self._merges.factor) is not None:
            self._merges.request()

    def wait_for_merges(self, timeout: float | None = None) -> bool:
        """Wait until no background merge of this object runs (``cableqa ingest`` does before it exits, as
        Lucene's ``IndexWriter.close`` does); False when ``timeout`` ran out first."""
        return self._merges.wait(timeout)

    def stop_merges(self) -> None:
        """Start no more background merges, returning at once; the one in flight, if any, is finished and
        committed (:meth:`wait_for_merges` waits for it; the interpreter does too before the process exits).
        The server calls both at shutdown; a merge it could not finish is due again at the next write."""
        self._merges.stop()

    # --- integrity -----------------------------------------------------------------------

    def verify(self) -> int:
        """Hash the segment files the held snapshot's load checked by size only; returns how many files were
        hashed now (each segment's once: :func:`~qa.store.segment.verify_segment`).

        A damaged file is raised as :class:`~qa.errors.IndexCorruptError` and remembered: from then on this
        index answers nothing (:meth:`check_intact`), as a load that found it would have refused to start.
        """
        hashed = 0
        for segment in self._snapshot.segments:
            try:
                hashed += verify_segment(segment)
            except FileNotFoundError as error:
                if not segment.folder.is_dir():
                    continue  # pruned: a newer generation no longer lists it, and nothing loads it again
                self._damage = IndexCorruptError(f"index segment {segment.folder} lost a file ({error}); restore "
                                                 "the index folder from a backup or rebuild it with 'cableqa ingest'")
                raise self._damage from error
            except IndexCorruptError as error:
                self._damage = error
                raise
        return hashed

    def check_intact(self) -> None:
        """Raise the damage :meth:`verify` found, if it found any."""
        if self._damage is not None:
            raise IndexCorruptError(self._damage.message)

    # --- reading -------------------------------------------------------------------------

    def cable(self, cable_id: str, snapshot: Snapshot | None = None) -> Cable:
        """The stored cable, parsed again from its original text (parsing is pure)."""
        self.check_intact()
        snap = snapshot or self._snapshot
        text = snap.cable_text(cable_id)
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

    def query(self, question: object, k: object = DEFAULT_K, mode: object = "hybrid",
              field: str = "question") -> Query:
        """``question`` checked under this index's length limit (:func:`~qa.search.query.make_query`)."""
        return make_query(question, k, mode, self.max_question_chars, field)

    def ask(self, question: str, k: int = DEFAULT_K, mode: str = "hybrid", filters: Filters = Filters()) -> Answer:
        return self.answer([self.query(question, k, mode)], filters)[0]

    def ask_many(self, questions: Iterable[str], k: int = DEFAULT_K, mode: str = "hybrid",
                 filters: Filters = Filters()) -> list[Answer]:
        """Answer several questions against one snapshot, encoding them together."""
        return self.answer([self.query(q, k, mode) for q in questions], filters)

    def answer(self, queries: Sequence[Query], filters: Filters = Filters()) -> list[Answer]:
        """Answer checked queries against one snapshot (:func:`~qa.search.ask.answer_queries`)."""
        self.check_intact()
        return answer_queries(self._snapshot, self.encoder, queries, filters, self.weights, self._search_pool)

    def similar(self, cable_id: str, number: int, occurrence: int = 1, k: int = DEFAULT_K, mode: str = "hybrid",
                filters: Filters = Filters(), include_own_cable: bool = False) -> Answer:
        """The paragraphs nearest to ``cable_id ¶number`` (:func:`~qa.search.similar.similar_paragraphs`),
        searched as a question is: on this index's weights and search threads."""
        self.check_intact()
        return similar_paragraphs(self._snapshot, cable_id, number, k=k, mode=mode, filters=filters,
                                  include_own_cable=include_own_cable, weights=self.weights, occurrence=occurrence,
                                  executor=self._search_pool)
