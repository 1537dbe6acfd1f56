"""One segment's BM25 postings: for every term, the documents holding it and how often, plus lengths.

Raw term frequencies, not scores: a score needs the collection's statistics (how many documents,
their mean length, how many hold the term), and with segments those belong to the whole index,
not to the segment that was written (:class:`~qa.store.bm25_index.BM25Index` sums them over the
live documents of every segment at search time). bm25s stores scores with its own collection's
statistics baked in, which is why a segment keeps these instead.

Layout (CSC, as bm25s keeps its scores): term ``t``'s postings are ``docs[indptr[t]:indptr[t+1]]``
(ascending) with ``tfs`` beside them; ``lengths[d]`` is document ``d``'s term count after stopwords.
Saved with ``np.savez`` and loaded memory-mapped: a question reads only its terms' postings.
"""

from __future__ import annotations

import mmap
import struct
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import numpy.typing as npt

from qa.errors import IndexCorruptError

__all__ = ["Postings"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Postings:
    terms: npt.NDArray[np.str_]  # sorted
    indptr: IntArray  # len(terms) + 1
    docs: npt.NDArray[np.int32]
    tfs: npt.NDArray[np.float32]
    lengths: npt.NDArray[np.int32]

    @property
    def size(self) -> int:
        return len(self.lengths)

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        return {str(term): i for i, term in enumerate(self.terms.tolist())}

    def postings(self, term: str) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """The documents holding ``term`` (ascending) and its frequency in each; empty when none does."""
        at = self.vocabulary.get(term)
        if at is None:
            return self.docs[:0], self.tfs[:0]
        start, end = int(self.indptr[at]), int(self.indptr[at + 1])
        return self.docs[start:end], self.tfs[start:end]

    @classmethod
    def build(cls, documents: Sequence[str], tokens: Callable[[str], list[str]]) -> Postings:
        """Postings of ``documents`` (document ``i`` is ``documents[i]``) cut by ``tokens``."""
        # Terms get ids in order of first sight through a dict, then are sorted once: sorting every token as
        # a fixed-width string array instead took minutes and gigabytes for a commit of 200,000 paragraphs.
        vocabulary: dict[str, int] = {}
        lengths = np.zeros(len(documents), dtype=np.int32)
        seen: list[int] = []
        for position, document in enumerate(documents):
            cut = tokens(document)
            lengths[position] = len(cut)
            seen.extend(vocabulary.setdefault(term, len(vocabulary)) for term in cut)
        if not seen:
            return cls._from_triples(np.zeros(0, np.str_), np.zeros(0, np.int64), np.zeros(0, np.int64),
                                     np.zeros(0, np.float32), lengths)
        first_seen = np.array(list(vocabulary), dtype=np.str_)
        order = np.argsort(first_seen, kind="stable")
        terms = first_seen[order]
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        term_ids = rank[np.array(seen, dtype=np.int64)]
        doc_ids = np.repeat(np.arange(len(documents), dtype=np.int64), lengths)
        width = max(len(documents), 1)
        keys, counts = np.unique(term_ids * width + doc_ids, return_counts=True)
        return cls._from_triples(terms, keys // width, keys % width, counts.astype(np.float32), lengths)

    @classmethod
    def _from_triples(cls, terms: npt.NDArray[np.str_], term_ids: IntArray, doc_ids: IntArray,
                      tfs: npt.NDArray[np.float32], lengths: npt.NDArray[np.int32]) -> Postings:
        """From (term, doc, tf) triples sorted by term then doc."""
        indptr = np.searchsorted(term_ids, np.arange(len(terms) + 1)).astype(np.int64)
        return cls(terms, indptr, doc_ids.astype(np.int32), tfs.astype(np.float32), lengths.astype(np.int32))

    @classmethod
    def concatenated(cls, parts: Sequence[tuple[Postings, npt.NDArray[np.bool_]]]) -> Postings:
        """The kept documents of each part, in part order, as one (a merge of segments)."""
        terms = np.unique(np.concatenate([p.terms for p, _ in parts])) if parts else np.zeros(0, np.str_)
        term_ids, doc_ids, tfs, lengths = [], [], [], []
        offset = 0
        for postings, keep in parts:
            renumbered = np.where(keep, np.cumsum(keep) - 1 + offset, -1).astype(np.int64)
            global_term = np.searchsorted(terms, postings.terms).astype(np.int64)
            owner = np.repeat(global_term, np.diff(postings.indptr))
            new_docs = renumbered[postings.docs] if len(postings.docs) else np.zeros(0, np.int64)
            kept = new_docs >= 0
            term_ids.append(owner[kept])
            doc_ids.append(new_docs[kept])
            tfs.append(postings.tfs[kept])
            lengths.append(postings.lengths[keep])
            offset += int(keep.sum())
        if not parts:
            return cls._from_triples(terms, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32),
                                     np.zeros(0, np.int32))
        all_terms, all_docs = np.concatenate(term_ids), np.concatenate(doc_ids)
        order = np.lexsort((all_docs, all_terms))
        used = np.zeros(len(terms), dtype=bool)
        used[all_terms] = True  # a term only dropped documents held is dropped with them
        remap = np.cumsum(used) - 1
        return cls._from_triples(terms[used], remap[all_terms[order]], all_docs[order],
                                 np.concatenate(tfs)[order], np.concatenate(lengths))

    def renumbered(self, new_of_old: IntArray) -> Postings:
        """The same postings with document ``d`` renamed ``new_of_old[d]`` (a permutation)."""
        owner = np.repeat(np.arange(len(self.terms), dtype=np.int64), np.diff(self.indptr))
        docs = new_of_old[self.docs].astype(np.int64)
        order = np.lexsort((docs, owner))
        lengths = np.empty_like(self.lengths)
        lengths[new_of_old] = self.lengths
        return self._from_triples(self.terms, owner[order], docs[order], self.tfs[order], lengths)

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            np.savez(handle, terms=self.terms, indptr=self.indptr, docs=self.docs, tfs=self.tfs, lengths=self.lengths)

    @classmethod
    def load(cls, path: Path) -> Postings:
        """The postings saved at ``path``, memory-mapped (read-only, shared through the page cache)."""
        try:
            data = _mapped_arrays(path)
            postings = cls(data["terms"], data["indptr"], data["docs"], data["tfs"], data["lengths"])
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, struct.error) as error:
            raise IndexCorruptError(f"BM25 postings {path} are unreadable ({error}); rebuild with 'cableqa ingest'") \
                from error
        if len(postings.indptr) != len(postings.terms) + 1 or len(postings.docs) != len(postings.tfs) \
                or (len(postings.indptr) and int(postings.indptr[-1]) != len(postings.docs)):
            raise IndexCorruptError(f"BM25 postings {path} are inconsistent; rebuild with 'cableqa ingest'")
        return postings


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # a ZIP member's local header: signature ... name and extra lengths
_LOCAL_SIGNATURE = b"PK\x03\x04"
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _mapped_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``np.savez`` file, each memory-mapped where it lies in the archive.

    ``np.load`` cannot map the members of an ``.npz`` (it reads them into memory), but ``np.savez`` stores
    them uncompressed, each a complete ``.npy`` file at an offset of the archive: its header says the
    dtype and shape, and its data follows. A compressed member is read into memory instead.
    """
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)  # one mapping (and descriptor) a file
        for member in archive.infolist():
            name = member.filename.removesuffix(".npy")
            if member.compress_type != zipfile.ZIP_STORED:
                arrays[name] = np.load(archive.open(member), allow_pickle=False)
                continue
            handle.seek(member.header_offset)
            signature, name_length, extra_length = _LOCAL_HEADER.unpack(handle.read(_LOCAL_HEADER.size))
            if signature != _LOCAL_SIGNATURE:
                raise ValueError(f"member {member.filename} has no local header")
            handle.seek(member.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
            version = np.lib.format.read_magic(handle)
            if version not in _HEADER_READERS:
                raise ValueError(f"member {member.filename} is .npy version {version}")
            shape, fortran, dtype = _HEADER_READERS[version](handle)
            if dtype.hasobject:
                raise ValueError(f"member {member.filename} holds Python objects")
            count = int(np.prod(shape))
            flat = np.frombuffer(mapping, dtype=dtype, count=count, offset=handle.tell()) if count \
                else np.zeros(0, dtype=dtype)
            arrays[name] = flat.reshape(shape, order="F" if fortran else "C")
    return arrays
