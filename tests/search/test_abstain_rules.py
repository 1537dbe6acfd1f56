"""The abstention rules on real cable text, worked by hand: roles, amounts, dates after the cable, numbered names."""

from __future__ import annotations

from datetime import date

import pytest
from suite_support import corpus_cable_path

from qa.cables.corpus import read_cable_file
from qa.cables.records import Cable
from qa.search.abstain import (
    Evidence,
    abstention,
    after_cable,
    asks_quantity,
    counted,
    missing_roles,
    missing_terms,
    roles,
    states_quantity,
)

WRITTEN = date(2008, 4, 18)  # 08TOKYO1074, 180929Z APR 08


def _texts(cable: Cable) -> list[str]:
    return [cable.subject or "", *(p.text for p in cable.paragraphs)]


def _paragraph(cable: Cable, number: int) -> str:
    return next(p.text for p in cable.paragraphs if p.number == number)


def test_a_role_is_its_title_and_the_words_that_make_it_another_office_not_its_country() -> None:
    assert roles("How did Japan's Defense Minister respond publicly?") == ["defense minister"]
    assert roles("Did Japan summon the Russian ambassador?") == ["ambassador"]
    assert roles("What roles do Japanese and Russian deputy foreign ministers play?") == ["deputy foreign minister"]
    assert roles("Did the other EU ambassadors ask questions?") == ["ambassador"]  # 09HARARE930 ¶2 has the plural
    # after "which", "what" or "whose" the title is the kind of answer asked for, not a thing to find
    assert roles("Which Japanese Foreign Minister went to Moscow?") == []


def test_roles_the_seed_never_names_are_missing_and_the_ones_it_names_are_not(seed: Cable) -> None:
    texts = _texts(seed)
    # ¶4 has the Russian Defense Ministry and Japan's Self-Defense Forces, never a defense minister
    assert missing_roles("How did Japan's Defense Minister respond to the intrusion?", texts) == ["defense minister"]
    assert missing_roles("Did Japan summon the Russian ambassador?", texts) == ["ambassador"]
    assert missing_roles("What did Koumura go over with Khristenko, the Russian energy minister?", texts) == []
    assert missing_roles("What did Russia's foreign minister say?", texts) == []


def test_a_name_keeps_its_numeral_so_sakhalin_one_is_not_sakhalin_two(seed: Cable) -> None:
    texts = _texts(seed)  # ¶9: "Sakhalin II"
    assert missing_terms("What is the status of the Sakhalin I project?", texts) == ["sakhalin i"]
    assert missing_terms("What is the status of the Sakhalin II project?", texts) == []
    assert missing_terms("Who flew the Tu 95?", texts) == []  # ¶4: "Tu-95"


def test_how_many_counts_the_words_after_many() -> None:
    assert counted("How many Japanese fighter jets scrambled?") == ["japanese", "fighter", "jets"]
    assert counted("How many people died in the Malegaon blasts?") == ["people", "died"]
    assert counted("How much money did Japan contribute?") == []
    assert asks_quantity("What will be the annual capacity of the pipeline to Koz'mino?")
    assert not asks_quantity("What is the status of the Sakhalin I project?")


def test_an_amount_is_a_number_with_the_thing_counted_after_it_and_not_a_date_or_a_designation() -> None:
    rangoon = read_cable_file(corpus_cable_path("04RANGOON1100"))
    battalions = _paragraph(rangoon, 5)  # "buildings for 20 Burmese army battalions"
    assert states_quantity(battalions, counted("How many Burmese army battalions will be posted near the site?"))
    assert not states_quantity(battalions, counted("How many missiles are the North Koreans assembling?"))
    maputo = read_cable_file(corpus_cable_path("10MAPUTO86"))
    assert states_quantity(_paragraph(maputo, 6))  # "$950 million"


def test_one_is_a_count_and_an_article_is_not() -> None:
    question = counted("How many MDC members of Parliament were arrested?")
    assert states_quantity("Police arrested one MDC member of Parliament on Friday.", question)
    # 09HARARE930 ¶1 mentions "an MDC member of Parliament" as a source, which counts no arrests
    assert not states_quantity("According to an MDC member of Parliament, there are three factions.", question)


def test_the_seed_states_no_amount_of_jets_or_money(seed: Cable) -> None:
    intrusion, summary = _paragraph(seed, 4), _paragraph(seed, 1)
    # ¶4: Tu-95, February 9, April 11; ¶1: "The two Foreign Ministers", July 7-9
    for text in (intrusion, summary):
        assert not states_quantity(text, counted("How many Japanese fighter jets scrambled?"))
        assert not states_quantity(text)


def test_a_past_question_about_a_day_after_the_cable_is_after_it_but_a_topic_dated_later_is_not() -> None:
    assert after_cable("What was agreed at the April 21 consultations on aircraft activities?", WRITTEN) == ["April 21"]
    assert after_cable("What came out of the summit held at Lake Toya in July?", WRITTEN) == ["July"]
    assert after_cable("Who won the presidential election in 2010?", WRITTEN) == ["2010"]
    assert after_cable("What did Lavrov say about the July summit?", WRITTEN) == []  # a topic, not the scene
    assert after_cable("Where will the leaders meet in July?", WRITTEN) == []  # the cable can tell a plan
    assert after_cable("What happened on April 11?", WRITTEN) == []  # before the cable
    assert after_cable("What was agreed in April?", WRITTEN) == []  # a month counts only when all of it is later
    assert after_cable("What was agreed in July?", None) == []


@pytest.mark.parametrize(("question", "reason", "terms"), [
    ("How many Japanese fighter jets scrambled to intercept the bomber?", "no-quantity", ()),
    ("What was agreed at the April 21 consultations on aircraft activities?", "after-cable", ("April 21",)),
    ("Did Japan summon the Russian ambassador over the bomber incursion?", "missing-role", ("ambassador",)),
    ("What did Lavrov say about Kosovo?", "missing-name", ("kosovo",)),
])
def test_each_rule_gives_its_reason_against_the_seed(seed: Cable, question: str, reason: str,
                                                     terms: tuple[str, ...]) -> None:
    evidence = Evidence(cable_texts=_texts(seed), best_texts=[_paragraph(seed, 4), _paragraph(seed, 5)],
                        written=WRITTEN)
    found = abstention(question, evidence)
    assert found is not None and (found.reason, found.terms) == (reason, terms)


def test_a_question_the_seed_answers_has_no_reason(seed: Cable) -> None:
    evidence = Evidence(cable_texts=_texts(seed), best_texts=[_paragraph(seed, 5)], written=WRITTEN)
    assert abstention("When and where are Japan and Russia holding consultations on aircraft activities?",
                      evidence) is None
    assert abstention("aircraft activities consultations April 21", evidence) is None
