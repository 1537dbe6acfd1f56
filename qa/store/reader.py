"""Load an index generation into a :class:`~qa.store.snapshot.Snapshot`, checked before it is trusted.

Files of a generation (``qa.store.generations`` publishes them atomically):

    manifest.json        model, dimension, counts, parser version, passage scheme, checksums
    store.sqlite         cables (original text) and paragraphs
    windows.npy          one vector per passage window (float32), ``window_pids.npy`` beside it
    sentences.npy        one vector per sentence (float16), with ``sentence_pids.npy`` and spans
    dense.faiss          the vector index over window vectors (ids: ``qa.store.window_ids``)
    bm25/, cable_bm25/   BM25 over paragraphs and over whole cables
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from embeddings.index import VectorIndex, choose_kind, create_index, load_index
from qa.cables.classification import Classification
from qa.cables.parse import PARSER_VERSION
from qa.errors import IndexCorruptError, translate_embedding_errors
from qa.store.bm25_index import BM25Index
from qa.store.cable_columns import CableColumns
from qa.store.generations import current_generation, read_pointer
from qa.store.manifest import FORMAT_VERSION, Manifest, read_manifest, verify_files
from qa.store.snapshot import CableMeta, Snapshot
from qa.store.sqlite_store import STORE_NAME, ParagraphRow, Store

__all__ = ["VectorArrays", "assemble", "build_bm25_indexes", "cable_meta", "empty_snapshot", "load_current",
           "load_generation"]


@dataclass(frozen=True, slots=True)
class VectorArrays:
    """A generation's vectors as saved: windows and sentences, each row tagged with its paragraph's pid."""

    windows: npt.NDArray[np.float32]
    window_pids: npt.NDArray[np.int64]
    sentences: npt.NDArray[np.floating[Any]]  # float16 as saved, float32 once loaded
    sentence_pids: npt.NDArray[np.int64]
    sentence_spans: npt.NDArray[np.int32]

    @classmethod
    def empty(cls, dimension: int) -> VectorArrays:
        no_vectors = np.zeros((0, dimension), dtype=np.float32)
        no_ids = np.zeros(0, dtype=np.int64)
        return cls(no_vectors, no_ids, no_vectors, no_ids, np.zeros((0, 2), dtype=np.int32))


def cable_meta(store: Store) -> tuple[CableMeta, ...]:
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


def build_bm25_indexes(cables: Sequence[CableMeta], rows: Sequence[ParagraphRow]) -> tuple[BM25Index, BM25Index]:
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


def assemble(folder: Path | None, manifest: Manifest, store: Store | None, vectors: VectorArrays,
             dense: VectorIndex, bm25: tuple[BM25Index, BM25Index]) -> Snapshot:
    """The snapshot of one generation: per-paragraph columns from the store, vectors in pid order."""
    cables = cable_meta(store) if store else ()
    columns = CableColumns.build(cables)
    rows = store.paragraphs() if store else []
    pids = np.array([r.pid for r in rows], dtype=np.int64)
    sorted_already = len(vectors.sentence_pids) < 2 or bool(np.all(np.diff(vectors.sentence_pids) >= 0))
    order = slice(None) if sorted_already else np.argsort(vectors.sentence_pids, kind="stable")
    sentence_pids = vectors.sentence_pids[order]
    bounds = np.append(pids, np.iinfo(np.int64).max)
    para_cable = np.array([columns.positions[r.cable_id] for r in rows], dtype=np.int32)
    levels = np.array([r.level for r in rows], dtype=np.int8)
    cable_levels = np.array([c.classification.rank for c in cables], dtype=np.int8)
    if len(rows):
        np.maximum.at(cable_levels, para_cable, levels)
    return Snapshot(
        folder=folder, manifest=manifest, store=store, cables=cables, columns=columns, pids=pids,
        para_cable=para_cable,
        numbers=np.array([r.number for r in rows], dtype=np.int32),
        occurrences=np.array([r.occurrence for r in rows], dtype=np.int16),
        levels=levels, cable_levels=cable_levels,
        markings=tuple(r.marking for r in rows), sections=tuple(r.section for r in rows),
        texts=tuple(r.text for r in rows),
        window_vectors=vectors.windows, window_pids=vectors.window_pids,
        window_offsets=np.searchsorted(vectors.window_pids, bounds).astype(np.int64), dense=dense,
        sentence_vectors=vectors.sentences[order], sentence_pids=sentence_pids,
        sentence_spans=vectors.sentence_spans[order],
        sentence_offsets=np.searchsorted(sentence_pids, bounds).astype(np.int64),
        bm25=bm25[0], cable_bm25=bm25[1],
    )


def empty_snapshot(model: str, dimension: int, index_type: str, scheme: str) -> Snapshot:
    """The state of an index that has never been written."""
    manifest = Manifest(FORMAT_VERSION, model, dimension, index_type, PARSER_VERSION, scheme, 0, 0, 0, 0, 0, "")
    with translate_embedding_errors():
        dense = create_index(choose_kind(index_type, 0), dimension)
    return assemble(None, manifest, None, VectorArrays.empty(dimension), dense,
                    (BM25Index.build([]), BM25Index.build([])))


def _load_array(folder: Path, name: str, mapped: bool = False) -> np.ndarray:
    """One saved array; ``mapped`` leaves it in the page cache (read-only, shared by every process
    serving this generation) instead of copying it into this process's memory."""
    try:
        array: np.ndarray = np.load(folder / name, allow_pickle=False, mmap_mode="r" if mapped else None)
        return array
    except (OSError, ValueError, EOFError) as error:
        raise IndexCorruptError(
            f"{folder / name} is missing or truncated ({error}); rebuild with 'cableqa ingest'") from error


