"""When to say "nothing here answers this": the question asks for something the best cable cannot hold.

Similarity alone cannot tell an on-topic question the cable does not answer ("What did Lavrov
say about Iran?") from one it does: both score alike (README, "Abstention"). What separates them
is what the question asks against what the cable says, read in four ways (``docs/abstention.md``):

- **a missing name**: a salient term of the question (a capitalised name, an acronym, a number,
  a name with its numeral such as "Sakhalin I") appears nowhere in the best hit's cable, after a
  short table of metonyms (the Kremlin for Russia ...);
- **a missing role**: the question names an office (Japan's Defense Minister, the Russian
  ambassador) that the cable never names;
- **no quantity**: "how many X", "how much" or "what is the capacity" asks for an amount, and the
  best paragraphs state none ("how many X" wants a number with X after it; a date, a year or a
  designation such as Tu-95 is not an amount);
- **after the cable**: the question asks in the past tense about an event set on a day, month or
  year later than the cable's own date, so the cable can at most say what was planned.

Everything here is pure: the caller gathers the :class:`Evidence` the reader may see.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

__all__ = ["METONYMS", "RULES", "Abstention", "Evidence", "abstention", "after_cable", "asks_quantity", "counted",
           "missing_roles", "missing_terms", "roles", "salient_terms", "states_quantity"]

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
# A name and its numeral name one thing: Sakhalin I is not Sakhalin II.
_NUMBERED_NAME = re.compile(r"\b([A-Z][a-z]+)[ -](I{1,3}|IV|V|VI{0,3}|\d{1,2})\b")
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}

_MONTHS = {m: i for i, m in enumerate(
    "january february march april may june july august september october november december".split(), 1)}
_MONTH_NAMES = "|".join(_MONTHS)
_MONTH_DATE = re.compile(rf"\b({_MONTH_NAMES})\b(?:\s+(\d{{1,2}})(?!\d))?(?:,?\s+((?:19|20)\d\d))?", re.I)
_DAY_MONTH = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTH_NAMES})\b", re.I)
# A date that sets the scene of the event asked about: "in July", "on April 21", "at the April 21 talks",
# "in 2010"; not one that names a topic ("about the July summit").
_SCENE_DATE = re.compile(
    rf"\b(?:(?:in|on|during|by)\s+(?:early\s+|mid-|late\s+)?|(?:at|during)\s+the\s+)"
    rf"(?:(?P<month>{_MONTH_NAMES})\b(?:\s+(?P<day>\d{{1,2}})(?!\d))?(?:,?\s+(?P<year>(?:19|20)\d\d))?"
    rf"|(?P<bare_year>(?:19|20)\d\d)\b)", re.I)
# The tense of a question is its first auxiliary, or a past form right after the question word.
_PAST = frozenset("was were did had".split())
_NOT_PAST = frozenset("is are am will would does do has have can could should shall may might".split())
_IRREGULAR_PAST = frozenset(
    "came went took made said told gave met held got won lost saw began brought sent spent became left".split())
_WH = frozenset("what who whom which when where why how whose".split())

# A role the question names (the Russian ambassador, Japan's Defense Minister) must be one the cable names.
_TITLES = frozenset(
    """minister ministers ambassador ambassadors president presidents secretary governor governors admiral
    spokesman spokeswoman spokesperson chairman chancellor mayor senator senators premier""".split())
_ROLE_MODIFIERS = frozenset(
    "prime foreign defense defence deputy vice finance interior home trade energy assistant under state".split())
_ROLE_ALIASES: dict[str, tuple[str, ...]] = {
    "foreign minister": ("fm", "foreign ministers", "minister of foreign affairs"),
    "prime minister": ("pm", "premier"),
    "defense minister": ("defmin", "defence minister", "minister of defense", "minister of defence"),
    "defence minister": ("defmin", "defense minister", "minister of defense", "minister of defence"),
    "deputy foreign minister": ("dfm", "vice foreign minister"),
    "vice foreign minister": ("dfm", "deputy foreign minister"),
    "assistant secretary": ("a/s",),
}
_WH_SLOT = 3  # the words after "which", "what" or "whose" name the answer's kind, not something to find

_ASKS_QUANTITY = re.compile(
    r"\bhow\s+(?:many|much)\b|\bwhat\s+(?:(?:is|was|are|were|will|would|be|the|its|their)\s+)+(?:\w+\s+)?"
    r"(?:amount|number|cost|price|value|capacity|volume|size|total|budget|sum|percentage|proportion)\b", re.I)
_NUMBER = re.compile(r"(?<![\w.\-/])\d[\d,.]*(?![\w\-/])")
_YEAR = re.compile(r"(?:19|20)\d\d")
_AMOUNT_WORDS = re.compile(
    r"(?:[$\u00a3\u20ac\u00a5]\s?\d|\d\s?%|\b(?:percent|per cent|dozens|hundreds|thousands|millions?|billions?"
    r"|trillions?|half|twice|double)\b)", re.I)
_COUNT_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty forty fifty sixty seventy
    eighty ninety hundred hundreds thousand thousands million millions dozen dozens""".split())
