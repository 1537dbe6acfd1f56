"""Schemas of the cable endpoints: the list, one cable, one paragraph, upload and delete.

:class:`CableOut` mirrors :func:`qa.cables.serialize.cable_to_dict` (what ``cableqa parse --json``
prints) plus ``withheld``, the number of paragraphs above the reader's ceiling.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.ask import SearchQuery
from api.schemas.common import IndexSizeOut, blank_is_absent, examples

__all__ = [
    "CableHeaderOut",
    "CableLinkOut",
    "CableListOut",
    "CableListQuery",
    "CableOut",
    "CitedParagraphOut",
    "DeleteOut",
    "IngestOut",
    "ParagraphOut",
    "RecipientOut",
    "ReferenceOut",
    "ReferencesOut",
    "SectionOut",
    "SimilarQuery",
    "UploadIn",
]

_SUBJECT = ('RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN MISSILE DEFENSE SYSTEM ARE "OBVIOUS" AND '
            '"UNDERSTANDABLE."')
_HEADER = {"id": "08TOKYO1074", "datetime": "2008-04-18T09:29:00Z", "origin": "AMEMBASSY TOKYO",
           "classification": "CONFIDENTIAL", "subject": _SUBJECT, "tags": ["PREL", "MARR", "PARM", "ENRG", "JA", "RS"],
           "paragraphs": 9}
_P3 = {"number": 3, "occurrence": 1, "label": "3", "marking": "C", "section": "Missile Defense - No Concerns?",
       "text": "Lavrov said the April 11 Political-Military Dialogue between Deputy Foreign Minister ...",
       "start": 3457, "end": 4222, "unnumbered": False}


class CableListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=20, ge=1, le=100)
    origin: str | None = Field(default=None, description="Cables whose FM line contains this (TOKYO)")
    date_from: str | None = Field(default=None, description="On or after YYYY-MM-DD")
    date_to: str | None = Field(default=None, description="On or before YYYY-MM-DD")
    tag: str | None = Field(default=None, description="Cables with this TAG")
    classification: str | None = Field(default=None, description="Cables classified exactly this")
    max_classification: str | None = Field(default=None, description="Cables classified at most this")

    _blank_is_absent = model_validator(mode="before")(blank_is_absent)


class CableHeaderOut(BaseModel):
    model_config = examples(_HEADER)

    id: str
    datetime: str | None
    origin: str | None
    classification: str
    subject: str | None
    tags: list[str]
    paragraphs: int = Field(description="Paragraphs indexed")


class CableListOut(BaseModel):
    model_config = examples({"total": 1, "offset": 0, "limit": 20, "cables": [_HEADER]})

    total: int = Field(description="Cables that match the filters, over all pages")
    offset: int
    limit: int
    cables: list[CableHeaderOut]


class RecipientOut(BaseModel):
    name: str
    routing_indicator: str | None
    precedence: str | None
    serial: str | None


class SectionOut(BaseModel):
    number: int
    of: int


class ReferenceOut(BaseModel):
    letter: str | None
    text: str
    cable_id: str | None
    year_source: Literal["written", "citing year", "year before"] | None = Field(
        default=None, description="Where cable_id's year comes from: written in the REF line, the citing "
        "cable's own year (the release's convention), or the year before (a serial the citing year had "
        "not reached); null when the reference names no cable")


class CableLinkOut(BaseModel):
    """A cable at the other end of a reference."""

    model_config = examples({"cable_id": "09BERLIN1528", "indexed": True, "subject": "...", "letter": "A",
                             "text": "BERLIN 1528"})

    cable_id: str | None = Field(description="Canonical id; null for a REF item that names no cable (an e-mail)")
    indexed: bool = Field(description="Whether the cable is in this index")
    subject: str | None = Field(default=None, description="Its subject, when indexed and within the ceiling")
    letter: str | None = Field(default=None, description="The REF item's letter (references only)")
    text: str | None = Field(default=None, description="The REF item as written (references only)")


class ReferencesOut(BaseModel):
    model_config = examples({
        "cable_id": "10MOSCOW266",
        "references": [{"cable_id": "09MOSCOW1273", "indexed": True, "subject": "ITALIAN-RUSSIAN RELATIONS",
                        "letter": "A", "text": "09 MOSCOW 1273"}],
        "referenced_by": [], "references_withheld": 0, "referenced_by_withheld": 0})

    cable_id: str
    references: list[CableLinkOut] = Field(description="What the cable's REF items name, in order")
    referenced_by: list[CableLinkOut] = Field(description="Indexed cables whose REF items name this one")
    references_withheld: int = Field(description="Referenced indexed cables above the reader's ceiling: "
                                     "counted, not named")
    referenced_by_withheld: int = Field(description="Citing cables above the reader's ceiling: counted, not named")


class SimilarQuery(SearchQuery):
    """``GET /cables/{id}/paragraphs/{n}/similar`` query parameters: those of ``GET /ask`` but the question."""

    include_own_cable: bool = Field(default=False, description="Also return other paragraphs of the same cable")


class ParagraphOut(BaseModel):
    model_config = examples(_P3)

    number: int = Field(description="The number the cable prints above the paragraph")
    occurrence: int = Field(description="1, or 2 for the second paragraph the cable prints under the same number ...")
    label: str = Field(description="How a citation names it: '6', or '6 (2nd)' for the second paragraph printed 6.")
    marking: str | None
    section: str | None
    text: str
    start: int = Field(description="Offset of the paragraph in the cable's original text")
    end: int
    unnumbered: bool


class CableOut(BaseModel):
    model_config = examples({
        "id": "08TOKYO1074", "transmission_id": "VZCZCXRO1265", "datetime": "2008-04-18T09:29:00Z",
        "precedence": "IMMEDIATE", "origin": "AMEMBASSY TOKYO",
        "to": [{"name": "SECSTATE WASHDC", "routing_indicator": "RUEHC", "precedence": "IMMEDIATE",
                "serial": "3576"}],
        "info": [], "classification": "CONFIDENTIAL", "caveats": [], "section": {"number": 1, "of": 3},
        "sipdis": True, "eo": "12958", "declassify_on": "2016-04-18", "tags": ["PREL", "MARR", "JA", "RS"],
        "subject": _SUBJECT, "references": ["08TOKYO1002"],
        "reference_details": [{"letter": "A", "text": "TOKYO 1002", "cable_id": "08TOKYO1002"}],
        "classified_by": "Ambassador J. Thomas Schieffer", "reasons": "1.4 (B) (D)", "signer": "SCHIEFFER",
        "summary_paragraphs": [1], "comment_paragraphs": [], "partial": False, "problems": [],
        "paragraphs": [_P3], "withheld": 0,
    })

    id: str
    transmission_id: str | None
    datetime: str | None
    precedence: str | None
    origin: str | None
    to: list[RecipientOut]
    info: list[RecipientOut]
    classification: str
    caveats: list[str]
    section: SectionOut | None
    sipdis: bool
    eo: str | None
    declassify_on: str | None
    tags: list[str]
    subject: str | None
    references: list[str]
    reference_details: list[ReferenceOut]
    classified_by: str | None
    reasons: str | None
    signer: str | None
    summary_paragraphs: list[int]
    comment_paragraphs: list[int]
    partial: bool
    problems: list[str]
    paragraphs: list[ParagraphOut]
    withheld: int = Field(default=0, description="Paragraphs left out: above the reader's classification ceiling")
    reference_links: list[CableLinkOut] = Field(
        default_factory=list, description="`references` resolved: whether each is indexed, and its subject when "
        "indexed and within the ceiling; empty when the cable's own header is withheld")
    referenced_by: list[CableLinkOut] = Field(default_factory=list,
                                              description="Indexed cables citing this one, within the ceiling")
    references_withheld: int = Field(default=0, description="Referenced cables above the ceiling, counted")
    referenced_by_withheld: int = Field(default=0, description="Citing cables above the ceiling, counted")


class CitedParagraphOut(ParagraphOut):
    model_config = examples({"citation": "08TOKYO1074 ¶3", "cable_id": "08TOKYO1074", "subject": _SUBJECT,
                             "classification": "CONFIDENTIAL", **_P3})

    citation: str
    cable_id: str
    subject: str | None
    classification: str = Field(description="The paragraph's level: its portion mark, else the cable's")


class UploadIn(BaseModel):
    """The JSON form of an upload: one cable's full text per string."""

    model_config = ConfigDict(extra="forbid")

    cables: list[str] = Field(min_length=1)


class IngestOut(BaseModel):
    model_config = examples({"ingested": ["09MOSCOW2747"], "replaced": [], "partial": [], "cables": 1,
                             "paragraphs": 4, "index": {"cables": 2, "paragraphs": 13, "generation": 2}})

    ingested: list[str] = Field(description="Ids of the cables now in the index, in upload order")
    replaced: list[str] = Field(description="Those that replaced a cable of the same id")
    partial: list[str] = Field(description="Those whose text is cut off or lacks a body (indexed anyway)")
    cables: int
    paragraphs: int = Field(description="Paragraphs the uploaded cables hold")
    index: IndexSizeOut


class DeleteOut(BaseModel):
    model_config = examples({"deleted": "09MOSCOW2747", "index": {"cables": 1, "paragraphs": 9, "generation": 3}})

    deleted: str
    index: IndexSizeOut
