"""Overlapping token windows over a long text, as character spans into it.

A transformer encoder reads at most ``limit`` word pieces and silently drops the rest. A longer
text is cut into windows of at most ``limit`` pieces, each starting ``overlap`` pieces before the
previous one ends, so every piece lies in some window and text near a cut is read with context on
both sides.

Cuts fall between words wherever a word fits: WordPiece splits a word cut in half differently
(``unbelievably`` is five pieces, ``unbel`` + ``ievably`` may be more), so only a cut at a word
boundary guarantees that re-tokenising a window's text gives back the same pieces. A single word
longer than ``limit`` pieces is cut where it must be.

The first window starts at character 0 and the last ends at ``text_length``; a window ends where
the next token after it begins, so whitespace between windows is covered too and the spans
together cover the whole text.

Pure: token offsets in, spans out. The tokenizer call lives in :mod:`embeddings.encoder`.
"""

from __future__ import annotations

from collections.abc import Sequence

from embeddings.errors import InvalidInputError

__all__ = ["token_windows"]


def token_windows(
    offsets: Sequence[tuple[int, int]],
    word_ids: Sequence[int | None],
    text_length: int,
    limit: int,
    overlap: int,
) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of windows of at most ``limit`` tokens.

    ``offsets`` and ``word_ids`` are the fast tokenizer's ``offset_mapping`` and ``word_ids()``
    for the text encoded without special tokens. A text of at most ``limit`` tokens gives the
    single span ``(0, text_length)``.
    """
    if limit < 1:
        raise InvalidInputError("limit", f"a window must hold at least one token, got {limit}")
    if not 0 <= overlap < limit:
        raise InvalidInputError(
            "overlap_tokens",
            f"must be between 0 and {limit - 1} (the window size - 1), got {overlap}",
        )
    if len(offsets) != len(word_ids):
        raise InvalidInputError("word_ids", "must have one entry per token offset")
    count = len(offsets)
    if count <= limit:
        return [(0, text_length)]

    is_word_start = [i == 0 or word_ids[i] is None or word_ids[i] != word_ids[i - 1] for i in range(count)]
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + limit, count)
        if end < count:
            end = _cut(is_word_start, end, start + 1, end)
        first_char = 0 if start == 0 else offsets[start][0]
        last_char = text_length if end == count else offsets[end][0]
        spans.append((first_char, last_char))
        if end == count:
            return spans
        start = _cut(is_word_start, max(end - overlap, start + 1), start + 1, end)


def _cut(is_word_start: Sequence[bool], at: int, low: int, high: int) -> int:
    """The word start nearest to ``at`` within ``[low, high]``, earlier first; ``at`` if none."""
    for i in range(at, low - 1, -1):
        if is_word_start[i]:
            return i
    for i in range(at + 1, high + 1):
        if is_word_start[i]:
            return i
    return at
