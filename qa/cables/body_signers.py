"""The signer's name at the end of a cable body: ``CLINTON``, ``Beyrle``, ``... as agreed. LeBaron``. Pure."""

from __future__ import annotations

import re

from qa.cables.body_labels import PARA_START
from qa.cables.body_lines import SENTENCE_END, BodyLine

__all__ = ["split_signer"]

_SIGNER = re.compile(r"^[ \t]*([A-Z][A-Z'\-]{2,}(?:[ \t]+[A-Z][A-Z'\-]+){0,2})[ \t]*$")
_INLINE_SIGNER = re.compile(r"""(?<=[.!?"”)])\s+([A-Z][A-Z'\-]{2,})\s*$""")
_NOT_SIGNERS = {"END", "SUMMARY", "COMMENT", "NOTE", "BT", "SIPDIS", "NNNN", "UNQTE", "NOFORN"}
# A signer written in mixed case, alone on the last line or after the last sentence: "Beyrle", "LeBaron".
_MIXED_SIGNER = re.compile(r"^[ \t]*((?:Mc|Mac|Le|De|Di|La)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)[ \t]*$")
_INLINE_MIXED_SIGNER = re.compile(r"""(?<=[.!?"”)])\s+((?:Mc|Mac|Le|De|Di|La)?[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s*$""")
_NOT_MIXED_SIGNERS = {"End", "Ends", "Comment", "Summary", "Note", "Text", "Unquote", "Thanks", "Regards",
                      "Minimize", "Sipdis", "Noforn", "Signed", "Classified"}


def _without_last_line(blocks: list[list[BodyLine]]) -> list[list[BodyLine]]:
    rest = [*blocks[:-1], blocks[-1][:-1]]
    return rest if rest[-1] else rest[:-1]


def _with_last_line(blocks: list[list[BodyLine]], line: BodyLine) -> list[list[BodyLine]]:
    return [*blocks[:-1], [*blocks[-1][:-1], line]]


def split_signer(blocks: list[list[BodyLine]]) -> tuple[list[list[BodyLine]], str | None]:
    """``blocks`` without the signer's name, and the name; ``blocks`` and None when there is none.

    An upper-case name alone on the last line or after the last sentence is the signer; so is a
    single capitalised name (``Beyrle``, ``McMullen``) alone under a finished sentence or after it.
    """
    if not blocks:
        return blocks, None
    last = blocks[-1][-1]
    match = _SIGNER.match(last.text)
    if match and match.group(1).split()[0] not in _NOT_SIGNERS and not PARA_START.match(last.text):
        return _without_last_line(blocks), match.group(1)
    inline = _INLINE_SIGNER.search(last.text)
    if inline and inline.group(1) not in _NOT_SIGNERS:
        return _with_last_line(blocks, last.part(0, inline.start())), inline.group(1)
    mixed = _MIXED_SIGNER.match(last.text)
    above = blocks[-1][-2] if len(blocks[-1]) > 1 else (blocks[-2][-1] if len(blocks) > 1 else None)
    if mixed and mixed.group(1) not in _NOT_MIXED_SIGNERS and above is not None \
            and (SENTENCE_END.search(above.text) or PARA_START.fullmatch(above.text.strip() + " ")):
        return _without_last_line(blocks), mixed.group(1)
    inline = _INLINE_MIXED_SIGNER.search(last.text)
    if inline and inline.group(1) not in _NOT_MIXED_SIGNERS:
        return _with_last_line(blocks, last.part(0, inline.start())), inline.group(1)
    return blocks, None
