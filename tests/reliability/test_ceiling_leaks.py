"""No paragraph above the reader's classification ceiling ever leaves the API, by any route.

The index holds the seed and 40 corpus cables picked by parsing so that every level is
there as a paragraph level (SECRET with S/NF portions, CONFIDENTIAL, SBU, UNCLASSIFIED),
and every banner mixes with lower portions. Every question of the bundled eval set (plus
questions aimed at the SECRET cables) is asked under each ceiling in every mode, once with
the ceiling in the request and once through an API key whose ceiling is lower than what the
request asks for. Each hit's level is checked against the stored cable, parsed again; a
hit from a cable classified above the ceiling must not carry its subject. ``GET /cables``,
``GET /cables/{id}`` and ``GET /cables/{id}/paragraphs/{n}`` are checked the same way, and
the hybrid score of a paragraph must owe nothing to words the reader may not see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from reliability_support import build_app, levels_of
from suite_support import copy_index

from embeddings.encoder import Encoder
from eval.questions import bundled_questions_path, load_questions
from qa.cables.classification import Classification
from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable
from qa.errors import CableParseError
from qa.search.filters import Filters
from qa.search.ranking import Weights, rank
from qa.service import CableIndex

CEILINGS = (Classification.UNCLASSIFIED, Classification.SENSITIVE_BUT_UNCLASSIFIED, Classification.CONFIDENTIAL,
            Classification.SECRET)
KEYS = {Classification.UNCLASSIFIED: "key-u", Classification.SENSITIVE_BUT_UNCLASSIFIED: "key-sbu",
        Classification.CONFIDENTIAL: "key-c", Classification.SECRET: "key-s"}
NAMES = {Classification.UNCLASSIFIED: "UNCLASSIFIED", Classification.SENSITIVE_BUT_UNCLASSIFIED: "SBU",
         Classification.CONFIDENTIAL: "CONFIDENTIAL", Classification.SECRET: "SECRET"}
MODES = ("hybrid", "dense", "bm25")
BATCH = 64  # CABLEQA_MAX_BATCH_QUESTIONS
POLISH = "what do Polish diplomats jokingly call the Bureau of European Security"
# Cables per kind, smallest first: a kind is the cable's level, "mixed" when some paragraph has another level.
# No UNCLASSIFIED cable is mixed: a cable's level is the highest of its markings, portion marks included.
QUOTAS = {"SECRET mixed": 13, "SECRET only": 4, "CONFIDENTIAL mixed": 8, "CONFIDENTIAL only": 4,
          "SENSITIVE BUT UNCLASSIFIED mixed": 3, "SENSITIVE BUT UNCLASSIFIED only": 2, "UNCLASSIFIED only": 6}
HIDDEN_HEADER: dict[str, Any] = {"subject": None, "references": [], "reference_details": [],
                                 "classified_by": None, "reasons": None, "signer": None}


def _kind(cable: Cable) -> str:
    return f"{cable.classification.value} {'only' if levels_of(cable) == {cable.classification} else 'mixed'}"


@pytest.fixture(scope="module")
def picked(corpus: Path) -> list[Cable]:
    """09MOSCOW2747 (SBU, S/NF and C portions under a SECRET banner) and 40 more, by kind and size."""
    folder = corpus / "cables"
    cables = [read_cable_file(folder / "09MOSCOW2747.txt")]
    wanted = Counter(QUOTAS)
    for path in sorted(folder.glob("*.txt"), key=lambda p: (p.stat().st_size, p.name)):
        if not +wanted:
            break
        try:
            cable = read_cable_file(path)
        except CableParseError:
            continue
        if cable.partial or len(cable.paragraphs) < 2 or cable.id == "09MOSCOW2747" or wanted[_kind(cable)] <= 0:
            continue
        wanted[_kind(cable)] -= 1
        cables.append(cable)
    assert not +wanted, f"the corpus lacks {dict(+wanted)}"
    return cables


@pytest.fixture(scope="module")
def leaks_client(picked: list[Cable], seed_index_dir: Path, encoder: Encoder,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = copy_index(seed_index_dir, tmp_path_factory.mktemp("ceiling") / "index")
    CableIndex.open(root, encoder).ingest(picked)
    keys = ",".join(f"{key}:{NAMES[level]}" for level, key in KEYS.items())
    with TestClient(build_app(root, encoder, api_keys=keys), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def index(leaks_client: TestClient) -> CableIndex:
    found: CableIndex = leaks_client.app.state.cableqa.index  # type: ignore[attr-defined]
    return found


@pytest.fixture(scope="module")
def stored(index: CableIndex) -> dict[str, Cable]:
    """Every indexed cable parsed again from the text the store holds."""
    return {cable_id: index.cable(cable_id) for cable_id in index.snapshot.cable_rows}


@pytest.fixture(scope="module")
def questions(picked: list[Cable]) -> list[str]:
    """The bundled eval set, then questions aimed at SECRET text: the Polish joke and SECRET subjects."""
    secret_subjects = [c.subject for c in picked if c.classification is Classification.SECRET and c.subject]
    return [q.question for q in load_questions(bundled_questions_path())] + [POLISH, *secret_subjects[:10]]


def _level(stored: dict[str, Cable], hit: dict[str, Any]) -> Classification:
    cable = stored[hit["cable_id"]]
    paragraph = next(p for p in cable.paragraphs if p.number == hit["paragraph"])
    return paragraph.classification(cable.classification)


def _ask_all(client: TestClient, questions: list[str], mode: str, ceiling: str | None,
             headers: dict[str, str]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    for start in range(0, len(questions), BATCH):
        body: dict[str, Any] = {"questions": questions[start:start + BATCH], "k": 10, "mode": mode}
        if ceiling:
            body["filters"] = {"max_classification": ceiling}
        response = client.post("/ask/batch", json=body, headers=headers)
        assert response.status_code == 200, response.text
        answers.extend(response.json()["answers"])
    return answers


@pytest.mark.corpus
def test_picked_cables_cover_every_level_and_mix(picked: list[Cable]) -> None:
    levels = {level for cable in picked for level in levels_of(cable)}
    assert set(CEILINGS) <= levels
    markings = {p.marking for cable in picked for p in cable.paragraphs}
    assert {"S/NF", "S", "C", "SBU", "U"} <= markings
    assert len(picked) == 1 + sum(QUOTAS.values())


@pytest.mark.corpus
def test_no_search_returns_a_paragraph_above_the_ceiling(leaks_client: TestClient, stored: dict[str, Cable],
                                                         questions: list[str]) -> None:
    counts: Counter[tuple[str, Classification]] = Counter()
    for mode in MODES:
        unrestricted = _ask_all(leaks_client, questions, mode, None, {})
        counts.update(("none", _level(stored, hit)) for answer in unrestricted for hit in answer["hits"])
        for ceiling in CEILINGS:
            by_request = _ask_all(leaks_client, questions, mode, NAMES[ceiling], {})
            # The key's ceiling wins over a request that asks for more.
            by_key = _ask_all(leaks_client, questions, mode, "TOP SECRET", {"X-API-Key": KEYS[ceiling]})
            assert by_key == by_request, f"{mode} under {ceiling.value}: a key's ceiling must equal the request's"
            for answer in by_request:
                for hit in answer["hits"]:
                    level = _level(stored, hit)
                    assert ceiling.allows(level), f"{mode} under {ceiling.value}: {hit['citation']} is {level.value}"
                    banner = stored[hit["cable_id"]].classification
                    expected = stored[hit["cable_id"]].subject if ceiling.allows(banner) else None
                    assert hit["subject"] == expected, f"{hit['citation']}: subject under {ceiling.value}"
                    counts[(ceiling.value, level)] += 1
    # Not vacuous: unrestricted searches return SECRET text, and each ceiling returns text at its own level.
    assert counts[("none", Classification.SECRET)] > 0
    for ceiling in CEILINGS:
        assert counts[(ceiling.value, ceiling)] > 0, f"no hit at {ceiling.value} under that ceiling"


@pytest.mark.corpus
def test_get_ask_applies_the_key_ceiling_too(leaks_client: TestClient, stored: dict[str, Cable]) -> None:
    for ceiling in CEILINGS:
        response = leaks_client.get("/ask", params={"q": POLISH, "k": 20, "max_classification": "SECRET"},
                                    headers={"X-API-Key": KEYS[ceiling]})
        assert response.status_code == 200
        assert all(ceiling.allows(_level(stored, hit)) for hit in response.json()["hits"])
    top = leaks_client.get("/ask", params={"q": POLISH, "k": 1}, headers={"X-API-Key": KEYS[Classification.SECRET]})
    assert top.json()["hits"][0]["citation"] == "09MOSCOW2747 ¶3"  # the S/NF paragraph, when SECRET is allowed


@pytest.mark.corpus
def test_reading_cables_withholds_and_counts_what_is_above_the_ceiling(leaks_client: TestClient,
                                                                        stored: dict[str, Cable]) -> None:
    withheld_header = 0
    for cable_id, cable in stored.items():
        for ceiling in CEILINGS:
            visible = [p.number for p in cable.paragraphs if ceiling.allows(p.classification(cable.classification))]
            for params, headers in (({"max_classification": NAMES[ceiling]}, {}),
                                    ({"max_classification": "TOP SECRET"}, {"X-API-Key": KEYS[ceiling]})):
                got = leaks_client.get(f"/cables/{cable_id}", params=params, headers=headers).json()
                assert [p["number"] for p in got["paragraphs"]] == visible, (cable_id, ceiling)
                assert got["withheld"] == len(cable.paragraphs) - len(visible)
                header = {field: got[field] for field in HIDDEN_HEADER}
                if ceiling.allows(cable.classification):
                    assert got["subject"] == cable.subject
                else:
                    assert header == HIDDEN_HEADER, (cable_id, ceiling)
                    assert (got["id"], got["classification"]) == (cable_id, cable.classification.value)
                    withheld_header += 1
            for paragraph in cable.paragraphs:
                response = leaks_client.get(f"/cables/{cable_id}/paragraphs/{paragraph.number}",
                                            headers={"X-API-Key": KEYS[ceiling]})
                if paragraph.number in visible:
                    assert response.status_code == 200
                    shown = response.json()["subject"]
                    assert shown == (cable.subject if ceiling.allows(cable.classification) else None)
                else:
                    assert response.status_code == 403, (cable_id, paragraph.number, ceiling)
                    assert "above this request's ceiling" in response.json()["detail"]
    assert withheld_header > 0

    for ceiling in CEILINGS:
        listed = leaks_client.get("/cables", params={"limit": 100}, headers={"X-API-Key": KEYS[ceiling]}).json()
        ids = [c["id"] for c in listed["cables"]]
        assert ids == sorted(i for i, c in stored.items() if ceiling.allows(c.classification))


@pytest.mark.corpus
def test_hybrid_scores_owe_nothing_to_text_above_the_ceiling(index: CableIndex, stored: dict[str, Cable],
                                                             encoder: Encoder) -> None:
    """A hit's cable-level BM25 term is 0 where its cable holds anything the reader may not see.

    Fixed weights (``keyword_trust=0``), so each hit's cable term is its score less the other terms; with
    keyword trust the cable weight is only scaled, and a zero term stays zero.
    """
    snapshot, weights = index.snapshot, Weights(keyword_trust=0.0)  # the fixed weights the terms are read back with
    vector = encoder.encode_queries([POLISH])[0]
    tokens = snapshot.bm25.tokens(POLISH)

    def cable_terms(ceiling: Classification | None) -> dict[str, float]:
        ranked = rank(snapshot, vector, tokens, "hybrid", Filters(max_classification=ceiling), weights)
        rest = weights.dense * ranked.dense + weights.bm25 * ranked.bm25 + weights.sentence * ranked.sentence
        ids = [snapshot.cables[int(snapshot.para_cable[row])].id for row in ranked.rows]
        terms: dict[str, float] = {}
        for cable_id, score, other in zip(ids, ranked.scores.tolist(), rest.tolist(), strict=True):
            terms[cable_id] = max(terms.get(cable_id, 0.0), score - other)
        return terms

    assert cable_terms(None)["09MOSCOW2747"] > 0.01  # the Polish joke is in its S/NF ¶3: evidence when visible
    for ceiling in CEILINGS:
        for cable_id, term in cable_terms(ceiling).items():
            cable = stored[cable_id]
            hidden = not all(ceiling.allows(level) for level in (cable.classification, *levels_of(cable)))
            if hidden:
                assert abs(term) < 1e-5, f"{cable_id} under {ceiling.value}: hidden words moved a score by {term}"
