"""Reading cables: the list, one cable (with paragraphs withheld under a ceiling), one paragraph."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa.cables.corpus import read_cable_file, seed_cable_path
from qa.cables.serialize import cable_to_dict

SEED_HEADER = {
    "id": "08TOKYO1074",
    "datetime": "2008-04-18T09:29:00Z",
    "origin": "AMEMBASSY TOKYO",
    "classification": "CONFIDENTIAL",
    "subject": 'RUSSIAN FM LAVROV SAYS AIM AND INTENT OF JAPAN MISSILE DEFENSE SYSTEM ARE "OBVIOUS" AND '
               '"UNDERSTANDABLE."',
    "tags": ["PREL", "MARR", "PARM", "ENRG", "JA", "RS"],
    "paragraphs": 9,
}


def test_list_gives_headers_from_the_snapshot(client: TestClient) -> None:
    response = client.get("/cables")
    assert response.status_code == 200
    assert response.json() == {"total": 1, "offset": 0, "limit": 20, "cables": [SEED_HEADER]}


def test_list_pages_and_filters(client: TestClient) -> None:
    assert client.get("/cables", params={"offset": 1, "limit": 5}).json() == {
        "total": 1, "offset": 1, "limit": 5, "cables": []}
    for params in ({"origin": "tokyo"}, {"tag": "PARM"}, {"date_from": "2008-04-18", "date_to": "2008-04-18"},
                   {"classification": "confidential"}, {"max_classification": "C"}):
        assert client.get("/cables", params=params).json()["total"] == 1, params
    for params in ({"origin": "MOSCOW"}, {"tag": "KN"}, {"date_from": "2008-04-19"}, {"classification": "SECRET"},
                   {"max_classification": "SBU"}):
        assert client.get("/cables", params=params).json()["total"] == 0, params


def test_list_rejects_bad_paging(client: TestClient) -> None:
    cases = {
        (("limit", "101"),): "limit: Input should be less than or equal to 100",
        (("limit", "0"),): "limit: Input should be greater than or equal to 1",
        (("offset", "-1"),): "offset: Input should be greater than or equal to 0",
        (("classification", "PINK"),): "classification: unknown classification 'PINK'; use one of UNCLASSIFIED, "
                                       "LOU, SBU, CONFIDENTIAL, SECRET, TOP SECRET",
        (("date_from", "April"),): "date_from: 'April' is not a date; use YYYY-MM-DD",
        (("page", "2"),): "page: Extra inputs are not permitted",
    }
    for params, detail in cases.items():
        response = client.get("/cables", params=dict(params))
        assert (response.status_code, response.json()["detail"]) == (422, detail)


def test_cable_is_the_parsed_cable_with_nothing_withheld(client: TestClient) -> None:
    expected = cable_to_dict(read_cable_file(seed_cable_path()))
    response = client.get("/cables/08TOKYO1074")
    assert response.status_code == 200
    got = response.json()
    assert got.pop("withheld") == 0
    assert [(link["cable_id"], link["indexed"]) for link in got.pop("reference_links")] == [
        ("08TOKYO1002", False), ("08TOKYO366", False), ("07TOKYO2690", False)]
    assert (got.pop("referenced_by"), got.pop("references_withheld"), got.pop("referenced_by_withheld")) == ([], 0, 0)
    assert got == expected
    # Where each reference's year comes from: REF A and B omit it (the citing cable's year), C writes 07.
    assert [r["year_source"] for r in got["reference_details"]] == ["citing year", "citing year", "written"]
    assert client.get("/cables/08tokyo1074").json()["id"] == "08TOKYO1074"  # ids are case-insensitive


def test_ceiling_withholds_paragraphs_above_it_and_counts_them(client: TestClient) -> None:
    # Every paragraph of the seed is marked (C): an UNCLASSIFIED reader gets the header and no text.
    got = client.get("/cables/08TOKYO1074", params={"max_classification": "UNCLASSIFIED"}).json()
    assert (got["withheld"], got["paragraphs"], got["id"]) == (9, [], "08TOKYO1074")
    got = client.get("/cables/08TOKYO1074", params={"max_classification": "CONFIDENTIAL"}).json()
    assert (got["withheld"], len(got["paragraphs"])) == (0, 9)
    bad = client.get("/cables/08TOKYO1074", params={"max_classification": "CLASSIFIED"})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("max_classification: unknown classification")


def test_paragraph_comes_with_its_citation(client: TestClient, api_app: FastAPI) -> None:
    response = client.get("/cables/08TOKYO1074/paragraphs/3")
    assert response.status_code == 200
    got = response.json()
    assert got["citation"] == "08TOKYO1074 ¶3"
    assert (got["cable_id"], got["number"], got["marking"], got["classification"]) == (
        "08TOKYO1074", 3, "C", "CONFIDENTIAL")
    assert got["section"] == "Missile Defense - No Concerns?"
    assert got["text"].startswith("Lavrov said the April 11 Political-Military Dialogue")
    # start/end span the paragraph in the original text, label included ("13." is the pilcrow artifact for ¶3).
    original = seed_cable_path().read_text(encoding="utf-8")
    assert original[got["start"]:got["end"]].startswith("13. (C) Lavrov said the April 11")
    assert original[got["start"]:got["end"]].endswith("about Japan's missile defense project.")


def test_paragraph_above_the_ceiling_is_forbidden(client: TestClient) -> None:
    response = client.get("/cables/08TOKYO1074/paragraphs/3", params={"max_classification": "LOU"})
    assert response.status_code == 403
    assert response.json() == {
        "detail": "paragraph 3 of 08TOKYO1074 is CONFIDENTIAL, above this request's ceiling LIMITED OFFICIAL USE",
        "error": "forbidden"}
