"""``/ask``: questions in, cited paragraphs out (one, or a batch encoded together).

Sync routes on purpose: FastAPI runs them in its threadpool, so encoding and searching
never block the event loop.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access import search_filters
from api.deps import CallerDep, ClientDep, IndexDep, SettingsDep, StateDep
from api.errors import error_responses
from api.limits import take_tokens
from api.request_context import note_mode
from api.schemas import AnswerOut, AskIn, AskQuery, BatchIn, BatchOut
from api.views import answer_out
from qa.errors import InvalidQueryError

__all__ = ["router"]

router = APIRouter(tags=["ask"])

# A JSON body can fail before it is validated: bytes that are not UTF-8 or JSON nested too
# deeply (400), or a body over CABLEQA_MAX_UPLOAD_BYTES (413).
_BODY_ERRORS = error_responses(400, 401, 413, 422, 429,
                               examples={400: ("the request body is not valid UTF-8", "bad_request")})




@router.post("/ask", response_model=AnswerOut, responses=_BODY_ERRORS,
             summary="Ask a question", description="The paragraphs that best answer the question, best first, "
             "each with its citation (`08TOKYO1074 ¶3`) and the sentence that answers it (`highlight`). "
             "The shape is exactly what `cableqa ask --json` prints. Under a classification ceiling (the "
             "request's `max_classification`, lowered by the API key's), a hit from a cable classified above "
             "it has `subject` null: the subject line is as classified as its cable.")
def ask(body: AskIn, index: IndexDep, settings: SettingsDep, caller: CallerDep) -> AnswerOut:
    mode = body.mode or settings.default_mode
    note_mode(mode)
    query = index.query(body.question, body.k, mode)
    filters = search_filters(body.filters.to_filters(), caller)
    return answer_out(index.answer([query], filters)[0], filters.max_classification)


@router.get("/ask", response_model=AnswerOut, responses=error_responses(401, 422, 429),
            summary="Ask a question (query string)",
            description="`POST /ask` as a link: `/ask?q=what+did+Lavrov+say+about+missile+defense&k=3`. "
            "List filters repeat: `origin=TOKYO&origin=MOSCOW`, `tag=`, `cable_id=`.")
def ask_get(query: Annotated[AskQuery, Query()], index: IndexDep, settings: SettingsDep,
            caller: CallerDep) -> AnswerOut:
    mode = query.mode or settings.default_mode
    note_mode(mode)
    checked = index.query(query.q, query.k, mode, field="q")
    filters = search_filters(query.to_filters(), caller)
    return answer_out(index.answer([checked], filters)[0], filters.max_classification)


@router.post("/ask/batch", response_model=BatchOut, responses=_BODY_ERRORS,
             summary="Ask several questions at once",
             description="Up to `CABLEQA_MAX_BATCH_QUESTIONS` (64) questions, encoded together against one "
             "snapshot of the index; one answer per question, in order. Each question costs one request of "
             "the client's `CABLEQA_RATE_LIMIT_PER_MINUTE`.")
def ask_batch(body: BatchIn, index: IndexDep, settings: SettingsDep, caller: CallerDep, state: StateDep,
              client: ClientDep) -> BatchOut:
    limit = settings.max_batch_questions
    if not 1 <= len(body.questions) <= limit:
        raise InvalidQueryError("questions", f"{len(body.questions)} questions; send between 1 and {limit}")
    if state.limiter is not None and len(body.questions) > state.limiter.per_minute:
        raise InvalidQueryError("questions", f"{len(body.questions)} questions cost {len(body.questions)} "
                                f"requests, over this server's {state.limiter.per_minute} a minute")
    if len(body.questions) > 1:  # the first was taken, from the headers alone, before the body was read
        take_tokens(state.limiter, client, len(body.questions) - 1)
    mode = body.mode or settings.default_mode
    note_mode(mode)
    queries = [index.query(q, body.k, mode, field=f"questions[{i}]") for i, q in enumerate(body.questions)]
    filters = search_filters(body.filters.to_filters(), caller)
    answers = index.answer(queries, filters)
    return BatchOut(answers=[answer_out(a, filters.max_classification) for a in answers])
