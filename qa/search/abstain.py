"""When to say "nothing here answers this": the question names something the cable never mentions.

Similarity alone cannot tell an on-topic question the cable does not answer ("What did Lavrov
say about Iran?") from one it does: both score alike (README, "Abstention"). What separates
them is a name: the question asks about a person, place, organisation or number that the best
cable never mentions. So the index abstains when the best hit's score is below a floor, or
when a salient term of the question (a capitalised name, an acronym, a number) appears nowhere
in the best hit's cable. A short table of metonyms (the Kremlin for Russia ...) keeps common
diplomatic shorthand from counting as missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["METONYMS", "missing_terms", "salient_terms"]

# Shorthand that cables and their readers use for a government or country.
METONYMS: dict[str, tuple[str, ...]] = {
    "kremlin": ("russia", "moscow", "russian"),
    "pyongyang": ("north korea", "dprk", "north korean"),
    "beijing": ("china", "chinese", "prc"),
    "tokyo": ("japan", "japanese", "goj"),
    "moscow": ("russia", "russian", "kremlin"),
    "washington": ("united states", "usg", "u.s."),
    "seoul": ("south korea", "rok", "korean"),
    "tehran": ("iran", "iranian"),
    "whitehall": ("britain", "british", "uk", "hmg"),
    "elysee": ("france", "french", "gof"),
    "us": ("u.s.", "united states", "usg", "embassy", "american"),
    "american": ("u.s.", "united states", "usg", "embassy", "washington"),
    "kuril": ("northern territories",),  # Japan's name for the disputed southern Kurils
    "kurils": ("northern territories",),
}
# Words that start a question or sentence with a capital letter without naming anything.
_FUNCTION_WORDS = frozenset(
    """
    a an and are as at be but by can could did do does for from had has have how i if in is it its may
    might of on or shall should than that the their them then there these they this those to was were
    what when where whether which who whom whose why will with would yes no not any all some
    """.split()
)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'.\-]*[A-Za-z]|[A-Z]|\d[\d,.]*\d|\d")


def salient_terms(question: str) -> list[str]:
    """Capitalised words (not the question's first word), acronyms and numbers; hyphenated parts apart."""
    terms = []
    for i, match in enumerate(_TOKEN.finditer(question)):
        for word in match.group(0).split("-"):
            word = word.strip(".'")
            if not word:
                continue
            lowered = word.lower().removesuffix("'s")
            if word[0].isdigit():
                terms.append(lowered)
            elif (word.isupper() and len(word) > 1) or (
                    word[0].isupper() and i > 0 and lowered not in _FUNCTION_WORDS):
                terms.append(lowered)  # the first word is capitalised anyway: only acronyms count there
    return list(dict.fromkeys(terms))


def _present(term: str, text: str) -> bool:
    if term[0].isdigit():
        return re.search(rf"(?<![\d,.]){re.escape(term)}(?![\d,])", text) is not None
    stem = term[: max(4, len(term) - 2)] if len(term) > 4 else term
    return re.search(rf"\b{re.escape(stem)}", text) is not None


def missing_terms(question: str, texts: Iterable[str]) -> list[str]:
    """Salient terms of the question that appear nowhere in ``texts`` (nor as a known metonym)."""
    haystack = " ".join(texts).lower()
    missing = []
    for term in salient_terms(question):
        if _present(term, haystack):
            continue
        if any(_present(alias, haystack) for alias in METONYMS.get(term, ())):
            continue
        missing.append(term)
    return missing
