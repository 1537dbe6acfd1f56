"""``/ask`` over the real model and index: the seed's Lavrov paragraph, cited and highlighted."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from qa.search.filters import make_filters
from qa.search.serialize import answer_to_dict

LAVROV = "what did Lavrov say about missile defense"
# Worked out by hand from 08TOKYO1074 ¶3: its third sentence, the one that quotes Lavrov.
LAVROV_SENTENCE = ('According to Otsuki, Lavrov responded that "the aim and intent of Japan\'s ballistic missile '
                   'defense system are obvious for Russia."')


def test_lavrov_question_cites_tokyo_paragraph_3_first_with_its_quoted_sentence(client: TestClient) -> None:
    response = client.post("/ask", json={"question": LAVROV})
    assert response.status_code == 200
    answer = response.json()
    assert answer["question"] == LAVROV and answer["mode"] == "hybrid" and answer["answered"] is True
    top = answer["hits"][0]
    assert top["citation"] == "08TOKYO1074 ¶3"
    assert (top["cable_id"], top["paragraph"], top["rank"]) == ("08TOKYO1074", 3, 1)
    assert (top["marking"], top["classification"], top["origin"]) == ("C", "CONFIDENTIAL", "AMEMBASSY TOKYO")
    assert top["section"] == "Missile Defense - No Concerns?"
    assert top["date"] == "2008-04-18T09:29:00Z"
    highlight = top["highlight"]
    assert highlight["text"] == LAVROV_SENTENCE
    assert top["text"][highlight["start"]:highlight["end"]] == LAVROV_SENTENCE
    # The cut falls on sentence boundaries: after "...have been "productive and ..." sentences, before "The Russian FM".
    assert top["text"][highlight["start"] - 2:highlight["start"]] == ". "
    assert top["text"][highlight["end"]:].startswith(" The Russian FM added")
    assert len(answer["hits"]) == 5 and [h["rank"] for h in answer["hits"]] == [1, 2, 3, 4, 5]


def test_answer_is_exactly_what_the_cli_json_prints(client: TestClient, api_app: FastAPI) -> None:
    index = api_app.state.cableqa.index
    expected = answer_to_dict(index.ask(LAVROV, k=3, mode="bm25"))
    got = client.post("/ask", json={"question": LAVROV, "k": 3, "mode": "bm25"}).json()
    assert got == expected
    assert list(got) == ["question", "mode", "answered", "hits"]
    assert list(got["hits"][0]) == list(expected["hits"][0])


def test_get_ask_answers_like_post(client: TestClient) -> None:
    posted = client.post("/ask", json={"question": LAVROV, "k": 2, "mode": "dense"}).json()
    got = client.get("/ask", params={"q": LAVROV, "k": 2, "mode": "dense"})
    assert got.status_code == 200
    assert got.json() == posted
    assert got.json()["hits"][0]["citation"] == "08TOKYO1074 ¶3"


def test_every_mode_puts_the_lavrov_paragraph_first(client: TestClient) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        answer = client.get("/ask", params={"q": LAVROV, "k": 1, "mode": mode}).json()
        assert answer["mode"] == mode
        assert [h["citation"] for h in answer["hits"]] == ["08TOKYO1074 ¶3"], mode


def test_batch_answers_each_question_in_order(client: TestClient, api_app: FastAPI) -> None:
    questions = [LAVROV, "did a Russian strategic bomber intrude into Japanese airspace"]
    response = client.post("/ask/batch", json={"questions": questions, "k": 2})
    assert response.status_code == 200
    answers = response.json()["answers"]
    assert [a["question"] for a in answers] == questions
    assert answers[0]["hits"][0]["citation"] == "08TOKYO1074 ¶3"
    assert answers[1]["hits"][0]["citation"] == "08TOKYO1074 ¶4"  # the Tu-95 "Bear" paragraph
    expected = [answer_to_dict(a) for a in api_app.state.cableqa.index.ask_many(questions, k=2)]
    assert answers == expected


def test_filters_narrow_the_hits(client: TestClient, api_app: FastAPI) -> None:
    body = {"question": LAVROV, "k": 3, "filters": {"origins": ["moscow"]}}
    assert client.post("/ask", json=body).json()["hits"] == []  # the seed came from Tokyo
    body["filters"] = {"origins": ["TOKYO"], "tags": ["parm"], "date_from": "2008-04-18", "date_to": "2008-04-18",
                       "cable_ids": ["08TOKYO1074"], "max_classification": "CONFIDENTIAL"}
    hits = client.post("/ask", json=body).json()["hits"]
    assert hits[0]["citation"] == "08TOKYO1074 ¶3"
    body["filters"] = {"date_from": "2008-04-19"}
    assert client.post("/ask", json=body).json()["hits"] == []
    direct = api_app.state.cableqa.index.ask(LAVROV, k=3, filters=make_filters(max_classification="SECRET"))
    body["filters"] = {"max_classification": "secret"}
    assert client.post("/ask", json=body).json() == answer_to_dict(direct)


def test_ceiling_below_the_cable_hides_every_paragraph(client: TestClient) -> None:
    answer = client.get("/ask", params={"q": LAVROV, "max_classification": "UNCLASSIFIED"}).json()
    assert answer["hits"] == [] and answer["answered"] is False


def test_empty_query_parameters_take_their_defaults(client: TestClient) -> None:
    # What an HTML form sends for fields left blank.
    response = client.get("/ask?q=what+did+Lavrov+say+about+missile+defense&k=&mode=&origin=&max_classification=")
    assert response.status_code == 200
    answer = response.json()
    assert (answer["mode"], len(answer["hits"]), answer["hits"][0]["citation"]) == ("hybrid", 5, "08TOKYO1074 ¶3")
    assert client.get("/ask?q=&k=3").json()["detail"] == "q: must not be empty or whitespace"
