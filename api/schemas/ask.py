"""Request and response schemas of the ask endpoints.

The answer schemas mirror :func:`qa.search.serialize.answer_to_dict` field for field, so the API
returns exactly what ``cableqa ask --json`` prints.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import blank_is_absent, examples
from qa.errors import InvalidQueryError
from qa.search.filters import Filters, make_filters
from qa.search.query import MAX_K, Mode

__all__ = [
    "AnswerOut",
    "AskIn",
    "AskQuery",
    "BatchIn",
    "BatchOut",
    "FiltersIn",
    "HighlightOut",
    "HitOut",
    "Mode",
    "SearchQuery",
]


_LAVROV = ('According to Otsuki, Lavrov responded that "the aim and intent of Japan\'s ballistic missile '
           'defense system are obvious for Russia."')
_HIT = {
    "rank": 1, "citation": "08TOKYO1074 ¶3", "cable_id": "08TOKYO1074", "paragraph": 3, "occurrence": 1,
    "score": 0.8322,
    "marking": "C", "section": "Missile Defense - No Concerns?",
    "subject": 'RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN MISSILE DEFENSE SYSTEM ARE "OBVIOUS" AND '
               '"UNDERSTANDABLE."',
    "date": "2008-04-18T09:29:00Z", "origin": "AMEMBASSY TOKYO", "classification": "CONFIDENTIAL",
    "text": "Lavrov said the April 11 Political-Military Dialogue ... " + _LAVROV + " ...",
    "highlight": {"start": 321, "end": 452, "text": _LAVROV},
}
_ANSWER = {"question": "what did Lavrov say about missile defense", "mode": "hybrid", "answered": True,
           "hits": [_HIT]}


class FiltersIn(BaseModel):
    """Which paragraphs may answer; every field is optional and unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"origins": ["TOKYO"], "date_from": "2008-01-01", "date_to": "2008-12-31", "max_classification": "SECRET"},
    ]})

    cable_ids: list[str] = Field(default_factory=list, description="Only these cables (ids like 08TOKYO1074)")
    origins: list[str] = Field(default_factory=list, description="Only cables whose FM line contains one of these")
    date_from: str | None = Field(default=None, description="Cables dated on or after YYYY-MM-DD")
    date_to: str | None = Field(default=None, description="Cables dated on or before YYYY-MM-DD")
    tags: list[str] = Field(default_factory=list, description="Only cables with one of these TAGS (PREL, RS, ...)")
    max_classification: str | None = Field(
        default=None, description="Ceiling: UNCLASSIFIED, LOU, SBU, CONFIDENTIAL, SECRET or TOP SECRET; "
                                  "an API key's own ceiling lowers it, never raises it")

    def to_filters(self) -> Filters:
        """The domain filters; a bad value is an InvalidQueryError naming ``filters.<field>``."""
        try:
            return make_filters(self.cable_ids, self.origins, self.date_from, self.date_to, self.tags,
                                self.max_classification)
        except InvalidQueryError as error:
            raise InvalidQueryError(f"filters.{error.field}", error.reason) from None


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"question": "what did Lavrov say about missile defense", "k": 5, "mode": "hybrid",
         "filters": {"max_classification": "SECRET"}},
    ]})

    question: str = Field(description="A question in plain English (at most CABLEQA_MAX_QUESTION_CHARS, 2,000)")
    k: int = Field(default=5, ge=1, le=MAX_K, strict=True, description="How many paragraphs to return")
    mode: Mode | None = Field(default=None, description="hybrid (default), dense or bm25")
    filters: FiltersIn = Field(default_factory=FiltersIn)


class SearchQuery(BaseModel):
    """Query parameters every search route shares: depth, mode and the cable filters (lists repeat:
    ``origin=TOKYO&origin=MOSCOW``)."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(default=5, ge=1, le=MAX_K)
    mode: Mode | None = None
    origin: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None
    max_classification: str | None = None

    _blank_is_absent = model_validator(mode="before")(blank_is_absent)

    def to_filters(self, cable_ids: list[str] | None = None) -> Filters:
        return make_filters(cable_ids, self.origin, self.date_from, self.date_to, self.tag, self.max_classification)


class AskQuery(SearchQuery):
    """``GET /ask`` query parameters."""

    q: str = Field(description="The question", examples=["what did Lavrov say about missile defense"])
    cable_id: list[str] = Field(default_factory=list)

    def to_filters(self, cable_ids: list[str] | None = None) -> Filters:
        return super().to_filters(cable_ids if cable_ids is not None else self.cable_id)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"questions": ["what did Lavrov say about missile defense",
                       "did a Russian bomber intrude into Japanese airspace"], "k": 3},
    ]})

    questions: list[str] = Field(description="1 to CABLEQA_MAX_BATCH_QUESTIONS (64) questions")
    k: int = Field(default=5, ge=1, le=MAX_K, strict=True)
    mode: Mode | None = None
    filters: FiltersIn = Field(default_factory=FiltersIn)


class HighlightOut(BaseModel):
    """The best sentence of the hit: ``text == hit.text[start:end]``."""

    start: int
    end: int
    text: str


class HitOut(BaseModel):
    model_config = examples(_HIT)

    rank: int
    citation: str = Field(description="How a reader cites it: 08TOKYO1074 ¶3")
    cable_id: str
    paragraph: int
    occurrence: int = Field(description="1, or 2 for the second paragraph the cable prints under the same number; "
                            "the citation then reads ¶6 (2nd)")
    score: float
    marking: str | None = Field(description="The paragraph's portion mark: C, S//NF, SBU, ...")
    section: str | None
    subject: str | None
    date: str | None = Field(description="The cable's date-time group, ISO 8601 UTC")
    origin: str | None
    classification: str = Field(description="The cable's classification")
    text: str
    highlight: HighlightOut


class AnswerOut(BaseModel):
    model_config = examples(_ANSWER)

    question: str
    mode: str
    answered: bool = Field(description="False when the best hit is too weak to trust (hits are still listed)")
    hits: list[HitOut]


class BatchOut(BaseModel):
    model_config = examples({"answers": [_ANSWER]})

    answers: list[AnswerOut]
