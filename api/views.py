"""Domain records to API schemas, with the reader's classification ceiling applied.

The only place where what a reader may see is decided: paragraphs above the ceiling are
withheld from a cable (and counted), refused one by one, and left out of searches (the
ceiling travels in :class:`~qa.search.filters.Filters`). A cable whose own classification is above
the ceiling also loses the header fields written in its words (:data:`CLASSIFIED_HEADER`):
the subject line carries the cable's level unless it is portion-marked, and the parser
drops that mark, so it cannot be shown as anything lower. Its routing envelope (id, date,
origin, recipients, TAGS, classification) stays: that is what a hit already shows.
"""

from __future__ import annotations

import numpy as np

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
from qa.cables.serialize import answer_to_dict, cable_to_dict, iso_utc, paragraph_to_dict
from qa.errors import ForbiddenError
from qa.search.answer import Answer, citation
from qa.search.filters import Filters, make_filters
from qa.search.reference_graph import CableLink, visible_links
from qa.store.snapshot import Snapshot

__all__ = ["CLASSIFIED_HEADER", "answer_out", "cable_list", "cable_out", "cable_references", "ceiling_for",
           "cited_paragraph", "header_visible", "index_size", "search_filters", "with_links"]

#: Header fields withheld (null, or an empty list) from a cable classified above the reader's ceiling.
CLASSIFIED_HEADER = ("subject", "references", "reference_details", "classified_by", "reasons", "signer")


def search_filters(filters: Filters, caller: Caller) -> Filters:
    """The request's filters under the caller's ceiling (the lower of the two wins)."""
    return filters.lowered_to(caller.ceiling)


def ceiling_for(requested: str | None, caller: Caller) -> Classification | None:
    """A ``max_classification`` query parameter, validated, under the caller's ceiling."""
    return search_filters(make_filters(max_classification=requested), caller).max_classification


def header_visible(cable_level: Classification, ceiling: Classification | None) -> bool:
    """Whether a reader under ``ceiling`` may see a cable's subject and other worded header fields."""
    return ceiling is None or ceiling.allows(cable_level)


def answer_out(answer: Answer, ceiling: Classification | None = None) -> AnswerOut:
    """Exactly ``cableqa ask --json``'s shape: both go through :func:`qa.cables.serialize.answer_to_dict`.

    Under a ceiling, a hit from a cable classified above it (an unclassified paragraph of a
    SECRET cable) comes without the cable's subject.
    """
    return AnswerOut.model_validate(answer_to_dict(answer.seen_under(ceiling)))


def _visible(cable: Cable, paragraph: Paragraph, ceiling: Classification | None) -> bool:
    return ceiling is None or ceiling.allows(paragraph.classification(cable.classification))


def cable_out(cable: Cable, ceiling: Classification | None) -> CableOut:
    data = cable_to_dict(cable, paragraphs=False)
    shown = [p for p in cable.paragraphs if _visible(cable, p, ceiling)]
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
    """One paragraph with its citation; above the ceiling it is refused (403), not hidden (404).

    ``GET /cables/{id}`` already says how many paragraphs it withheld, so pretending one
    does not exist would hide nothing and mislead the reader.
    """
    level = paragraph.classification(cable.classification)
    if ceiling is not None and not ceiling.allows(level):
        raise ForbiddenError(f"paragraph {paragraph.label} of {cable.id} is {level.value}, above this "
                             f"request's ceiling {ceiling.value}")
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
    passes = snapshot.columns.allowed(filters)
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