_HOW_MANY = re.compile(r"\bhow\s+many\s+(.*)", re.I)
_COUNTED_WINDOW = 4  # "300 North Koreans", "20 Burmese army battalions": the thing counted follows its number

Reason = Literal["missing-name", "missing-role", "no-quantity", "after-cable"]
RULES: tuple[Reason, ...] = ("missing-name", "missing-role", "no-quantity", "after-cable")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the reader may see of the best hit's cable: its texts (paragraphs, subject, origin), the
    best paragraphs among the top hits, and the day it was written (None where unknown)."""

    cable_texts: Sequence[str]
    best_texts: Sequence[str]
    written: date | None = None


@dataclass(frozen=True, slots=True)
class Abstention:
    """Why the question is not answered: the rule that fired and the terms it names."""

    reason: Reason
    terms: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return f"{self.reason}: {', '.join(self.terms)}" if self.terms else self.reason


def salient_terms(question: str) -> list[str]:
    """Capitalised words (not the question's first word), acronyms and numbers; hyphenated parts apart;
    then each name with its numeral as one term ("sakhalin i")."""
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
    for match in _NUMBERED_NAME.finditer(question):
        if match.group(1).lower() not in _FUNCTION_WORDS and match.group(1).lower() not in _MONTHS:
            terms.append(f"{match.group(1).lower()} {match.group(2).lower()}")
    return list(dict.fromkeys(terms))


def _present(term: str, text: str) -> bool:
    if " " in term:  # a name with its numeral: either spelling of the numeral, and no longer numeral
        name, numeral = term.split(" ", 1)
        spellings = {numeral, _ROMAN.get(numeral, numeral)}
        alternatives = "|".join(re.escape(s) for s in sorted(spellings))
        return re.search(rf"\b{re.escape(name)}[ -](?:{alternatives})(?![\w-])", text) is not None
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


def roles(question: str) -> list[str]:
    """The roles a question names outside its answer slot: a title and the words that make it a
    different office ("defense minister", "ambassador"), without the country ("Japan's", "Russian")."""
    words = re.findall(r"[A-Za-z][A-Za-z'/\-]*", question)
    lowered = [w.lower().removesuffix("'s") for w in words]
    found = []
    for i, word in enumerate(lowered):
        if word not in _TITLES or any(w in ("which", "what", "whose") for w in lowered[max(0, i - _WH_SLOT):i]):
            continue
        start = i
        while start > 0 and lowered[start - 1] in _ROLE_MODIFIERS and not words[start - 1].endswith("'s"):
            start -= 1
        title = word[:-1] if word.endswith("s") and word[:-1] in _TITLES else word
        found.append(" ".join([*lowered[start:i], title]))
    return list(dict.fromkeys(found))


def _names_role(role: str, text: str) -> bool:
    words = r"\s+".join(re.escape(word) for word in role.split())
    return re.search(rf"(?<![\w/]){words}s?(?![\w/])", text) is not None


def missing_roles(question: str, texts: Iterable[str]) -> list[str]:
    """Roles of the question (:func:`roles`) that ``texts`` never name, in any of their usual spellings."""
    haystack = " ".join(texts).lower()
    missing = []
    for role in roles(question):
        spellings = (role, *_ROLE_ALIASES.get(role, ()))
        if not any(_names_role(spelling, haystack) for spelling in spellings):
            missing.append(role)
    return missing


def asks_quantity(question: str) -> bool:
    """True for a question that asks for an amount: "how many", "how much", "what is the (annual) capacity"."""
    return _ASKS_QUANTITY.search(question) is not None


def counted(question: str) -> list[str]:
    """What a "how many" question counts: up to three words after "many", up to the first function word."""
    match = _HOW_MANY.search(question)
    if match is None:
        return []
    words = []
    for word in re.findall(r"[A-Za-z][A-Za-z'\-]*", match.group(1).lower())[:3]:
        if word in _FUNCTION_WORDS:
            break
        words.append(word)
    return words


def _numbers(text: str) -> list[re.Match[str]]:
    """Numbers in digits that are not a year, a day of a month or part of a designation (Tu-95, G8)."""
    dated = {m.start() for m in _DAY_MONTH.finditer(text)}
    for match in _MONTH_DATE.finditer(text):
        if match.group(2):
            dated.add(match.start(2))
    return [m for m in _NUMBER.finditer(text)
            if m.start() not in dated and not _YEAR.fullmatch(m.group(0).rstrip(".,"))]


def states_quantity(text: str, counting: Sequence[str] = ()) -> bool:
    """True when ``text`` states an amount. With ``counting`` (the words a "how many" question counts) the
    amount is a number, in digits or words, with one of those words among the next few words ("20 Burmese
    army battalions"); without, any number in digits that is not a date, a year or a designation, or a
    money, percentage or scale word ("$950 million", "17%")."""
    if not counting:
        return _AMOUNT_WORDS.search(text) is not None or bool(_numbers(text))
    stems = [w[: max(4, len(w) - 2)] if len(w) > 4 else w for w in counting]
    words = re.findall(r"[\w']+", text.lower())  # "a two-hour session" counts hours
    digits = {m.group(0).rstrip(".,").lower() for m in _numbers(text)}
    for i, word in enumerate(words):
        if word in _COUNT_WORDS or word in digits:
            following = words[i + 1:i + 1 + _COUNTED_WINDOW]
            if any(w.startswith(stem) for w in following for stem in stems):
                return True
    return False


def _past_tense(question: str) -> bool:
    words = re.findall(r"[a-z']+", question.lower())
    for i, word in enumerate(words):
        if word in _PAST:
            return True
        if word in _NOT_PAST:
            return False
        if i > 0 and words[i - 1] in _WH and (word in _IRREGULAR_PAST or word.endswith("ed")):
            return True
    return False


def after_cable(question: str, written: date | None) -> list[str]:
    """The dates that set the scene of a past-tense question and fall after ``written``.

    A month alone counts when all of it is later, a year alone when it is a later year; a date
    without a year is in the cable's year.
    """
    if written is None or not _past_tense(question):
        return []
    later = []
    for match in _SCENE_DATE.finditer(question):
        if match.group("bare_year"):
            if int(match.group("bare_year")) > written.year:
                later.append(match.group("bare_year"))
            continue
        month = _MONTHS[match.group("month").lower()]
        year = int(match.group("year")) if match.group("year") else written.year
        day = int(match.group("day")) if match.group("day") else None
        if day is not None and not 1 <= day <= 31:
            continue
        if day is not None:
            after = (year, month, day) > (written.year, written.month, written.day)
        else:
            after = (year, month) > (written.year, written.month)
        if after:
            later.append(" ".join(g for g in (match.group("month"), match.group("day"), match.group("year")) if g))
    return later


def abstention(question: str, evidence: Evidence, rules: Collection[Reason] = RULES) -> Abstention | None:
    """Why the best cable cannot answer ``question``, or None when none of ``rules`` says so."""
    if "missing-name" in rules and (missing := missing_terms(question, evidence.cable_texts)):
        return Abstention("missing-name", tuple(missing))
    if "missing-role" in rules and (absent := missing_roles(question, evidence.cable_texts)):
        return Abstention("missing-role", tuple(absent))
    if ("no-quantity" in rules and asks_quantity(question)
            and not any(states_quantity(text, counted(question)) for text in evidence.best_texts)):
        return Abstention("no-quantity", ())
    if "after-cable" in rules and (later := after_cable(question, evidence.written)):
        return Abstention("after-cable", tuple(later))
    return None
