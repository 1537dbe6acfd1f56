"""An index segment: the cables one write added (or one merge combined), with all that searches read of them.

    INDEX_DIR/segments/seg-000008/
      store.sqlite         its cables (original text) and paragraphs, pids given by the writer
      paragraphs.npz       the paragraphs' numbers as arrays (pid, cable, number, level, occurrence)
      windows.npy          one vector per passage window (float32), window_pids.npy beside it
      sentences.npy        one vector per sentence (float16), sentence_pids.npy and sentence_spans.npy
      dense.faiss          the vector index over its windows (ids: qa.store.window_ids)
      postings.npz         BM25 postings over its paragraphs (section heading and text)
      cable_postings.npz   BM25 postings over its cables (subject and every paragraph)

A segment is written once, checked, and never changed. A generation lists the segments it holds
and, per segment, the cables deleted from it since (tombstones); publishing a write costs what
the write added. Every paragraph pid of a segment is above those of the segments listed before it,
so the segments' rows, read in list order, are in pid order.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from embeddings.index import VectorIndex, choose_kind, create_index, load_index
from qa.cables.classification import Classification
from qa.errors import IndexCorruptError, translate_embedding_errors
from qa.store.bm25_index import BM25Index
from qa.store.generations import SEGMENTS
from qa.store.manifest import checksums, file_sizes, verify_digests, verify_listed
from qa.store.postings import Postings
from qa.store.segment_layout import SegmentLayout
from qa.store.snapshot import CableMeta
from qa.store.sqlite_store import STORE_NAME, ParagraphRow, Store
from qa.store.staging import remove_abandoned, write_staging
from qa.store.window_ids import window_ids

__all__ = ["COLUMNS_NAME", "SENTENCES_NAME", "WINDOWS_NAME", "ParagraphColumns", "Segment", "SegmentInfo",
           "VectorArrays", "fill_segment", "load_segment", "place_segment", "save_kept_rows", "segment_staging",
           "verify_segment", "write_segment"]

_SEG = re.compile(r"^seg-(\d{6})$")


@dataclass(frozen=True, slots=True)
class VectorArrays:
    """Vectors as saved: windows and sentences, each row tagged with its paragraph's pid, pid-sorted."""

    windows: npt.NDArray[np.float32]
    window_pids: npt.NDArray[np.int64]
    sentences: npt.NDArray[np.floating[Any]]  # float16 as saved
    sentence_pids: npt.NDArray[np.int64]
    sentence_spans: npt.NDArray[np.int32]

    @classmethod
    def empty(cls, dimension: int) -> VectorArrays:
        no_vectors = np.zeros((0, dimension), dtype=np.float32)
        no_ids = np.zeros(0, dtype=np.int64)
        return cls(no_vectors, no_ids, no_vectors.astype(np.float16), no_ids, np.zeros((0, 2), dtype=np.int32))


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What a generation's manifest records of a segment: its name, counts, its files' SHA-256 and sizes
    (``sizes`` is empty in manifests written before sizes were recorded: every file is then hashed on load)."""

    name: str
    cables: int
    paragraphs: int
    windows: int
    sentences: int
    first_pid: int
    last_pid: int
    files: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentInfo:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class ParagraphColumns:
    """A segment's paragraphs in pid order, as arrays of numbers (nothing per paragraph in Python objects),
    so snapshots join segments with a few array operations. Texts, markings and sections stay in the
    segment's store (:mod:`qa.store.paragraph_fields`)."""

    pids: npt.NDArray[np.int64]
    cables: npt.NDArray[np.int32]  # position of the paragraph's cable in the segment's ``cables``
    numbers: npt.NDArray[np.int32]
    occurrences: npt.NDArray[np.int16]
    levels: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.pids)

    def save(self, path: Path) -> None:
        np.savez(path, **{column.name: getattr(self, column.name) for column in fields(self)})

    @classmethod
    def load(cls, path: Path) -> ParagraphColumns:
        """The columns :meth:`save` wrote: 4 MB and 0.02 s for 214,000 paragraphs from a cold page cache,
        where listing them from SQLite reads the rows beside their texts and builds a Python tuple per
        paragraph (0.7-1.7 s cold, 0.5-0.7 s warm)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                return cls(**{column.name: saved[column.name] for column in fields(cls)})
        except (OSError, ValueError, KeyError, EOFError) as error:
            raise IndexCorruptError(
                f"{path} is missing or truncated ({error}); rebuild with 'cableqa ingest'") from error

    @classmethod
    def of(cls, rows: Sequence[tuple[int, str, int, int, int]], cables: Sequence[CableMeta]) -> ParagraphColumns:
        """From (pid, cable id, number, level, occurrence) rows (:meth:`Store.paragraph_numbers`)."""
        position = {c.id: i for i, c in enumerate(cables)}
        return cls(
            pids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            cables=np.fromiter((position[r[1]] for r in rows), dtype=np.int32, count=len(rows)),
            numbers=np.fromiter((r[2] for r in rows), dtype=np.int32, count=len(rows)),
            levels=np.fromiter((r[3] for r in rows), dtype=np.int8, count=len(rows)),
            occurrences=np.fromiter((r[4] for r in rows), dtype=np.int16, count=len(rows)),
        )


COLUMNS_NAME = "paragraphs.npz"
DENSE_NAME = "dense.faiss"  # the windows' vector index
POSTINGS_NAME = "postings.npz"  # BM25 over the paragraphs
WINDOWS_NAME = "windows.npy"  # float32, one row a window
SENTENCES_NAME = "sentences.npy"  # float16, one row a sentence
CABLE_POSTINGS_NAME = "cable_postings.npz"  # BM25 over whole cables


@dataclass(frozen=True, eq=False)
class Segment:
    """One segment loaded and checked: read-only, shared by every generation that lists it.

    ``unhashed`` names the files load checked by size only (larger than its ``hash_up_to``), which
    :func:`verify_segment` hashes once (``hashed`` is set then); empty when every file was hashed on load."""

    info: SegmentInfo
    folder: Path
    store: Store
    cables: tuple[CableMeta, ...]  # by id
    paragraphs: ParagraphColumns  # by pid
    vectors: VectorArrays  # memory-mapped
    dense: VectorIndex
    postings: Postings  # document i = paragraph i
    cable_postings: Postings  # document i = cables[i]
    unhashed: tuple[str, ...] = ()
    hashed: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def name(self) -> str:
        return self.info.name

    @cached_property
    def layout(self) -> SegmentLayout:
        """Its cables' columns and its paragraphs' rows, computed on first use and kept with the segment."""
        vectors, paragraphs = self.vectors, self.paragraphs
        return SegmentLayout.of(self.cables, paragraphs.pids, paragraphs.cables, paragraphs.levels,
                                vectors.window_pids, vectors.sentence_pids)


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


def paragraph_documents(rows: Sequence[ParagraphRow]) -> list[str]:
    """What BM25 reads of each paragraph: its section heading and its text, not the subject (a subject
    shared by every paragraph of a cable cannot tell them apart; the cable-level index carries it)."""
    return [f"{row.section or ''}. {row.text}" for row in rows]


def cable_documents(cables: Sequence[CableMeta], rows: Sequence[ParagraphRow]) -> list[str]:
    """What cable-level BM25 reads of each cable: its subject and every paragraph."""
    position = {c.id: i for i, c in enumerate(cables)}
    bodies: list[list[str]] = [[c.subject or ""] for c in cables]
    for row in rows:
        bodies[position[row.cable_id]].append(row.text)
    return [" ".join(b) for b in bodies]


def segment_staging(root: Path, number: int) -> Path:
    """A fresh folder to write segment ``number`` into; the caller holds the write lock.

    Staging folders nobody builds any more are removed (:func:`~qa.store.staging.remove_abandoned`); a
    published-looking segment of that number that no generation lists (a write that crashed before
    publishing its generation) goes when :func:`place_segment` takes the name.
    """
    folder = root / SEGMENTS
    folder.mkdir(parents=True, exist_ok=True)
    remove_abandoned(folder)
    return write_staging(folder, number)


def write_segment(staged: Path, store: Store, vectors: VectorArrays, index_type: str, dimension: int) -> SegmentInfo:
    """Finish a write's staged segment (:func:`segment_staging`) and rename it to ``seg-NNNNNN``, the
    number its staging folder carries. The store is closed."""
    info = fill_segment(staged, store, vectors, index_type, dimension)
    return place_segment(staged, info, int(staged.name.split("-")[2]))


def fill_segment(staged: Path, store: Store, vectors: VectorArrays, index_type: str, dimension: int,
                 postings: tuple[Postings, Postings] | None = None, *, vectors_saved: bool = False) -> SegmentInfo:
    """Finish a staged segment whose ``store`` is filled: vectors, vector index and postings beside it,
    every file fsynced; the folder keeps its staging name, which the returned info carries until
    :func:`place_segment` gives it its own. The store is closed.

    ``postings`` (paragraphs', cables') are those of the store's rows and cables in its order, when the
    caller has them (a merge joins its segments'); otherwise they are cut from the texts here.
    ``vectors_saved``: the caller wrote :data:`WINDOWS_NAME` and :data:`SENTENCES_NAME` in ``staged`` already
    (:func:`save_kept_rows`) and ``vectors`` maps them.
    """
    store.index_for_loading()
    cables = cable_meta(store)
    rows = store.paragraphs() if postings is None else []
    paragraphs = ParagraphColumns.of([(r.pid, r.cable_id, r.number, r.level, r.occurrence) for r in rows]
                                     if rows else store.paragraph_numbers(), cables)
    store.close()
    paragraphs.save(staged / COLUMNS_NAME)
    _save_vectors(staged, vectors, vectors_saved)
    with translate_embedding_errors():
        dense = create_index(choose_kind(index_type, len(vectors.window_pids)), dimension)
        if len(vectors.window_pids):
            dense.add(window_ids(vectors.window_pids), vectors.windows)
        dense.save(staged / DENSE_NAME)
    if postings is None:
        postings = (BM25Index.postings_of(paragraph_documents(rows)),
                    BM25Index.postings_of(cable_documents(cables, rows)))
    postings[0].save(staged / POSTINGS_NAME)
    postings[1].save(staged / CABLE_POSTINGS_NAME)
    for path in staged.iterdir():
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
    pids = paragraphs.pids
    return SegmentInfo(staged.name, len(cables), len(paragraphs), len(vectors.window_pids),
                       len(vectors.sentence_pids), int(pids.min()) if len(pids) else 0,
                       int(pids.max()) if len(pids) else 0, checksums(staged), file_sizes(staged))


def place_segment(staged: Path, info: SegmentInfo, number: int) -> SegmentInfo:
    """Rename a finished staged segment to ``seg-NNNNNN``; the caller holds the write lock, under which
    generation ``number`` was taken, so no one else can take the name. An unlisted folder of that name
    (a write that crashed before publishing) is removed first."""
    final = staged.parent / f"seg-{number:06d}"
    shutil.rmtree(final, ignore_errors=True)
    staged.rename(final)
    return replace(info, name=final.name)


def save_kept_rows(path: Path, parts: Sequence[tuple[np.ndarray, npt.NDArray[np.bool_]]],
                   dtype: npt.DTypeLike) -> np.ndarray:
    """Write each part's kept rows, in order, into one ``.npy`` file at ``path`` and map it: a merge's
    vectors go from the merged segments' mapped files to the new one a block at a time, never all in
    this process's memory (the sentence vectors of the whole release are 11 GB)."""
    rows = sum(int(np.count_nonzero(keep)) for _, keep in parts)
    width = parts[0][0].shape[1:] if parts else ()
    out = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(rows, *width))
    at = 0
    for array, keep in parts:
        for start in range(0, len(keep), _ROWS_A_BLOCK):
            block = array[start:start + _ROWS_A_BLOCK][keep[start:start + _ROWS_A_BLOCK]]
            out[at:at + len(block)] = block
            at += len(block)
    out.flush()
    del out
    return _load_array(path.parent, path.name, mapped=True)


