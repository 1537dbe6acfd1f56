"""API keys: who may write, and how a key's classification ceiling bounds what it reads."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from fastapi.testclient import TestClient

from qa.cables.corpus import seed_cable_path

AppFactory = Callable[..., AbstractContextManager[TestClient]]  # the make_client fixture

LAVROV = "what did Lavrov say about missile defense"
POLISH = "what do Polish diplomats jokingly call the Bureau of European Security"
NEEDS_KEY = {"detail": "this endpoint needs an API key: send X-API-Key or Authorization: Bearer",
             "error": "unauthorized"}
BAD_KEY = {"detail": "the API key is not valid", "error": "unauthorized"}


def _seed_upload() -> dict[str, list[str]]:
    return {"cables": [seed_cable_path().read_text(encoding="utf-8")]}


def test_writes_need_the_configured_key(make_client: AppFactory) -> None:
    with make_client(api_key="s3cret-key") as client:
        missing = client.post("/cables", json=_seed_upload())
        assert (missing.status_code, missing.json()) == (401, NEEDS_KEY)
        assert missing.headers["WWW-Authenticate"] == 'Bearer realm="cableqa"'
        wrong = client.post("/cables", json=_seed_upload(), headers={"X-API-Key": "s3cret-kez"})
        assert (wrong.status_code, wrong.json()) == (401, BAD_KEY)
        wrong_bearer = client.delete("/cables/08TOKYO1074", headers={"Authorization": "Bearer nope"})
        assert (wrong_bearer.status_code, wrong_bearer.json()) == (401, BAD_KEY)
        assert client.delete("/cables/08TOKYO1074").status_code == 401
        assert client.get("/health").json()["cables"] == 1  # nothing was deleted

        right = client.post("/cables", json=_seed_upload(), headers={"X-API-Key": "s3cret-key"})
        assert (right.status_code, right.json()["ingested"]) == (201, ["08TOKYO1074"])
        bearer = client.post("/cables", json=_seed_upload(), headers={"Authorization": "Bearer s3cret-key"})
        assert bearer.status_code == 201
        unknown = client.delete("/cables/99NOWHERE1", headers={"Authorization": "Bearer s3cret-key"})
        assert unknown.status_code == 404  # past the key check

        # Reads stay open without a key; a wrong key is refused rather than ignored.
        assert client.get("/ask", params={"q": LAVROV, "k": 1}).status_code == 200
        assert client.get("/ask", params={"q": LAVROV, "k": 1}, headers={"X-API-Key": "guess"}).json() == BAD_KEY


def test_without_a_key_only_a_loopback_server_accepts_writes(make_client: AppFactory) -> None:
    with make_client(host="0.0.0.0") as client:
        response = client.post("/cables", json=_seed_upload())
        assert response.status_code == 403
        assert response.json() == {
            "detail": "writes are refused: the server listens on 0.0.0.0, not loopback, and no CABLEQA_API_KEY is "
                      "set; set one (or CABLEQA_API_KEYS) to allow writes", "error": "forbidden"}
        assert client.delete("/cables/08TOKYO1074").status_code == 403
        assert client.get("/ask", params={"q": LAVROV, "k": 1}).status_code == 200
    with make_client(host="localhost") as client:
        assert client.post("/cables", json=_seed_upload()).status_code == 201


def test_a_key_ceiling_lowers_the_requested_one(make_client: AppFactory) -> None:
    # Every paragraph of the seed is (C): an UNCLASSIFIED key sees none, whatever the request asks.
    with make_client(api_keys="pub-key:UNCLASSIFIED,full-key") as client:
        low = {"X-API-Key": "pub-key"}
        asked = {"question": LAVROV, "filters": {"max_classification": "TOP SECRET"}}
        assert client.post("/ask", json=asked, headers=low).json()["hits"] == []
        assert client.get("/ask", params={"q": LAVROV, "max_classification": "SECRET"}, headers=low).json()[
            "hits"] == []
        assert client.post("/ask/batch", json={"questions": [LAVROV]}, headers=low).json()["answers"][0][
            "hits"] == []
        cable = client.get("/cables/08TOKYO1074", params={"max_classification": "SECRET"}, headers=low).json()
        assert (cable["withheld"], cable["paragraphs"]) == (9, [])
        refused = client.get("/cables/08TOKYO1074/paragraphs/3", headers=low)
        assert refused.status_code == 403
        assert refused.json()["detail"] == ("paragraph 3 of 08TOKYO1074 is CONFIDENTIAL, above this request's "
                                            "ceiling UNCLASSIFIED")
        assert client.get("/cables", headers=low).json()["total"] == 0
        assert client.post("/cables", json=_seed_upload(), headers=low).json() == {
            "detail": "08TOKYO1074 holds CONFIDENTIAL text, above this API key's ceiling UNCLASSIFIED",
            "error": "forbidden"}
        assert client.delete("/cables/08TOKYO1074", headers=low).status_code == 403

        full = {"Authorization": "Bearer full-key"}
        assert client.post("/ask", json=asked, headers=full).json()["hits"][0]["citation"] == "08TOKYO1074 ¶3"
        assert client.get("/cables/08TOKYO1074/paragraphs/3", headers=full).status_code == 200
        # With no key, there is no ceiling unless the server sets one for anonymous readers.
        assert client.post("/ask", json=asked).json()["hits"][0]["citation"] == "08TOKYO1074 ¶3"


def test_anonymous_readers_get_the_configured_ceiling(make_client: AppFactory) -> None:
    with make_client(api_key="admin", anonymous_max_classification="UNCLASSIFIED") as client:
        assert client.get("/ask", params={"q": LAVROV}).json()["hits"] == []
        assert client.get("/cables/08TOKYO1074").json()["withheld"] == 9
        assert client.get("/ask", params={"q": LAVROV}, headers={"X-API-Key": "admin"}).json()["hits"][0][
            "citation"] == "08TOKYO1074 ¶3"


def test_confidential_key_cannot_get_a_secret_paragraph(make_client: AppFactory,
                                                         corpus_text: Callable[[str], str]) -> None:
    # 09MOSCOW2747 is SECRET; its ¶1-2 are (SBU), ¶3 (S/NF), ¶4 (C).
    with make_client(api_key="admin", api_keys="conf-key:CONFIDENTIAL,secret-key:SECRET") as client:
        upload = client.post("/cables", json={"cables": [corpus_text("09MOSCOW2747")]},
                             headers={"X-API-Key": "admin"})
        assert upload.status_code == 201
        conf, secret = {"X-API-Key": "conf-key"}, {"X-API-Key": "secret-key"}

        asked = {"question": POLISH, "k": 20, "filters": {"max_classification": "SECRET"}}
        seen = [h["citation"] for h in client.post("/ask", json=asked, headers=conf).json()["hits"]]
        assert "09MOSCOW2747 ¶3" not in seen
        assert {"09MOSCOW2747 ¶1", "09MOSCOW2747 ¶2", "09MOSCOW2747 ¶4"} <= set(seen)
        assert client.post("/ask", json=asked, headers=secret).json()["hits"][0]["citation"] == "09MOSCOW2747 ¶3"

        cable = client.get("/cables/09MOSCOW2747", params={"max_classification": "SECRET"}, headers=conf).json()
        assert cable["withheld"] == 1
        assert [p["number"] for p in cable["paragraphs"]] == [1, 2, 4]
        refused = client.get("/cables/09MOSCOW2747/paragraphs/3", params={"max_classification": "SECRET"},
                             headers=conf)
        assert (refused.status_code, refused.json()["detail"]) == (
            403, "paragraph 3 of 09MOSCOW2747 is SECRET, above this request's ceiling CONFIDENTIAL")
        shown = client.get("/cables/09MOSCOW2747/paragraphs/3", headers=secret).json()
        assert (shown["citation"], shown["marking"], shown["classification"]) == ("09MOSCOW2747 ¶3", "S/NF", "SECRET")
        assert client.delete("/cables/09MOSCOW2747", headers=conf).status_code == 403
        assert client.delete("/cables/09MOSCOW2747", headers=secret).status_code == 200
