"""What a question may be: the search modes, the limits, and the one place a question is checked.

Every entry (the HTTP routes, the CLI, :class:`~qa.service.CableIndex`) builds a :class:`Query`
through :func:`make_query`; the search functions take queries and never check text again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from qa.errors import InvalidQueryError

__all__ = ["DEFAULT_K", "MAX_K", "MAX_QUESTION_CHARS", "MODES", "Mode", "Query", "check_k", "check_mode",
           "make_query"]

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[Mode, ...] = get_args(Mode)
MAX_K = 100
DEFAULT_K = 5
MAX_QUESTION_CHARS = 2000  # the default; CABLEQA_MAX_QUESTION_CHARS sets a server's


@dataclass(frozen=True, slots=True)
class Query:
    """A checked question: text stripped, ``k`` in range, a known mode."""

    text: str
    k: int
    mode: Mode


def check_k(k: object) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise InvalidQueryError("k", f"must be between 1 and {MAX_K}, got {k!r}")
    return k


def check_mode(mode: object) -> Mode:
    for known in MODES:
        if mode == known:
            return known
    raise InvalidQueryError("mode", f"unknown mode {mode!r}; use one of {', '.join(MODES)}")


def _check_text(question: object, field: str, max_chars: int) -> str:
    if not isinstance(question, str) or not question.strip():
        raise InvalidQueryError(field, "must not be empty or whitespace")
    if len(question) > max_chars:
        raise InvalidQueryError(field, f"is {len(question)} characters; the limit is {max_chars}")
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in question):
        raise InvalidQueryError(field, "contains control characters")
    if any("\ud800" <= ch <= "\udfff" for ch in question):
        # JSON's "\ud800" escape decodes to a lone surrogate, which no encoder (the tokenizer,
        # the UTF-8 response) accepts: refuse it here rather than fail deep inside.
        raise InvalidQueryError(field, "is not valid Unicode: it holds a lone surrogate (\\ud800-\\udfff)")
    return question.strip()


def make_query(question: object, k: object = DEFAULT_K, mode: object = "hybrid",
               max_chars: int = MAX_QUESTION_CHARS, field: str = "question") -> Query:
    """The checked query; a bad part raises :class:`InvalidQueryError` naming it (``field`` for the text)."""
    return Query(_check_text(question, field, max_chars), check_k(k), check_mode(mode))
