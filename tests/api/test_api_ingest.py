"""Uploading and deleting cables over HTTP: all or nothing, persisted, and gone when deleted.

Each test writes to its own copy of the seed index (``make_client``), never the shared one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from fastapi.testclient import TestClient

from qa.cables.corpus import seed_cable_path

AppFactory = Callable[..., AbstractContextManager[TestClient]]  # the make_client fixture

POLISH = "what do Polish diplomats jokingly call the Bureau of European Security"
ASYLUM = "North Korean asylum seekers from a timber camp approach UNHCR in Moscow"
MODES = ("hybrid", "dense", "bm25")
TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def _cited(client: TestClient, question: str, mode: str = "hybrid") -> list[str]:
    response = client.get("/ask", params={"q": question, "mode": mode, "k": 10})
    assert response.status_code == 200
    return [hit["citation"] for hit in response.json()["hits"]]


def test_uploaded_cable_is_cited_survives_restart_and_once_deleted_is_gone_everywhere(
        make_client: AppFactory, seed_copy: Callable[[], Path], corpus_text: Callable[[str], str]) -> None:
    root = seed_copy()
    # Two cables in one text body, separated by a form feed on a line of its own.
    body = corpus_text("09MOSCOW2747") + "\n\f\n" + corpus_text("07MOSCOW104")
    with make_client(root) as client:
        generation = client.get("/health").json()["generation"]
        assert "09MOSCOW2747 ¶3" not in _cited(client, POLISH)
        response = client.post("/cables", content=body.encode(), headers=TEXT)
        assert response.status_code == 201
        assert response.json() == {
            "ingested": ["09MOSCOW2747", "07MOSCOW104"], "replaced": [], "partial": [], "cables": 2,
            "paragraphs": 7, "index": {"cables": 3, "paragraphs": 16, "generation": generation + 1}}
        # Only 09MOSCOW2747 ¶3 (S/NF) tells of the "Office of Threats from the East".
        for mode in MODES:
            assert _cited(client, POLISH, mode)[0] == "09MOSCOW2747 ¶3", mode
        hit = client.get("/ask", params={"q": POLISH, "k": 1}).json()["hits"][0]
        assert (hit["marking"], hit["classification"]) == ("S/NF", "SECRET")
        assert "Office of Threats from the East" in hit["text"]
        assert _cited(client, ASYLUM)[0] == "07MOSCOW104 ¶1"

    with make_client(root) as restarted:
        assert restarted.get("/health").json()["cables"] == 3
        assert _cited(restarted, POLISH)[0] == "09MOSCOW2747 ¶3"
        response = restarted.delete("/cables/09MOSCOW2747")
        assert response.status_code == 200
        assert response.json() == {"deleted": "09MOSCOW2747",
                                   "index": {"cables": 2, "paragraphs": 12, "generation": generation + 2}}
        for mode in MODES:
            assert not any(c.startswith("09MOSCOW2747 ") for c in _cited(restarted, POLISH, mode)), mode
        assert restarted.get("/cables/09MOSCOW2747").status_code == 404
        assert restarted.delete("/cables/09MOSCOW2747").status_code == 404

    with make_client(root) as again:
        for mode in MODES:
            assert not any(c.startswith("09MOSCOW2747 ") for c in _cited(again, POLISH, mode)), mode
        assert again.get("/cables/09MOSCOW2747").status_code == 404
        assert _cited(again, ASYLUM)[0] == "07MOSCOW104 ¶1"
        assert [c["id"] for c in again.get("/cables").json()["cables"]] == ["07MOSCOW104", "08TOKYO1074"]


def test_json_upload_and_pages_of_the_list(make_client: AppFactory, corpus_text: Callable[[str], str]) -> None:
    names = ["09MOSCOW2747", "07MOSCOW104", "05MOSCOW11807"]
    with make_client() as client:
        response = client.post("/cables", json={"cables": [corpus_text(n) for n in names]})
        assert response.status_code == 201
        assert response.json()["ingested"] == names
        pages = [client.get("/cables", params={"offset": offset, "limit": 2}).json() for offset in (0, 2, 4)]
        assert [p["total"] for p in pages] == [4, 4, 4]
        assert [[c["id"] for c in p["cables"]] for p in pages] == [
            ["05MOSCOW11807", "07MOSCOW104"], ["08TOKYO1074", "09MOSCOW2747"], []]
        assert pages[0]["cables"][0] == {
            "id": "05MOSCOW11807", "datetime": "2005-09-14T15:13:00Z", "origin": "AMEMBASSY MOSCOW",
            "classification": "SECRET", "subject": "MORE RUSSIAN RESISTANCE TO DEMARCHE ON MILITARY SALES TO VENEZUELA",
            "tags": ["PGOV", "PTER", "PREL", "MASS", "VE", "RS"], "paragraphs": 4}

        def ids(**params: str) -> list[str]:
            return [c["id"] for c in client.get("/cables", params=params).json()["cables"]]

        assert ids(origin="moscow") == ["05MOSCOW11807", "07MOSCOW104", "09MOSCOW2747"]
        assert ids(tag="PTER") == ["05MOSCOW11807"]
        assert ids(date_from="2008-01-01") == ["08TOKYO1074", "09MOSCOW2747"]
        assert ids(date_from="2007-01-01", date_to="2008-12-31") == ["07MOSCOW104", "08TOKYO1074"]
        assert ids(classification="SECRET") == ["05MOSCOW11807", "07MOSCOW104", "09MOSCOW2747"]
        assert ids(max_classification="CONFIDENTIAL") == ["08TOKYO1074"]


def test_upload_of_a_known_id_replaces_it(make_client: AppFactory) -> None:
    with make_client() as client:
        generation = client.get("/health").json()["generation"]
        seed = seed_cable_path().read_text(encoding="utf-8")
        response = client.post("/cables", json={"cables": [seed]})
        assert response.status_code == 201
        assert response.json() == {"ingested": ["08TOKYO1074"], "replaced": ["08TOKYO1074"], "partial": [],
                                   "cables": 1, "paragraphs": 9,
                                   "index": {"cables": 1, "paragraphs": 9, "generation": generation + 1}}
        assert client.get("/ask", params={"q": "Lavrov missile defense", "k": 1}).json()["hits"][0][
            "citation"] == "08TOKYO1074 ¶3"


def test_upload_with_one_bad_cable_is_400_and_writes_nothing(make_client: AppFactory) -> None:
    seed = seed_cable_path().read_bytes()
    with make_client() as client:
        before = client.get("/health").json()
        cases = [
            (seed + b"\n\f\nThis is a shopping list, not a cable.\n", TEXT,
             "cable 2 of 2: not a cable: no classification banner, date-time group, FM line or TAGS found"),
            (b"", TEXT, "upload: the body holds no cable text"),
            (b"\n\f\n \f\n", TEXT, "upload: the body holds no cable text"),
            (b"\x00\x01\x02 PK binary", {"Content-Type": "application/octet-stream"},
             "cable 1 of 1: binary data, not cable text"),
            (b'{"cables": ["' + seed.replace(b'"', b'\\"').replace(b"\n", b"\\n") + b'", "  "]}',
             {"Content-Type": "application/json"}, "cable 2 of 2: empty text: no cable to parse"),
        ]
        for content, headers, detail in cases:
            response = client.post("/cables", content=content, headers=headers)
            assert (response.status_code, response.json()) == (400, {"detail": detail, "error": "cable_parse"})
        bad_json = client.post("/cables", json={"cables": ["x"], "replace": True})
        assert (bad_json.status_code, bad_json.json()["detail"]) == (422, "replace: Extra inputs are not permitted")
        assert client.get("/health").json()["generation"] == before["generation"]


def test_bodies_over_the_limit_are_413(make_client: AppFactory) -> None:
    seed = seed_cable_path().read_bytes()
    assert len(seed) > 4000
    detail = "the request body is over the 4,000-byte limit (CABLEQA_MAX_UPLOAD_BYTES)"
    with make_client(max_upload_bytes=4000) as client:
        generation = client.get("/health").json()["generation"]
        declared = client.post("/cables", content=seed, headers=TEXT)  # Content-Length says too much
        assert (declared.status_code, declared.json()) == (413, {"detail": detail, "error": "upload_too_large"})
        chunks = [seed[i:i + 1000] for i in range(0, len(seed), 1000)]
        streamed = client.post("/cables", content=iter(chunks), headers=TEXT)  # chunked: no Content-Length
        assert (streamed.status_code, streamed.json()["detail"]) == (413, detail)
        big_question = client.post("/ask", json={"question": "x" * 5000})
        assert (big_question.status_code, big_question.json()["detail"]) == (413, detail)
        assert client.get("/health").json()["generation"] == generation