_ROWS_A_BLOCK = 65_536  # 48 MB of float16 sentence vectors


def _save_vectors(staged: Path, vectors: VectorArrays, vectors_saved: bool) -> None:
    if not vectors_saved:
        np.save(staged / WINDOWS_NAME, np.ascontiguousarray(vectors.windows, dtype=np.float32))
        # Sentence vectors are stored as float16 (they only rescore candidates and pick highlights).
        np.save(staged / SENTENCES_NAME, np.asarray(vectors.sentences, dtype=np.float16))
    np.save(staged / "window_pids.npy", vectors.window_pids.astype(np.int64))
    np.save(staged / "sentence_pids.npy", vectors.sentence_pids.astype(np.int64))
    np.save(staged / "sentence_spans.npy", vectors.sentence_spans.astype(np.int32))


def _load_array(folder: Path, name: str, mapped: bool = False) -> np.ndarray:
    """One saved array; ``mapped`` leaves it in the page cache (read-only, shared by every process
    serving this segment) instead of copying it into this process's memory."""
    try:
        array: np.ndarray = np.load(folder / name, allow_pickle=False, mmap_mode="r" if mapped else None)
        return array
    except (OSError, ValueError, EOFError) as error:
        raise IndexCorruptError(
            f"{folder / name} is missing or truncated ({error}); rebuild with 'cableqa ingest'") from error


