"""Repairs of the 2010-2011 release's encoding artefacts, for the clean text of a paragraph.

The release turned apostrophes into commas (``France,s``) and opening and closing
double quotes into ``&`` and ``8`` (``&talking points8``). Only the clean text is
repaired; spans keep pointing at the original characters.
"""

from __future__ import annotations

import re

__all__ = ["normalise_whitespace", "repair_text"]

# A comma standing for an apostrophe: France,s  don,t  we,re  they,ve  we,ll  I,m
_COMMA_APOSTROPHE = re.compile(
    r"(?<=[A-Za-z]),(?=(?:s|re|ve|ll)\b)|(?<=n),(?=t\b)|(?<=\bI),(?=m\b)"
)
# &quoted words8 — opening '&' after a boundary, closing '8' before a non-alphanumeric. An 8
# after a digit is a number's ("a 48-hour window", "September 28"), never a closing quote: a
# quote that ends in a number stays unrepaired rather than lose a digit.
_AMP_QUOTE = re.compile(r"(?<![\w&])&(?=\S)([^&\n]{1,200}?)(?<=[^\s\d])8(?![\w])")
_SPACES = re.compile(r"\s+")


def repair_text(text: str) -> str:
    """Undo the release's apostrophe and quote artefacts in ``text``."""
    text = _AMP_QUOTE.sub(r'"\1"', text)
    return _COMMA_APOSTROPHE.sub("'", text)


def normalise_whitespace(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
