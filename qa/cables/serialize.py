"""Plain-JSON views of cables and paragraphs, shared by the CLI's ``--json``, the HTTP API and the store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from qa.cables.records import Cable, Paragraph, Recipient

__all__ = ["cable_to_dict", "iso_utc", "paragraph_to_dict"]


def iso_utc(when: datetime | None) -> str | None:
    """``2008-04-18T09:29:00Z``: ISO 8601 in UTC with a ``Z``, or None."""
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def _recipient(r: Recipient) -> dict[str, Any]:
    return {"name": r.name, "routing_indicator": r.routing_indicator, "precedence": r.precedence,
            "serial": r.serial}


def paragraph_to_dict(p: Paragraph) -> dict[str, Any]:
    return {"number": p.number, "occurrence": p.occurrence, "label": p.label, "marking": p.marking,
            "section": p.section, "text": p.text, "start": p.start, "end": p.end, "unnumbered": p.unnumbered}


def cable_to_dict(cable: Cable, paragraphs: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": cable.id,
        "transmission_id": cable.transmission_id,
        "datetime": iso_utc(cable.datetime),
        "precedence": cable.precedence,
        "origin": cable.origin,
        "to": [_recipient(r) for r in cable.to],
        "info": [_recipient(r) for r in cable.info],
        "classification": cable.classification.value,
        "caveats": list(cable.caveats),
        "section": {"number": cable.section[0], "of": cable.section[1]} if cable.section else None,
        "sipdis": cable.sipdis,
        "eo": cable.eo,
        "declassify_on": cable.declassify_on.isoformat() if cable.declassify_on else None,
        "tags": list(cable.tags),
        "subject": cable.subject,
        "references": [r.cable_id or r.text for r in cable.references],
        "reference_details": [{"letter": r.letter, "text": r.text, "cable_id": r.cable_id,
                               "year_source": r.year_source} for r in cable.references],
        "classified_by": cable.classified_by,
        "reasons": cable.reasons,
        "signer": cable.signer,
        "summary_paragraphs": list(cable.summary_paragraphs),
        "comment_paragraphs": list(cable.comment_paragraphs),
        "partial": cable.partial,
        "problems": list(cable.problems),
    }
    if paragraphs:
        out["paragraphs"] = [paragraph_to_dict(p) for p in cable.paragraphs]
    return out
