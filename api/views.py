"""Domain records to API schemas, under the reader's ceiling as :mod:`api.access` decides it."""

from __future__ import annotations

import numpy as np

from api.access import (
    CLASSIFIED_HEADER,
    check_paragraph_visible,
    header_visible,
    search_filters,
    visible_paragraphs,
)
from api.keys import Caller
from api.schemas import (
    AnswerOut,
    CableHeaderOut,
    CableLinkOut,
    CableListOut,
    CableListQuery,
    CableOut,
    CitedParagraphOut,
    IndexSizeOut,
    ReferencesOut,
)
from qa.cables.classification import Classification, parse_classification_name
from qa.cables.records import Cable, Paragraph
from qa.cables.serialize import cable_to_dict, iso_utc, paragraph_to_dict
from qa.search.answer import Answer, citation
from qa.search.filters import cables_allowed, make_filters
from qa.search.reference_graph import CableLink, visible_links
from qa.search.serialize import answer_to_dict
from qa.store.snapshot import Snapshot

__all__ = ["answer_out", "cable_list", "cable_out", "cable_references", "cited_paragraph", "index_size",
           "with_links"]

def answer_out(answer: Answer, ceiling: Classification | None = None) -> AnswerOut:
    """Exactly ``cableqa ask --json``'s shape: both go through :func:`qa.search.serialize.answer_to_dict`.

    Under a ceiling, a hit from a cable classified above it (an unclassified paragraph of a
    SECRET cable) comes without the cable's subject.
    """
    return AnswerOut.model_validate(answer_to_dict(answer.seen_under(ceiling)))


def cable_out(cable: Cable, ceiling: Classification | None) -> CableOut:
    data = cable_to_dict(cable, paragraphs=False)
    shown = visible_paragraphs(cable, ceiling)
    data["paragraphs"] = [paragraph_to_dict(p) for p in shown]
    data["withheld"] = len(cable.paragraphs) - len(shown)
    if not header_visible(cable.classification, ceiling):
        for field in CLASSIFIED_HEADER:
            data[field] = [] if isinstance(data[field], list) else None
    return CableOut.model_validate(data)


def _link_out(link: CableLink) -> CableLinkOut:
    return CableLinkOut(cable_id=link.cable_id, indexed=link.indexed, subject=link.subject, letter=link.letter,
                        text=link.text)


def cable_references(snapshot: Snapshot, cable_id: str, ceiling: Classification | None) -> ReferencesOut:
    """``GET /cables/{id}/references``: what the cable cites and which indexed cables cite it.

    A cable above the ceiling on either end is counted, never named; a cable classified above the
    ceiling itself shows no REF items (they are words of its header), only the cables citing it.
    """
    links = visible_links(snapshot, cable_id, ceiling)
    return ReferencesOut(cable_id=cable_id, references=[_link_out(link) for link in links.references],
                         referenced_by=[_link_out(link) for link in links.referenced_by],
                         references_withheld=links.references_withheld,
                         referenced_by_withheld=links.referenced_by_withheld)


def with_links(out: CableOut, snapshot: Snapshot, cable: Cable, ceiling: Classification | None) -> CableOut:
    """``GET /cables/{id}``'s cable with its references both ways (see :func:`cable_references`)."""
    links = cable_references(snapshot, cable.id, ceiling)
    return out.model_copy(update={"reference_links": links.references, "referenced_by": links.referenced_by,
                                  "references_withheld": links.references_withheld,
                                  "referenced_by_withheld": links.referenced_by_withheld})


def cited_paragraph(cable: Cable, paragraph: Paragraph, ceiling: Classification | None) -> CitedParagraphOut:
    """One paragraph with its citation; above the ceiling it is refused (403, :mod:`api.access`)."""
    check_paragraph_visible(cable, paragraph, ceiling)
    level = paragraph.classification(cable.classification)
    return CitedParagraphOut.model_validate({
        "citation": citation(cable.id, paragraph.number, paragraph.occurrence), "cable_id": cable.id,
        "subject": cable.subject if header_visible(cable.classification, ceiling) else None,
        "classification": level.value, **paragraph_to_dict(paragraph)})


def cable_list(snapshot: Snapshot, query: CableListQuery, caller: Caller) -> CableListOut:
    """One page of cable headers (ordered by id) read from the snapshot, never re-parsed."""
    filters = make_filters(origins=[query.origin] if query.origin else None, date_from=query.date_from,
                           date_to=query.date_to, tags=[query.tag] if query.tag else None,
                           max_classification=query.max_classification)
    ceiling = search_filters(filters, caller).max_classification
    exact = parse_classification_name(query.classification, "classification") if query.classification else None
    counts = np.bincount(snapshot.para_cable, minlength=len(snapshot.cables)) if snapshot.size else None
    passes = cables_allowed(snapshot.columns, filters)
    matches = [
        (i, meta) for i, meta in enumerate(snapshot.cables)
        if passes[i]
        and (exact is None or meta.classification == exact)
        and (ceiling is None or ceiling.allows(meta.classification))
    ]
    page = matches[query.offset:query.offset + query.limit]
    return CableListOut(total=len(matches), offset=query.offset, limit=query.limit, cables=[
        CableHeaderOut(id=meta.id, datetime=iso_utc(meta.datetime), origin=meta.origin,
                       classification=meta.classification.value, subject=meta.subject, tags=list(meta.tags),
                       paragraphs=int(counts[i]) if counts is not None else 0)
        for i, meta in page
    ])


def index_size(snapshot: Snapshot) -> IndexSizeOut:
    manifest = snapshot.manifest
    return IndexSizeOut(cables=manifest.cables, paragraphs=manifest.paragraphs, generation=manifest.generation)