def load_segment(root: Path, info: SegmentInfo, dimension: int, hash_up_to: int | None = None) -> Segment:
    """Load and check one segment: its files against the sizes and SHA-256 the manifest recorded, its counts.

    Files larger than ``hash_up_to`` bytes are checked by size here and hashed by :func:`verify_segment`
    (None hashes every file here): a server starts without reading gigabytes first, as Lucene checks only
    its small files' checksums on open and verifies the rest when it merges or is asked to."""
    folder = root / SEGMENTS / info.name
    if not _SEG.match(info.name) or not folder.is_dir():
        raise IndexCorruptError(f"segment {info.name} listed by the live generation is missing from "
                                f"{root / SEGMENTS}; restore the index folder from a backup or rebuild it")
    try:
        unhashed = verify_listed(folder, info.files, "index segment", info.sizes, hash_up_to)
    except OSError as error:
        raise IndexCorruptError(f"index segment {folder} could not be read ({error})") from error
    store = Store(folder / STORE_NAME, readonly=True)
    vectors = VectorArrays(
        windows=_load_array(folder, WINDOWS_NAME, mapped=True),
        window_pids=_load_array(folder, "window_pids.npy"),
        sentences=_load_array(folder, SENTENCES_NAME, mapped=True),
        sentence_pids=_load_array(folder, "sentence_pids.npy", mapped=True),
        sentence_spans=_load_array(folder, "sentence_spans.npy", mapped=True),
    )
    with translate_embedding_errors():
        dense = load_index(folder / DENSE_NAME, mapped=True)
    cables = cable_meta(store)
    # Segments written before the columns were saved list them from the store.
    paragraphs = (ParagraphColumns.load(folder / COLUMNS_NAME) if COLUMNS_NAME in info.files
                  else ParagraphColumns.of(store.paragraph_numbers(), cables))
    segment = Segment(info, folder, store, cables, paragraphs, vectors, dense,
                      Postings.load(folder / POSTINGS_NAME), Postings.load(folder / CABLE_POSTINGS_NAME),
                      unhashed)
    problems = _problems(segment, dimension)
    if problems:
        store.close()
        raise IndexCorruptError(f"index segment {folder} is inconsistent: {'; '.join(problems)}; "
                                "rebuild with 'cableqa ingest'")
    return segment


