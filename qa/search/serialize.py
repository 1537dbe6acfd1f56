"""Plain-JSON views of answers, shared by ``cableqa ask --json`` and the HTTP API (same shape)."""

from __future__ import annotations

from typing import Any

from qa.cables.serialize import iso_utc
from qa.search.answer import Answer, Hit

__all__ = ["answer_to_dict", "hit_to_dict"]


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    return {
        "rank": hit.rank,
        "citation": hit.citation,
        "cable_id": hit.cable_id,
        "paragraph": hit.paragraph,
        "occurrence": hit.occurrence,
        "score": round(hit.score, 4),
        "marking": hit.marking,
        "section": hit.section,
        "subject": hit.subject,
        "date": iso_utc(hit.date),
        "origin": hit.origin,
        "classification": hit.classification.value,
        "text": hit.text,
        "highlight": {"start": hit.highlight.start, "end": hit.highlight.end, "text": hit.highlight.text},
    }


def answer_to_dict(answer: Answer) -> dict[str, Any]:
    return {"question": answer.question, "mode": answer.mode, "answered": answer.answered,
            "hits": [hit_to_dict(h) for h in answer.hits]}