def _load_vectors(folder: Path) -> VectorArrays:
    # The vectors stay memory-mapped: workers serving one generation share one copy, and sentence
    # vectors stay float16 (float32 only for the few rows a question rescores: the same products).
    return VectorArrays(
        windows=_load_array(folder, "windows.npy", mapped=True),
        window_pids=_load_array(folder, "window_pids.npy"),
        sentences=_load_array(folder, "sentences.npy", mapped=True),
        sentence_pids=_load_array(folder, "sentence_pids.npy"),
        sentence_spans=_load_array(folder, "sentence_spans.npy"),
    )


def _count_problems(manifest: Manifest, store: Store, vectors: VectorArrays, dense: VectorIndex) -> list[str]:
    """Where the files disagree with the manifest's counts and dimension (empty when they agree)."""
    cables, paragraphs = store.counts()
    problems = []
    if (cables, paragraphs) != (manifest.cables, manifest.paragraphs):
        problems.append(f"store has {cables} cables / {paragraphs} paragraphs, manifest says "
                        f"{manifest.cables} / {manifest.paragraphs}")
    windows, sentences = vectors.windows, vectors.sentences
    if len(windows) != manifest.vectors or len(vectors.window_pids) != manifest.vectors \
            or len(dense) != manifest.vectors:
        problems.append(f"{len(windows)} window vectors and {len(dense)} indexed, manifest says {manifest.vectors}")
    if len(sentences) != manifest.sentences or len(vectors.sentence_pids) != len(sentences) \
            or len(vectors.sentence_spans) != len(sentences):
        problems.append(f"{len(sentences)} sentence vectors, manifest says {manifest.sentences}")
    if windows.ndim != 2 or (len(windows) and windows.shape[1] != manifest.dimension):
        problems.append(f"window vectors have shape {windows.shape}, manifest dimension is {manifest.dimension}")
    return problems


def load_generation(root: Path, model: str, expected: Path | None = None) -> Snapshot:
    """Load and check the live generation (or ``expected``, a staged one); any inconsistency is a named
    error, never a wrong answer."""
    folder = expected or current_generation(root)
    manifest = read_manifest(folder)
    manifest.check_compatible(model, PARSER_VERSION, folder / "manifest.json")
    try:
        verify_files(folder, manifest)
    except OSError as error:  # a file removed or unreadable while it was being checked
        raise IndexCorruptError(f"index generation {folder} could not be read ({error})") from error
    store = Store(folder / STORE_NAME, readonly=True)
    vectors = _load_vectors(folder)
    with translate_embedding_errors():
        dense = load_index(folder / "dense.faiss")
    problems = _count_problems(manifest, store, vectors, dense)
    if problems:
        store.close()
        raise IndexCorruptError(
            f"index generation {folder} is inconsistent: {'; '.join(problems)}; rebuild with 'cableqa ingest'")
    bm25 = BM25Index.load(folder / "bm25")
    cable_bm25 = BM25Index.load(folder / "cable_bm25")
    if bm25.size != manifest.paragraphs or cable_bm25.size != manifest.cables:
        store.close()
        raise IndexCorruptError(f"BM25 indexes in {folder} do not match the store; rebuild with 'cableqa ingest'")
    return assemble(folder, manifest, store, vectors, dense, (bm25, cable_bm25))


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