def verify_segment(segment: Segment) -> int:
    """Hash the files :func:`load_segment` checked by size only, unless that was done already; returns how
    many were hashed now. A damaged one is a named error (a file that cannot be read is the ``OSError``
    itself: the caller knows whether the segment may be gone)."""
    if not segment.unhashed or segment.hashed.is_set():
        return 0
    verify_digests(segment.folder, segment.info.files, segment.unhashed)
    segment.hashed.set()
    return len(segment.unhashed)


def _problems(segment: Segment, dimension: int) -> list[str]:
    """Where a segment's files disagree with its recorded counts or with each other (empty when they agree)."""
    info, vectors = segment.info, segment.vectors
    problems = []
    if (len(segment.cables), len(segment.paragraphs)) != (info.cables, info.paragraphs):
        problems.append(f"store has {len(segment.cables)} cables / {len(segment.paragraphs)} paragraphs, manifest says "
                        f"{info.cables} / {info.paragraphs}")
    if len(vectors.windows) != info.windows or len(vectors.window_pids) != info.windows \
            or len(segment.dense) != info.windows:
        problems.append(f"{len(vectors.windows)} window vectors and {len(segment.dense)} indexed, manifest says "
                        f"{info.windows}")
    if len(vectors.sentences) != info.sentences or len(vectors.sentence_pids) != info.sentences \
            or len(vectors.sentence_spans) != info.sentences:
        problems.append(f"{len(vectors.sentences)} sentence vectors, manifest says {info.sentences}")
    if vectors.windows.ndim != 2 or (len(vectors.windows) and vectors.windows.shape[1] != dimension):
        problems.append(f"window vectors have shape {vectors.windows.shape}, the index dimension is {dimension}")
    for name, pids in (("window", vectors.window_pids), ("sentence", vectors.sentence_pids)):
        if len(pids) > 1 and not bool(np.all(np.diff(pids) >= 0)):
            problems.append(f"{name} vectors are not in pid order")
    columns = segment.paragraphs
    if len(columns) and not (int(columns.cables.min()) >= 0 and int(columns.cables.max()) < len(segment.cables)):
        problems.append("paragraphs name cables the store does not hold")
    if segment.postings.size != info.paragraphs or segment.cable_postings.size != info.cables:
        problems.append("BM25 postings do not match the store")
    return problems
