"""``/cables``: list, read, upload and delete cables.

Reads apply the reader's classification ceiling (the ``max_classification`` parameter,
lowered by the API key's own): a cable's paragraphs above it are withheld and counted,
and one asked for directly is refused with 403. Writes need write access (see
:mod:`api.keys`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.access import ceiling_for, check_uploads_within, search_filters
from api.deps import CallerDep, IndexDep, SettingsDep, StateDep, WriterDep
from api.errors import error_responses
from api.keys import Caller
from api.request_context import note_mode
from api.schemas import (
    AnswerOut,
    CableListOut,
    CableListQuery,
    CableOut,
    CitedParagraphOut,
    DeleteOut,
    IngestOut,
    ReferencesOut,
    SimilarQuery,
)
from api.upload import parse_upload
from api.views import answer_out, cable_list, cable_out, cable_references, cited_paragraph, index_size, with_links
from qa.cables.records import parse_paragraph_label
from qa.errors import InvalidQueryError
from qa.service import CableIndex

__all__ = ["router"]

router = APIRouter(prefix="/cables", tags=["cables"])

CableId = Annotated[str, Path(min_length=1, max_length=64, description="A cable id such as 08TOKYO1074",
                              examples=["08TOKYO1074"])]
ParagraphLabel = Annotated[str, Path(
    min_length=1, max_length=16, examples=["3", "6 (2nd)"],
    description="The paragraph as its citation names it: the number printed above it (`3`), or `6 (2nd)` for the "
                "second paragraph a cable prints as `6.` (URL-encoded: `6%20(2nd)`)")]


def _label(text: str) -> tuple[int, int]:
    """``"6 (2nd)"`` -> (6, 2): the paragraph number and which of the paragraphs printed with it."""
    label = parse_paragraph_label(text)
    if label is None:
        raise InvalidQueryError("number", f"{text!r} is not a paragraph label; use the number (3), or '6 (2nd)' "
                                          "for the second paragraph printed under the same number")
    return label


Ceiling = Annotated[str | None, Query(description="Withhold paragraphs above this level (SECRET, CONFIDENTIAL, ...)",
                                      examples=["CONFIDENTIAL"])]

_UPLOAD_DESCRIPTION = """Parse, embed, index and persist cables, in one atomic index generation.

**Body**, either:

- `text/plain` (or any type but JSON): the full text of one cable, or of several separated by a
  **form feed** (`\\f`, U+000C), best on a line of its own. Example:
  `printf '\\f\\n' | cat a.txt - b.txt | curl --data-binary @- -H 'Content-Type: text/plain' ...`.
  Bytes are read as UTF-8, falling back to Windows-1252.
- `application/json`: `{"cables": ["<full text of one cable>", ...]}`.

