"""Write a new index generation from the previous snapshot plus changes, and load one back.

Files of a generation (see ``qa.store.generations`` for how it is published atomically):

    manifest.json        model, dimension, counts, parser version, passage scheme, created
    store.sqlite         cables (original text) and paragraphs
    windows.npy          one vector per passage window (float32), ``window_pids.npy`` beside it
    sentences.npy        one vector per sentence (float16), with ``sentence_pids.npy`` and spans
    dense.faiss          the vector index over window vectors, ids = paragraph pids
    bm25/, cable_bm25/   BM25 over paragraphs and over whole cables
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from embeddings.index import VectorIndex, choose_kind, create_index, load_index
from qa.cables.classification import Classification
from qa.cables.parse import PARSER_VERSION
from qa.errors import IndexCorruptError
from qa.ingest.passages import PassageScheme
from qa.ingest.vectors import EncodedBatch
from qa.store.bm25_index import BM25Index
from qa.store.cable_columns import CableColumns
from qa.store.generations import current_generation, generation_number, prune, publish, read_pointer, staging_folder
from qa.store.manifest import FORMAT_VERSION, Manifest, checksums, read_manifest, verify_files, write_manifest
from qa.store.snapshot import CableMeta, Snapshot
from qa.store.sqlite_store import STORE_NAME, ParagraphRow, Store
from qa.store.storage_errors import WRITE_FAULTS, storage_error

__all__ = ["WINDOWS_PER_PARAGRAPH", "empty_snapshot", "load_current", "load_generation", "window_ids",
           "write_generation"]

WINDOWS_PER_PARAGRAPH = 4096  # FAISS id of window w of paragraph p: p * 4096 + w


def window_ids(window_pids: np.ndarray) -> np.ndarray:
    """Unique FAISS ids for windows listed in pid order (``pid // 4096`` recovers the pid)."""
    if len(window_pids) == 0:
        return window_pids.astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(window_pids)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(window_pids)]))
    within = np.arange(len(window_pids)) - first
    ids: np.ndarray = window_pids.astype(np.int64) * WINDOWS_PER_PARAGRAPH + np.minimum(
        within, WINDOWS_PER_PARAGRAPH - 1)
    return ids


def _cable_meta(store: Store) -> tuple[CableMeta, ...]:
    return tuple(
        CableMeta(
            id=c.id,
            datetime=datetime.fromisoformat(c.datetime.replace("Z", "+00:00")) if c.datetime else None,
            origin=c.origin,
            classification=Classification(c.classification),
            subject=c.subject,
            tags=c.tags,
        )
        for c in store.cables()
    )


def _assemble(folder: Path | None, manifest: Manifest, store: Store | None, window_vectors: np.ndarray,
              window_pids: np.ndarray, dense: VectorIndex, sentence_vectors: np.ndarray,
              sentence_pids: np.ndarray, sentence_spans: np.ndarray, bm25: BM25Index,
              cable_bm25: BM25Index) -> Snapshot:
    cables = _cable_meta(store) if store else ()
    columns = CableColumns.build(cables)
    cable_rows = columns.positions
    rows = store.paragraphs() if store else []
    pids = np.array([r.pid for r in rows], dtype=np.int64)
    order = np.argsort(sentence_pids, kind="stable")
    sentence_pids, sentence_vectors, sentence_spans = (
        sentence_pids[order], sentence_vectors[order], sentence_spans[order])
    bounds = np.append(pids, np.iinfo(np.int64).max)
    offsets = np.searchsorted(sentence_pids, bounds).astype(np.int64)
    window_offsets = np.searchsorted(window_pids, bounds).astype(np.int64)
    texts = tuple(r.text for r in rows)
    sections = tuple(r.section for r in rows)
    para_cable = np.array([cable_rows[r.cable_id] for r in rows], dtype=np.int32)
    return Snapshot(
        folder=folder, manifest=manifest, store=store, cables=cables, columns=columns, pids=pids,
        para_cable=para_cable,
        numbers=np.array([r.number for r in rows], dtype=np.int32),
        occurrences=np.array([r.occurrence for r in rows], dtype=np.int16),
        levels=np.array([r.level for r in rows], dtype=np.int8),
        markings=tuple(r.marking for r in rows), sections=sections, texts=texts,
        window_vectors=window_vectors, window_pids=window_pids, window_offsets=window_offsets, dense=dense,
        sentence_vectors=sentence_vectors, sentence_pids=sentence_pids, sentence_spans=sentence_spans,
        sentence_offsets=offsets, bm25=bm25, cable_bm25=cable_bm25,
    )


def _bm25_indexes(cables: Sequence[CableMeta], rows: Sequence[ParagraphRow]) -> tuple[BM25Index, BM25Index]:
    """BM25 over paragraphs (row order) and over whole cables (``cables`` order).

    The paragraph index reads the section heading and the paragraph, not the subject: a subject shared
    by every paragraph of a cable cannot tell them apart (the cable index carries it instead).
    """
    paragraphs = BM25Index.build([f"{r.section or ''}. {r.text}" for r in rows])
    position = {c.id: i for i, c in enumerate(cables)}
    bodies: list[list[str]] = [[c.subject or ""] for c in cables]
    for r in rows:
        bodies[position[r.cable_id]].append(r.text)
    return paragraphs, BM25Index.build([" ".join(b) for b in bodies])


