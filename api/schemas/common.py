"""Schemas every topic shares: the error body and the index's size after a write."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ErrorItem", "ErrorOut", "IndexSizeOut", "blank_is_absent", "examples"]


class ErrorItem(BaseModel):
    loc: list[str | int] = Field(description="Where the problem is: request part, field, list index")
    msg: str
    type: str


class ErrorOut(BaseModel):
    """Every error response: ``detail`` reads as a sentence, ``error`` is a stable code."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"detail": "k: Input should be less than or equal to 100", "error": "invalid_query",
         "errors": [{"loc": ["body", "k"], "msg": "Input should be less than or equal to 100",
                     "type": "less_than_equal"}]},
        {"detail": "no cable '99NOWHERE1' in the index", "error": "unknown_cable"},
    ]})

    detail: str
    error: str = Field(description="invalid_query, unknown_cable, cable_parse, unauthorized, rate_limited, ...")
    errors: list[ErrorItem] | None = Field(default=None, description="Field-level problems (422 only)")


class IndexSizeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"cables": 2, "paragraphs": 13, "generation": 4}]})

    cables: int
    paragraphs: int
    generation: int


def examples(*items: dict[str, Any]) -> ConfigDict:
    """A model config with ``examples`` in its JSON schema (shown in /docs)."""
    return ConfigDict(json_schema_extra={"examples": list(items)})


def blank_is_absent(data: Any) -> Any:
    """Query parameters left empty (``?k=&mode=``, as an HTML form sends them) take their defaults.

    The question itself stays, so an empty ``q`` is still refused by name.
    """
    if isinstance(data, dict):
        return {key: value for key, value in data.items() if key == "q" or value not in ("", [""])}
    return data
