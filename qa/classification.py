"""Classification levels, their order, and every banner or portion-mark spelling of them.

One vocabulary for the whole project: UNCLASSIFIED < LOU = SBU < CONFIDENTIAL < SECRET
< TOP SECRET. Caveats such as NOFORN are kept apart from the level.
"""

from __future__ import annotations

import re
from enum import Enum

from qa.errors import InvalidQueryError

__all__ = ["Classification", "parse_classification_name", "parse_portion_mark"]


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