def empty_snapshot(model: str, dimension: int, index_type: str, scheme: PassageScheme) -> Snapshot:
    """The state of an index that has never been written."""
    manifest = Manifest(FORMAT_VERSION, model, dimension, index_type, PARSER_VERSION, scheme, 0, 0, 0, 0, 0, "")
    empty_f = np.zeros((0, dimension), dtype=np.float32)
    empty_i = np.zeros(0, dtype=np.int64)
    dense = create_index(choose_kind(index_type, 0), dimension)
    return _assemble(None, manifest, None, empty_f, empty_i, dense, empty_f, empty_i,
                     np.zeros((0, 2), dtype=np.int32), BM25Index.build([]), BM25Index.build([]))


def write_generation(root: Path, previous: Snapshot, batch: EncodedBatch | None, removed: set[str]) -> Snapshot:
    """Publish previous minus ``removed`` (and minus cables the batch replaces) plus the batch.

    The caller holds the folder's write lock and passes the generation ``CURRENT`` names. The new
    generation is checked (counts, checksums) while still staged; ``CURRENT`` moves only after that.
    An operating-system failure (read-only folder, full disk) removes the staging folder and is raised
    as a named error; the live generation is untouched.
    """
    staged = _staging_or_fail(root)
    try:
        manifest = _write_staged(staged, previous, batch, removed)
        snapshot = load_generation(root, manifest.model, expected=staged)
        final = publish(root, staged)
        prune(root)
    except BaseException as error:
        shutil.rmtree(staged, ignore_errors=True)
        named = storage_error(error, root, "write a new index generation") if isinstance(error, WRITE_FAULTS) else None
        if named is not None:
            raise named from error
        raise
    return replace(snapshot, folder=final)


def _staging_or_fail(root: Path) -> Path:
    try:
        return staging_folder(root)
    except OSError as error:
        named = storage_error(error, root, "create a staging folder")
        if named is None:
            raise
        raise named from error


def _write_staged(staged: Path, previous: Snapshot, batch: EncodedBatch | None, removed: set[str]) -> Manifest:
    """Every file of the next generation into ``staged``, the manifest (with checksums) last."""
    if previous.store is not None:
        store = previous.store.copy_to(staged / STORE_NAME)
    else:
        store = Store(staged / STORE_NAME)
    replaced = set(removed) | ({c.id for c in batch.cables} if batch else set())
    gone_pids = np.concatenate([previous.pids[previous.cable_paragraph_rows(i)] for i in replaced] or
                               [np.zeros(0, dtype=np.int64)])
    store.delete_cables(sorted(replaced))

    window_keep = ~np.isin(previous.window_pids, gone_pids)
    sentence_keep = ~np.isin(previous.sentence_pids, gone_pids)
    windows = [previous.window_vectors[window_keep]]
    window_pids = [previous.window_pids[window_keep]]
    sentences = [previous.sentence_vectors[sentence_keep]]
    sentence_pids = [previous.sentence_pids[sentence_keep]]
    spans = [previous.sentence_spans[sentence_keep]]
    if batch is not None:
        batch_pids = np.array([pid for cable in batch.cables for pid in store.insert_cable(cable)], dtype=np.int64)
        windows.append(batch.window_vectors)
        window_pids.append(batch_pids[batch.window_para] if len(batch_pids) else batch.window_para)
        sentences.append(batch.sentence_vectors.astype(previous.sentence_vectors.dtype))
        sentence_pids.append(batch_pids[batch.sentence_para] if len(batch_pids) else batch.sentence_para)
        spans.append(batch.sentence_spans)
    all_windows = np.ascontiguousarray(np.concatenate(windows), dtype=np.float32)
    all_window_pids = np.concatenate(window_pids).astype(np.int64)
    all_sentences = np.concatenate(sentences).astype(np.float16)
    all_sentence_pids = np.concatenate(sentence_pids).astype(np.int64)
    all_spans = np.concatenate(spans).astype(np.int32)

    manifest_base = previous.manifest
    dense = _next_dense(previous, choose_kind(manifest_base.index_type, len(all_window_pids)),
                        window_ids(previous.window_pids[~window_keep]), window_ids(all_window_pids), all_windows,
                        window_ids(window_pids[-1]) if batch is not None else None,
                        batch.window_vectors if batch is not None else None)
    dense.save(staged / "dense.faiss")
    np.save(staged / "windows.npy", all_windows)
    np.save(staged / "window_pids.npy", all_window_pids)
    np.save(staged / "sentences.npy", all_sentences)
    np.save(staged / "sentence_pids.npy", all_sentence_pids)
    np.save(staged / "sentence_spans.npy", all_spans)

    cables, paragraphs = store.counts()
    rows = store.paragraphs()
    cable_meta = _cable_meta(store)
    store.close()
    bm25, cable_bm25 = _bm25_indexes(cable_meta, rows)
    bm25.save(staged / "bm25")
    cable_bm25.save(staged / "cable_bm25")
    manifest = Manifest(
        FORMAT_VERSION, manifest_base.model, manifest_base.dimension, manifest_base.index_type, PARSER_VERSION,
        manifest_base.passage_scheme, cables, paragraphs, len(all_window_pids), len(all_sentence_pids),
        generation_number(staged), datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), checksums(staged),
    )
    write_manifest(staged, manifest)
    return manifest


