"""What a reader may see and change, decided from the caller's ceiling (an API key's, lowered by a
request's ``max_classification``), with the one ceiling rule of :mod:`qa.search.ceiling`.

Paragraphs above the ceiling are withheld from a cable (and counted), refused one by one, and
left out of searches (the ceiling travels in :class:`~qa.search.filters.Filters`). A cable whose own
classification is above the ceiling also loses the header fields written in its words
(:data:`CLASSIFIED_HEADER`): the subject line carries the cable's level unless it is
portion-marked, and the parser drops that mark, so it cannot be shown as anything lower. Its
routing envelope (id, date, origin, recipients, TAGS, classification) stays: that is what a hit
already shows. A key with a ceiling may not upload a cable holding text above it.
"""

from __future__ import annotations

from collections.abc import Iterable

from api.keys import Caller
from qa.cables.classification import Classification
from qa.cables.records import Cable, Paragraph
from qa.errors import ForbiddenError
from qa.search.ceiling import allows, cable_level
from qa.search.filters import Filters, make_filters

__all__ = ["CLASSIFIED_HEADER", "ceiling_for", "check_paragraph_visible", "check_uploads_within",
           "header_visible", "search_filters", "visible_paragraphs"]

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
    return allows(ceiling, cable_level)


def visible_paragraphs(cable: Cable, ceiling: Classification | None) -> list[Paragraph]:
    return [p for p in cable.paragraphs if allows(ceiling, p.classification(cable.classification))]


def check_paragraph_visible(cable: Cable, paragraph: Paragraph, ceiling: Classification | None) -> None:
    """A paragraph above the ceiling is refused (403), not hidden (404).

    ``GET /cables/{id}`` already says how many paragraphs it withheld, so pretending one
    does not exist would hide nothing and mislead the reader.
    """
    level = paragraph.classification(cable.classification)
    if not allows(ceiling, level):
        raise ForbiddenError(f"paragraph {paragraph.label} of {cable.id} is {level.value}, above this "
                             f"request's ceiling {ceiling.value if ceiling else ''}")


def check_uploads_within(cables: Iterable[Cable], caller: Caller) -> None:
    """A key with a ceiling may not upload a cable holding text above it."""
    if caller.ceiling is None:
        return
    for cable in cables:
        top = cable_level(cable)
        if not caller.ceiling.allows(top):
            raise ForbiddenError(f"{cable.id} holds {top.value} text, above this API key's ceiling "
                                 f"{caller.ceiling.value}")
