"""The API's request and response schemas (pydantic), kept apart from the domain records."""

from __future__ import annotations

from api.schemas.ask import AnswerOut, AskIn, AskQuery, BatchIn, BatchOut, FiltersIn, HighlightOut, HitOut, Mode
from api.schemas.cables import (
    CableHeaderOut,
    CableLinkOut,
    CableListOut,
    CableListQuery,
    CableOut,
    CitedParagraphOut,
    DeleteOut,
    IngestOut,
    ParagraphOut,
    ReferencesOut,
    SimilarQuery,
    UploadIn,
)
from api.schemas.common import ErrorItem, ErrorOut, IndexSizeOut
from api.schemas.health import HealthOut

__all__ = [
    "AnswerOut",
    "AskIn",
    "AskQuery",
    "BatchIn",
    "BatchOut",
    "CableHeaderOut",
    "CableLinkOut",
    "CableListOut",
    "CableListQuery",
    "CableOut",
    "CitedParagraphOut",
    "DeleteOut",
    "ErrorItem",
    "ErrorOut",
    "FiltersIn",
    "HealthOut",
    "HighlightOut",
    "HitOut",
    "IndexSizeOut",
    "IngestOut",
    "Mode",
    "ParagraphOut",
    "ReferencesOut",
    "SimilarQuery",
    "UploadIn",
]
