"""Which indexed cables cite which: a reference table built once per index generation.

:func:`reference_graph` parses every stored cable of a snapshot (parsing is pure; the store
keeps each cable's original text), resolves its REF items (:mod:`qa.cables.references`) and keeps
both directions. The table is cached per generation, so it is built on the first request that
needs it and reused until the index changes; a new generation reuses the references of every
cable whose text is unchanged, so one upload re-parses only what it brought.

Ceilings are not applied here: the table holds ids only, and :func:`visible_links` decides what
a reader under a ceiling may be told (a cable above it is counted, never named).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from qa.cables.classification import Classification
from qa.cables.parse import parse_cable
from qa.cables.references import ResolvedReference, cable_references
from qa.errors import UnknownCableError
from qa.store.snapshot import Snapshot

__all__ = ["CableLink", "ReferenceGraph", "ReferenceLinks", "reference_graph", "visible_links"]

_CACHE_SIZE = 4


@dataclass(frozen=True, slots=True)
class ReferenceGraph:
    """``references[id]``: the cable's REF items, resolved; ``cited_by[id]``: indexed cables citing ``id``."""

    references: dict[str, tuple[ResolvedReference, ...]]
    cited_by: dict[str, tuple[str, ...]]
    digests: dict[str, str]  # cable id -> SHA-256 of its stored text, to reuse unchanged cables

    @property
    def reference_count(self) -> int:
        return sum(len(refs) for refs in self.references.values())

    @property
    def resolved_count(self) -> int:
        return sum(1 for refs in self.references.values() for r in refs if r.cable_id)

    def indexed_count(self) -> int:
        """References naming a cable that is in the index."""
        return sum(1 for refs in self.references.values() for r in refs if r.cable_id in self.references)


@dataclass(frozen=True, slots=True)
class CableLink:
    """A cable on the other end of a reference; ``subject`` only when indexed and visible."""

    cable_id: str | None  # None: a REF item that names no cable (an e-mail, a meeting)
    indexed: bool
    subject: str | None = None
    letter: str | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceLinks:
    """One cable's references both ways as a reader under a ceiling sees them."""

    cable_id: str
    references: tuple[CableLink, ...]
    referenced_by: tuple[CableLink, ...]
    references_withheld: int  # referenced cables in the index classified above the ceiling
    referenced_by_withheld: int  # citing cables classified above the ceiling


_lock = threading.Lock()
_cache: dict[tuple[str, int, str], ReferenceGraph] = {}


def _key(snapshot: Snapshot) -> tuple[str, int, str]:
    place = str(snapshot.folder) if snapshot.folder is not None else f"memory:{id(snapshot)}"
    return place, snapshot.manifest.generation, snapshot.manifest.created


def _build(snapshot: Snapshot, previous: Iterable[ReferenceGraph]) -> ReferenceGraph:
    known: dict[tuple[str, str], tuple[ResolvedReference, ...]] = {}
    for graph in previous:
        for cable_id, digest in graph.digests.items():
            known[(cable_id, digest)] = graph.references[cable_id]
    references: dict[str, tuple[ResolvedReference, ...]] = {}
    digests: dict[str, str] = {}
    for meta in snapshot.cables:
        text = snapshot.cable_text(meta.id)
        if text is None:
            references[meta.id] = ()
            continue
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        digests[meta.id] = digest
        cached = known.get((meta.id, digest))
        references[meta.id] = (cached if cached is not None
                               else cable_references(parse_cable(text, source=meta.id, id_hint=meta.id)))
    citing: dict[str, list[str]] = {}
    for cable_id, refs in references.items():
        for target in dict.fromkeys(r.cable_id for r in refs if r.cable_id):
            if target in references:
                citing.setdefault(target, []).append(cable_id)
    cited_by = {target: tuple(sorted(ids)) for target, ids in citing.items()}
    return ReferenceGraph(references=references, cited_by=cited_by, digests=digests)


def reference_graph(snapshot: Snapshot) -> ReferenceGraph:
    """The reference table of ``snapshot``'s generation, built on first use and cached."""
    key = _key(snapshot)
    with _lock:
        graph = _cache.get(key)
        if graph is not None:
            return graph
        previous = list(_cache.values())
    graph = _build(snapshot, previous)  # outside the lock: a slow build must not block other generations
    with _lock:
        _cache[key] = graph
        while len(_cache) > _CACHE_SIZE:
            del _cache[next(iter(_cache))]
    return graph


def visible_links(snapshot: Snapshot, cable_id: str, ceiling: Classification | None) -> ReferenceLinks:
    """``cable_id``'s references and citing cables; under ``ceiling`` a cable above it is only counted.

    A referenced cable that is not indexed is listed (its id is in the citing cable's own text);
    its subject is unknown. An indexed one classified above the ceiling is left out and counted,
    as is a citing cable above it. A cable itself classified above the ceiling lists no references
    at all: its REF lines are words of its header, as classified as its subject.
    """
    graph = reference_graph(snapshot)
    if cable_id not in graph.references:
        raise UnknownCableError(cable_id)
    rows = snapshot.cable_rows

    def visible(target: str) -> bool:
        meta = snapshot.cables[rows[target]]
        return ceiling is None or ceiling.allows(meta.classification)

    refs: list[CableLink] = []
    hidden_refs = 0
    for ref in graph.references[cable_id] if visible(cable_id) else ():
        if ref.cable_id is not None and ref.cable_id in rows:
            if not visible(ref.cable_id):
                hidden_refs += 1
                continue
            refs.append(CableLink(ref.cable_id, True, snapshot.cables[rows[ref.cable_id]].subject, ref.letter,
                                  ref.text))
        else:
            refs.append(CableLink(ref.cable_id, False, None, ref.letter, ref.text))
    citing = graph.cited_by.get(cable_id, ())
    shown = [CableLink(c, True, snapshot.cables[rows[c]].subject) for c in citing if c in rows and visible(c)]
    return ReferenceLinks(cable_id, tuple(refs), tuple(shown), hidden_refs, len(citing) - len(shown))
