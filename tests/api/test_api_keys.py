"""Parsing ``CABLEQA_API_KEYS``, matching keys, and telling a loopback address."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from api.http_errors import InvalidSettingError
from api.keys import KeyRing, check_exposure, is_loopback, parse_api_keys
from qa.cables.classification import Classification
from qa.errors import InvalidQueryError
from qa.settings import Settings


def test_keys_with_and_without_ceilings() -> None:
    keys = parse_api_keys("alpha:SECRET, beta:confidential,gamma,, delta:top_secret")
    assert [(k.secret, k.ceiling) for k in keys] == [
        ("alpha", Classification.SECRET), ("beta", Classification.CONFIDENTIAL), ("gamma", None),
        ("delta", Classification.TOP_SECRET)]
    assert "alpha" not in repr(keys[0])  # secrets stay out of logs


@pytest.mark.parametrize(("text", "detail"), [
    ("alpha:PINK", "api_keys: unknown classification 'PINK'"),
    (":SECRET", "api_keys: entry 1 has no key before ':'"),
])
def test_bad_key_lists_name_the_setting(text: str, detail: str) -> None:
    with pytest.raises(InvalidQueryError, match=detail):
        parse_api_keys(text)


def test_ring_matches_either_setting() -> None:
    ring = KeyRing.from_settings(Settings(api_key=SecretStr("main"), api_keys=SecretStr("low:U")))
    assert ring.configured
    main, low = ring.match("main"), ring.match("low")
    assert main is not None and main.ceiling is None and main.label == "api_key"
    assert low is not None and low.ceiling is Classification.UNCLASSIFIED
    assert ring.match("mai") is None and ring.match("") is None


@pytest.mark.parametrize(("settings", "detail"), [
    ({"api_key": ""}, "CABLEQA_API_KEY: is set but empty"),
    ({"api_key": "   "}, "CABLEQA_API_KEY: is set but empty"),
    ({"api_keys": ""}, "CABLEQA_API_KEYS: is set but holds no key"),
    ({"api_keys": " , ,"}, "CABLEQA_API_KEYS: is set but holds no key"),
])
def test_empty_or_blank_keys_are_refused_rather_than_leaving_writes_open(settings: dict[str, str],
                                                                          detail: str) -> None:
    with pytest.raises(InvalidSettingError, match=detail):
        KeyRing.from_settings(Settings(**{name: SecretStr(value) for name, value in settings.items()}))


def test_ceiling_keys_with_a_looser_anonymous_ceiling_are_warned_of() -> None:
    ring = KeyRing.from_settings(Settings(api_keys=SecretStr("ckey:CONFIDENTIAL,skey:SECRET,admin")))
    assert check_exposure(ring, None) == [
        "API keys have ceilings (lowest CONFIDENTIAL) but CABLEQA_ANONYMOUS_MAX_CLASSIFICATION is not set: a "
        "reader with no key sees every classification, more than a key with a ceiling; set it to CONFIDENTIAL "
        "or lower"]
    assert check_exposure(ring, Classification.SECRET) == [
        "CABLEQA_ANONYMOUS_MAX_CLASSIFICATION is SECRET, above the lowest API key ceiling CONFIDENTIAL: a reader "
        "with no key sees more than that key; set it to CONFIDENTIAL or lower"]
    assert check_exposure(ring, Classification.CONFIDENTIAL) == []
    assert check_exposure(ring, Classification.UNCLASSIFIED) == []
    assert check_exposure(KeyRing.from_settings(Settings(api_key=SecretStr("admin"))), None) == []


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.org", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
