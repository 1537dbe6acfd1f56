"""An upload's body to parsed cables: all of them or none.

The rule, also in the OpenAPI description of ``POST /cables``:

- ``Content-Type: application/json``: ``{"cables": ["<full text of one cable>", ...]}``.
- Anything else is cable text (``text/plain`` is the intended type): one cable, or several
  separated by a form feed (``\\f``, U+000C), best on a line of its own. No real cable
  contains one, unlike ``=====`` lines. Bytes are decoded as UTF-8, falling back to
  Windows-1252, as cable files are.

Every cable must parse; the first that does not fails the whole upload with the parser's
reason, naming the cable by its position (``cable 2 of 3``).
"""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.schemas import UploadIn
from qa.cables.corpus import decode_cable_bytes
from qa.cables.parse import parse_cable
from qa.cables.records import Cable
from qa.errors import CableParseError

__all__ = ["SEPARATOR", "is_json", "parse_upload", "split_cable_bytes"]

SEPARATOR = b"\x0c"


def is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def split_cable_bytes(body: bytes) -> list[bytes]:
    """The cables of a text body: split at form feeds, blank pieces dropped.

    Splitting the bytes is safe before decoding: 0x0C never occurs inside a UTF-8 or
    Windows-1252 character other than the form feed itself.
    """
    return [piece for piece in body.split(SEPARATOR) if piece.strip()]


def _texts(body: bytes, content_type: str | None) -> list[str]:
    if is_json(content_type):
        try:
            upload = UploadIn.model_validate_json(body)
        except ValidationError as error:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False, include_context=False)]
            ) from None
        return [text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff") for text in upload.cables]
    pieces = split_cable_bytes(body)
    return [decode_cable_bytes(piece, f"cable {i + 1} of {len(pieces)}") for i, piece in enumerate(pieces)]


def parse_upload(body: bytes, content_type: str | None) -> list[Cable]:
    """Every cable in the body, parsed; :class:`CableParseError` (400) on the first that fails."""
    texts = _texts(body, content_type)
    if not texts:
        raise CableParseError("the body holds no cable text", "upload")
    return [parse_cable(text, source=f"cable {i + 1} of {len(texts)}") for i, text in enumerate(texts)]
