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

Refused at start (:class:`~qa.errors.InvalidSettingError`): ``CABLEQA_API_KEY`` set but empty
or blank, and ``CABLEQA_API_KEYS`` set but holding no key. Either would otherwise leave writes
open while the operator believes them closed. Warned of at start (:func:`check_exposure`): keys
with ceilings while readers without a key get a higher ceiling, or none.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field

from api.http_errors import InvalidSettingError
from qa.cables.classification import Classification, parse_classification_name
from qa.errors import InvalidQueryError
from qa.settings import Settings

__all__ = ["ApiKey", "Caller", "KeyRing", "check_exposure", "is_loopback", "parse_api_keys"]


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
        """The keys of both settings; a setting that is present but names no key is refused."""
        keys: list[ApiKey] = []
        if settings.api_key is not None:
            secret = settings.api_key.get_secret_value().strip()
            if not secret:
                raise InvalidSettingError("CABLEQA_API_KEY", "is set but empty; set a key, or unset it "
                                          "(no key: writes only on a loopback server)")
            keys.append(ApiKey(secret, None, "api_key"))
        if settings.api_keys is not None:
            listed = parse_api_keys(settings.api_keys.get_secret_value())
            if not listed:
                raise InvalidSettingError("CABLEQA_API_KEYS", "is set but holds no key; list 'KEY' or "
                                          "'KEY:CEILING' entries, or unset it")
            keys.extend(listed)
        return cls(keys)

    @property
    def configured(self) -> bool:
        return bool(self._keys)

    @property
    def keys(self) -> tuple[ApiKey, ...]:
        return self._keys

    def match(self, presented: str) -> ApiKey | None:
        given = presented.strip().encode()
        found = None
        for key in self._keys:  # no early exit: the time taken does not say which key matched
            if hmac.compare_digest(given, key.secret.encode()) and found is None:
                found = key
        return found


def check_exposure(keys: KeyRing, anonymous: Classification | None) -> list[str]:
    """Warnings for a configuration where a reader without a key sees more than one with a key."""
    ceilings = [key.ceiling for key in keys.keys if key.ceiling is not None]
    if not ceilings:
        return []
    lowest = min(ceilings, key=lambda level: level.rank)
    if anonymous is None:
        return [f"API keys have ceilings (lowest {lowest.value}) but CABLEQA_ANONYMOUS_MAX_CLASSIFICATION is "
                "not set: a reader with no key sees every classification, more than a key with a ceiling; "
                f"set it to {lowest.value} or lower"]
    if not lowest.allows(anonymous):
        return [f"CABLEQA_ANONYMOUS_MAX_CLASSIFICATION is {anonymous.value}, above the lowest API key ceiling "
                f"{lowest.value}: a reader with no key sees more than that key; set it to {lowest.value} or lower"]
    return []


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``: a server only this machine can reach."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
