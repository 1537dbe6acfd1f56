"""Write the next index generation: the previous one, minus removed cables, plus a batch.

The caller holds the folder's write lock (:mod:`qa.store.writer_lock`) and passes the snapshot
of the generation ``CURRENT`` names. Everything is written into a staging folder, loaded back
and checked (counts, checksums) there, and only then published by moving ``CURRENT``.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

from embeddings.index import VectorIndex, choose_kind, create_index
from qa.cables.parse import PARSER_VERSION
from qa.errors import translate_embedding_errors
from qa.store.batch import EncodedBatch
from qa.store.generations import generation_number, prune, publish, staging_folder
from qa.store.manifest import FORMAT_VERSION, Manifest, checksums, write_manifest
from qa.store.reader import VectorArrays, build_bm25_indexes, cable_meta, load_generation
from qa.store.snapshot import Snapshot
from qa.store.sqlite_store import STORE_NAME, Store
from qa.store.storage_errors import WRITE_FAULTS, storage_error
from qa.store.window_ids import window_ids

__all__ = ["write_generation"]

IntArray = npt.NDArray[np.int64]


def write_generation(root: Path, previous: Snapshot, batch: EncodedBatch | None, removed: set[str]) -> Snapshot:
    """Publish previous minus ``removed`` (and minus cables the batch replaces) plus the batch.

    The new generation is checked while still staged; ``CURRENT`` moves only after that. An
    operating-system failure (read-only folder, full disk) removes the staging folder and is raised
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
    store = previous.store.copy_to(staged / STORE_NAME) if previous.store is not None else Store(staged / STORE_NAME)
    replaced = set(removed) | ({c.id for c in batch.cables} if batch else set())
    gone_pids = np.concatenate([previous.pids[previous.cable_paragraph_rows(i)] for i in replaced] or
                               [np.zeros(0, dtype=np.int64)])
    store.delete_cables(sorted(replaced))
    batch_pids = (np.array([pid for cable in batch.cables for pid in store.insert_cable(cable)], dtype=np.int64)
                  if batch is not None else None)
    vectors = _next_vectors(previous, gone_pids, batch, batch_pids)
    with translate_embedding_errors():
        dense = _next_dense(previous, vectors, gone_pids, batch, batch_pids)
        dense.save(staged / "dense.faiss")
    _save_vectors(staged, vectors)
    cables, paragraphs = store.counts()
    rows = store.paragraphs()
    meta = cable_meta(store)
    store.close()
    bm25, cable_bm25 = build_bm25_indexes(meta, rows)
    bm25.save(staged / "bm25")
    cable_bm25.save(staged / "cable_bm25")
    base = previous.manifest
    manifest = Manifest(
        FORMAT_VERSION, base.model, base.dimension, base.index_type, PARSER_VERSION, base.passage_scheme,
        cables, paragraphs, len(vectors.window_pids), len(vectors.sentence_pids), generation_number(staged),
        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), checksums(staged),
    )
    write_manifest(staged, manifest)
    return manifest


def _next_vectors(previous: Snapshot, gone_pids: IntArray, batch: EncodedBatch | None,
                  batch_pids: IntArray | None) -> VectorArrays:
    """The previous generation's vectors without those of ``gone_pids``, then the batch's, pids assigned."""
    window_keep = ~np.isin(previous.window_pids, gone_pids)
    sentence_keep = ~np.isin(previous.sentence_pids, gone_pids)
    windows = [previous.window_vectors[window_keep]]
    window_pids = [previous.window_pids[window_keep]]
    sentences = [previous.sentence_vectors[sentence_keep]]
    sentence_pids = [previous.sentence_pids[sentence_keep]]
    spans = [previous.sentence_spans[sentence_keep]]
    if batch is not None and batch_pids is not None:
        windows.append(batch.window_vectors)
        window_pids.append(batch_pids[batch.window_para] if len(batch_pids) else batch.window_para)
        sentences.append(batch.sentence_vectors)
        sentence_pids.append(batch_pids[batch.sentence_para] if len(batch_pids) else batch.sentence_para)
        spans.append(batch.sentence_spans)
    return VectorArrays(
        windows=np.ascontiguousarray(np.concatenate(windows), dtype=np.float32),
        window_pids=np.concatenate(window_pids).astype(np.int64),
        # Sentence vectors are stored as float16 (they only rescore candidates and pick highlights).
        sentences=np.concatenate(sentences).astype(np.float16),
        sentence_pids=np.concatenate(sentence_pids).astype(np.int64),
        sentence_spans=np.concatenate(spans).astype(np.int32),
    )


def _save_vectors(staged: Path, vectors: VectorArrays) -> None:
    np.save(staged / "windows.npy", vectors.windows)
    np.save(staged / "window_pids.npy", vectors.window_pids)
    np.save(staged / "sentences.npy", vectors.sentences)
    np.save(staged / "sentence_pids.npy", vectors.sentence_pids)
    np.save(staged / "sentence_spans.npy", vectors.sentence_spans)


def _next_dense(previous: Snapshot, vectors: VectorArrays, gone_pids: IntArray, batch: EncodedBatch | None,
                batch_pids: IntArray | None) -> VectorIndex:
    """The next generation's vector index: the previous one updated in place of a copy where it is of
    the right kind (an HNSW graph of millions of vectors takes many minutes to build again), else
    built anew, as when ``auto`` moves from flat to HNSW."""
    kind = choose_kind(previous.manifest.index_type, len(vectors.window_pids))
    if previous.dense.kind == kind and len(previous.dense):
        dense = previous.dense.copy()
        dense.remove(window_ids(previous.window_pids[np.isin(previous.window_pids, gone_pids)]))
        if batch is not None and batch_pids is not None:
            new_pids = batch_pids[batch.window_para] if len(batch_pids) else batch.window_para
            dense.add(window_ids(new_pids), batch.window_vectors)
        return dense
    dense = create_index(kind, previous.manifest.dimension)
    if len(vectors.window_pids):
        dense.add(window_ids(vectors.window_pids), vectors.windows)
    return dense