Every cable must parse, or the upload fails with **400** and the parser's reason (naming the cable as
`cable 2 of 3`) and nothing is written. A cable whose id is already indexed is replaced. The body may be
at most `CABLEQA_MAX_UPLOAD_BYTES` (413 beyond). Needs an API key when one is configured (401); with none
configured, only a server bound to loopback accepts writes (403). A key with a ceiling may not upload
cables classified above it (403), nor replace an indexed cable holding text above it (403).
A write waits up to `CABLEQA_WRITE_WAIT_S` for another writer (a CLI ingest, another worker) and
answers **503** with `Retry-After` beyond.
"""


@router.get("", response_model=CableListOut, responses=error_responses(401, 422, 429), summary="List cables",
            description="Cable headers, ordered by id, a page at a time. `max_classification` (and the API "
            "key's ceiling) leaves out cables classified above it; `classification` keeps only that level.")
def list_cables(query: Annotated[CableListQuery, Query()], index: IndexDep, caller: CallerDep) -> CableListOut:
    return cable_list(index.snapshot, query, caller)


@router.get("/{cable_id}", response_model=CableOut, responses=error_responses(401, 404, 422, 429),
            summary="Read one cable", description="The parsed cable: header fields and paragraphs. Paragraphs "
            "above the ceiling are left out and counted in `withheld`. When the cable's own `classification` is "
            "above the ceiling, the header fields written in its words are withheld too: `subject`, "
            "`classified_by`, `reasons` and `signer` are null and `references`, `reference_details` empty "
            "(a subject line is as classified as its cable). The routing envelope (id, date, origin, "
            "recipients, TAGS, classification) is still shown.")
def read_cable(cable_id: CableId, index: IndexDep, caller: CallerDep,
               max_classification: Ceiling = None) -> CableOut:
    ceiling = ceiling_for(max_classification, caller)
    snapshot = index.snapshot
    cable = index.cable(cable_id.strip().upper(), snapshot)
    return with_links(cable_out(cable, ceiling), snapshot, cable, ceiling)


@router.get("/{cable_id}/references", response_model=ReferencesOut, responses=error_responses(401, 404, 422, 429),
            summary="References both ways",
            description="What the cable's REF items name (canonical ids such as `08TOKYO1002`: a reference without a "
            "year takes the citing cable's; `indexed` says whether it is in this index, with its subject when "
            "it is and is within the ceiling) and the indexed cables citing it. A cable above the ceiling at "
            "either end is counted in `references_withheld` / `referenced_by_withheld`, never named; a cable "
            "itself classified above the ceiling lists no references (they are words of its header).")
def read_references(cable_id: CableId, index: IndexDep, caller: CallerDep,
                    max_classification: Ceiling = None) -> ReferencesOut:
    ceiling = ceiling_for(max_classification, caller)
    return cable_references(index.snapshot, cable_id.strip().upper(), ceiling)


@router.get("/{cable_id}/paragraphs/{number}/similar", response_model=AnswerOut,
            responses=error_responses(401, 403, 404, 422, 429), summary="Paragraphs like this one",
            description="The paragraphs nearest to this one in other cables, by the scoring of `/ask` (the "
            "paragraph's own window vectors as the dense query, its words as the BM25 one); `question` is the "
            "paragraph's citation. `include_own_cable=true` also returns other paragraphs of its cable. Filters "
            "and the ceiling work as for `GET /ask`; a paragraph above the ceiling cannot be the query (403).")
def similar(cable_id: CableId, number: ParagraphLabel,
            query: Annotated[SimilarQuery, Query()], index: IndexDep, settings: SettingsDep,
            caller: CallerDep) -> AnswerOut:
    mode = query.mode or settings.default_mode
    note_mode(mode)
    filters = search_filters(query.to_filters(), caller)
    paragraph, occurrence = _label(number)
    answer = index.similar(cable_id.strip().upper(), paragraph, occurrence, k=query.k, mode=mode, filters=filters,
                           include_own_cable=query.include_own_cable)
    return answer_out(answer, filters.max_classification)


@router.get("/{cable_id}/paragraphs/{number}", response_model=CitedParagraphOut,
            responses=error_responses(401, 403, 404, 422, 429), summary="Read one paragraph",
            description="One paragraph with its citation. A paragraph above the ceiling is refused with **403** "
            "(its existence is no secret: `GET /cables/{id}` counts it as withheld); an unknown one is 404. "
            "A paragraph at or below the ceiling from a cable classified above it comes with `subject` null.")
def read_paragraph(cable_id: CableId, number: ParagraphLabel,
                   index: IndexDep, caller: CallerDep, max_classification: Ceiling = None) -> CitedParagraphOut:
    ceiling = ceiling_for(max_classification, caller)
    cable, paragraph = index.paragraph(cable_id.strip().upper(), *_label(number))
    return cited_paragraph(cable, paragraph, ceiling)


def _ingest(index: CableIndex, body: bytes, content_type: str | None, caller: Caller) -> IngestOut:
    cables = parse_upload(body, content_type)
    check_uploads_within(cables, caller)
    existing = set(index.refresh().cable_rows)
    snapshot = index.ingest(cables, ceiling=caller.ceiling)  # nor may it overwrite a cable above its ceiling
    ids = list(dict.fromkeys(c.id for c in cables))
    return IngestOut(ingested=ids, replaced=[i for i in ids if i in existing],
                     partial=list(dict.fromkeys(c.id for c in cables if c.partial)), cables=len(ids),
                     paragraphs=sum(len(c.paragraphs) for c in {c.id: c for c in cables}.values()),
                     index=index_size(snapshot))


@router.post("", response_model=IngestOut, status_code=201, summary="Upload cables",
             description=_UPLOAD_DESCRIPTION, responses=error_responses(400, 401, 403, 413, 422, 429, 503, 507),
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/plain": {"schema": {"type": "string"},
                                "example": "VZCZCXRO1348\n...\nS E C R E T MOSCOW 002747\n...\f\n..."},
                 "application/json": {"schema": {"$ref": "#/components/schemas/UploadIn"},
                                      "example": {"cables": ["<full text of one cable>"]}},
             }}})
async def upload_cables(request: Request, index: IndexDep, caller: WriterDep, state: StateDep) -> IngestOut:
    body = await request.body()  # bounded by BodyLimitMiddleware (Content-Length and bytes received)
    with state.metrics.uploads_in_flight.track_inprogress():
        out = await run_in_threadpool(_ingest, index, body, request.headers.get("content-type"), caller)
    state.metrics.ingested_cables.inc(out.cables)
    state.metrics.ingested_paragraphs.inc(out.paragraphs)
    return out


@router.delete("/{cable_id}", response_model=DeleteOut,
               responses=error_responses(401, 403, 404, 422, 429, 503, 507),
               summary="Delete a cable", description="Removes the cable and its paragraphs from every search "
               "mode, in one atomic index generation. Needs write access, like uploads; a key with a ceiling "
               "may not delete a cable classified above it (403).")
def delete_cable(cable_id: CableId, index: IndexDep, caller: WriterDep, state: StateDep) -> DeleteOut:
    wanted = cable_id.strip().upper()
    out = DeleteOut(deleted=wanted, index=index_size(index.delete(wanted, ceiling=caller.ceiling)))
    state.metrics.deleted_cables.inc()
    return out
