"""Classification levels, their order, and every banner or portion-mark spelling of them.

One vocabulary for the whole project: UNCLASSIFIED < LOU = SBU < CONFIDENTIAL < SECRET
< TOP SECRET. Caveats such as NOFORN are kept apart from the level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from qa.errors import InvalidQueryError

__all__ = ["Classification", "Marking", "highest_marking", "parse_classification_name", "parse_portion_mark"]


class Classification(Enum):
    UNCLASSIFIED = "UNCLASSIFIED"
    LIMITED_OFFICIAL_USE = "LIMITED OFFICIAL USE"
    SENSITIVE_BUT_UNCLASSIFIED = "SENSITIVE BUT UNCLASSIFIED"
    CONFIDENTIAL = "CONFIDENTIAL"
    SECRET = "SECRET"
    TOP_SECRET = "TOP SECRET"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, other: Classification) -> bool:
        """True when a reader cleared to ``self`` may see ``other``."""
        return other.rank <= self.rank


_RANK = {
    Classification.UNCLASSIFIED: 0,
    Classification.LIMITED_OFFICIAL_USE: 1,
    Classification.SENSITIVE_BUT_UNCLASSIFIED: 1,
    Classification.CONFIDENTIAL: 2,
    Classification.SECRET: 3,
    Classification.TOP_SECRET: 4,
}

_NAMES = {
    "U": Classification.UNCLASSIFIED,
    "UNCLASSIFIED": Classification.UNCLASSIFIED,
    "UNCLAS": Classification.UNCLASSIFIED,
    "LOU": Classification.LIMITED_OFFICIAL_USE,
    "LIMITED OFFICIAL USE": Classification.LIMITED_OFFICIAL_USE,
    "SBU": Classification.SENSITIVE_BUT_UNCLASSIFIED,
    "SENSITIVE": Classification.SENSITIVE_BUT_UNCLASSIFIED,
    "SENSITIVE BUT UNCLASSIFIED": Classification.SENSITIVE_BUT_UNCLASSIFIED,
    "FOUO": Classification.SENSITIVE_BUT_UNCLASSIFIED,
    "C": Classification.CONFIDENTIAL,
    "CONFIDENTIAL": Classification.CONFIDENTIAL,
    "S": Classification.SECRET,
    "SECRET": Classification.SECRET,
    "TS": Classification.TOP_SECRET,
    "TOP SECRET": Classification.TOP_SECRET,
}


def parse_classification_name(name: str, field: str = "classification") -> Classification:
    """A user-supplied level name (``secret``, ``SBU``, ``top_secret``) as a level."""
    key = re.sub(r"[\s_]+", " ", name.strip().upper())
    try:
        return _NAMES[key]
    except KeyError:
        known = "UNCLASSIFIED, LOU, SBU, CONFIDENTIAL, SECRET, TOP SECRET"
        raise InvalidQueryError(field, f"unknown classification {name!r}; use one of {known}") from None


def parse_portion_mark(mark: str) -> Classification | None:
    """The level of a portion mark such as ``C``, ``S//NF``, ``SBU``, ``U/FOUO``."""
    level = re.split(r"/", mark.strip().upper(), maxsplit=1)[0].strip()
    return _NAMES.get(level)


@dataclass(frozen=True, slots=True)
class Marking:
    """One classification marking a cable carries: what it is and where (``portion mark (S)``, ``¶4``)."""

    level: Classification
    what: str
    where: str = ""


def highest_marking(read: Classification, markings: Iterable[Marking]) -> tuple[Classification, str | None]:
    """A cable's level: the highest of the level read from its header and every other marking.

    Returns the level and, when a marking outranks ``read``, why: each kind of marking above
    ``read``, highest first, with where it stands (``"banner SECRET; portion mark (S) in ¶7,
    ¶11; a Classified By line"``); else None.
    """
    above = sorted((m for m in markings if m.level.rank > read.rank), key=lambda m: -m.level.rank)
    if not above:
        return read, None
    places: dict[str, list[str]] = {}
    for m in above:
        places.setdefault(m.what, [])
        if m.where:
            places[m.what].append(m.where)
    why = "; ".join(f"{what} in {', '.join(where)}" if where else what for what, where in places.items())
    return above[0].level, why