def _next_dense(previous: Snapshot, kind: str, gone: np.ndarray, all_ids: np.ndarray, all_vectors: np.ndarray,
                new_ids: np.ndarray | None, new_vectors: np.ndarray | None) -> VectorIndex:
    """The next generation's vector index: the previous one updated in place of a copy where it is of
    the right kind (an HNSW graph of millions of vectors takes many minutes to build again), else
    built anew, as when ``auto`` moves from flat to HNSW."""
    if previous.dense.kind == kind and len(previous.dense):
        dense = previous.dense.copy()
        dense.remove(gone)
        if new_ids is not None and new_vectors is not None:
            dense.add(new_ids, new_vectors)
        return dense
    dense = create_index(kind, previous.manifest.dimension)
    if len(all_ids):
        dense.add(all_ids, all_vectors)
    return dense


def _load_array(folder: Path, name: str) -> np.ndarray:
    try:
        array: np.ndarray = np.load(folder / name, allow_pickle=False)
        return array
    except (OSError, ValueError, EOFError) as error:
        raise IndexCorruptError(
            f"{folder / name} is missing or truncated ({error}); rebuild with 'cableqa ingest'") from error


def load_generation(root: Path, model: str, expected: Path | None = None) -> Snapshot:
    """Load and check the live generation; any inconsistency is a named error, never a wrong answer."""
    folder = expected or current_generation(root)
    manifest = read_manifest(folder)
    manifest.check_compatible(model, PARSER_VERSION, folder / "manifest.json")
    try:
        verify_files(folder, manifest)
    except OSError as error:  # a file removed or unreadable while it was being checked
        raise IndexCorruptError(f"index generation {folder} could not be read ({error})") from error
    store = Store(folder / STORE_NAME, readonly=True)
    cables, paragraphs = store.counts()
    windows = _load_array(folder, "windows.npy")
    window_pids = _load_array(folder, "window_pids.npy")
    sentences = _load_array(folder, "sentences.npy").astype(np.float32)
    sentence_pids = _load_array(folder, "sentence_pids.npy")
    spans = _load_array(folder, "sentence_spans.npy")
    dense = load_index(folder / "dense.faiss")
    problems = []
    if (cables, paragraphs) != (manifest.cables, manifest.paragraphs):
        problems.append(f"store has {cables} cables / {paragraphs} paragraphs, manifest says "
                        f"{manifest.cables} / {manifest.paragraphs}")
    if len(windows) != manifest.vectors or len(window_pids) != manifest.vectors or len(dense) != manifest.vectors:
        problems.append(f"{len(windows)} window vectors and {len(dense)} indexed, manifest says {manifest.vectors}")
    if len(sentences) != manifest.sentences or len(sentence_pids) != len(sentences) or len(spans) != len(sentences):
        problems.append(f"{len(sentences)} sentence vectors, manifest says {manifest.sentences}")
    if windows.ndim != 2 or (len(windows) and windows.shape[1] != manifest.dimension):
        problems.append(f"window vectors have shape {windows.shape}, manifest dimension is {manifest.dimension}")
    if problems:
        store.close()
        raise IndexCorruptError(
            f"index generation {folder} is inconsistent: {'; '.join(problems)}; rebuild with 'cableqa ingest'")
    bm25 = BM25Index.load(folder / "bm25")
    cable_bm25 = BM25Index.load(folder / "cable_bm25")
    if bm25.size != paragraphs or cable_bm25.size != cables:
        store.close()
        raise IndexCorruptError(f"BM25 indexes in {folder} do not match the store; rebuild with 'cableqa ingest'")
    return _assemble(folder, manifest, store, windows, window_pids, dense, sentences, sentence_pids, spans,
                     bm25, cable_bm25)


def load_current(root: Path, model: str, attempts: int = 3) -> Snapshot:
    """Load the generation ``CURRENT`` names. A generation pruned by a writer while this process was
    still loading it fails its checks; when ``CURRENT`` has moved on meanwhile, the newer one is loaded."""
    name = read_pointer(root)
    for _ in range(attempts - 1):
        try:
            return load_generation(root, model)
        except IndexCorruptError:
            now = read_pointer(root)
            if now == name:
                raise
            name = now
    return load_generation(root, model)
