"""API keys, their classification ceilings, and who may write.

Keys come from two settings:

- ``CABLEQA_API_KEY``: one key with no ceiling.
- ``CABLEQA_API_KEYS``: comma-separated ``KEY`` or ``KEY:CEILING`` entries, e.g.
  ``k3y1:SECRET,k3y2:CONFIDENTIAL,k3y3``. The ceiling is any classification name
  (``UNCLASSIFIED``, ``LOU``, ``SBU``, ``CONFIDENTIAL``, ``SECRET``, ``TOP SECRET``);
  keys may not contain ``,`` or ``:``.

A request presents a key as ``X-API-Key: KEY`` or ``Authorization: Bearer KEY``. A key's
ceiling lowers every search and read it makes, never raises it. Reads without a key get
``CABLEQA_ANONYMOUS_MAX_CLASSIFICATION`` (none by default); a wrong key is refused (401).
Writes need a key whenever one is configured; with none configured they are allowed only
to a server bound to loopback.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.classification import Classification, parse_classification_name
from qa.errors import InvalidQueryError
from qa.settings import Settings

__all__ = ["ApiKey", "Caller", "KeyRing", "is_loopback", "parse_api_keys"]


@dataclass(frozen=True, slots=True)
class ApiKey:
    secret: str = field(repr=False)
    ceiling: Classification | None
    label: str  # "api_key" or "api_keys[2]": names the key in logs without showing it


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the key presented (None when none) and the ceiling that applies."""

    key: ApiKey | None
    ceiling: Classification | None


def parse_api_keys(text: str, setting: str = "api_keys") -> tuple[ApiKey, ...]:
    """``"a:SECRET,b"`` -> keys ``a`` (ceiling SECRET) and ``b`` (none); a bad entry names the setting."""
    keys = []
    for i, entry in enumerate(part.strip() for part in text.split(",")):
        if not entry:
            continue
        secret, _, ceiling = entry.partition(":")
        secret = secret.strip()
        if not secret:
            raise InvalidQueryError(setting, f"entry {i + 1} has no key before ':'")
        level = parse_classification_name(ceiling, setting) if ceiling.strip() else None
        keys.append(ApiKey(secret, level, f"{setting}[{i}]"))
    return tuple(keys)


class KeyRing:
    """The configured keys; :meth:`match` compares in constant time against every one."""

    def __init__(self, keys: Sequence[ApiKey]) -> None:
        self._keys = tuple(keys)

    @classmethod
    def from_settings(cls, settings: Settings) -> KeyRing:
        keys: list[ApiKey] = []
        if settings.api_key is not None and settings.api_key.get_secret_value().strip():
            keys.append(ApiKey(settings.api_key.get_secret_value().strip(), None, "api_key"))
        if settings.api_keys is not None:
            keys.extend(parse_api_keys(settings.api_keys.get_secret_value()))
        return cls(keys)

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    def match(self, presented: str) -> ApiKey | None:
        given = presented.strip().encode()
        found = None
        for key in self._keys:  # no early exit: the time taken does not say which key matched
            if hmac.compare_digest(given, key.secret.encode()) and found is None:
                found = key
        return found


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``: a server only this machine can reach."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
