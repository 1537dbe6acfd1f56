"""Bad input never fails silently: a named CableParseError, or a Cable flagged partial with its problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.cables.corpus import MAX_CABLE_BYTES, read_cable_file, read_cables
from qa.cables.parse import parse_cable
from qa.errors import CableParseError

README_TEXT = """# Real cable corpus

1,346 real, public US diplomatic cables from the 2010-2011 "Cablegate" release, one plain-text file
per cable under `cables/`, named by the cable's reference id (`08ANKARA691.txt`).
"""


def test_empty_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(CableParseError) as raised:
        read_cable_file(path)
    assert raised.value.source == str(path)
    assert str(path) in raised.value.message
    assert "empty" in raised.value.reason


def test_whitespace_only_text_is_empty() -> None:
    with pytest.raises(CableParseError, match="empty text"):
        parse_cable(" \n\n \t\n", source="blank.txt")


def test_binary_bytes_with_nuls_are_refused_by_name(tmp_path: Path, seed_text: str) -> None:
    path = tmp_path / "08TOKYO1074.bin.txt"
    path.write_bytes(b"\x00\x01\x02" + seed_text.encode("utf-8"))
    with pytest.raises(CableParseError) as raised:
        read_cable_file(path)
    assert str(path) in raised.value.message
    assert "binary" in raised.value.reason


def test_control_characters_in_text_are_refused() -> None:
    with pytest.raises(CableParseError, match="binary data"):
        parse_cable("VZCZC\x00XRO1265\nO 180929Z APR 08\n", source="nul.txt")


def test_latin1_bytes_are_decoded_and_the_cable_parses(tmp_path: Path, seed_text: str) -> None:
    # The 2011 raw release is Windows-1252: the seed re-encoded with an accented name in ¶2.
    text = seed_text.replace("Governor Valentina Matvienko", "Governor Valentina Matviénko")
    path = tmp_path / "08TOKYO1074.txt"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    cable = read_cable_file(path)
    assert cable.id == "08TOKYO1074"
    assert "Governor Valentina Matviénko in St. Petersburg" in cable.paragraphs[1].text
    assert [p.number for p in cable.paragraphs] == list(range(1, 10))


def test_crlf_line_ends_give_the_same_paragraphs(tmp_path: Path, seed_text: str) -> None:
    path = tmp_path / "08TOKYO1074.txt"
    path.write_bytes(seed_text.replace("\n", "\r\n").encode("utf-8"))
    cable = read_cable_file(path)
    expected = parse_cable(seed_text)
    assert [(p.number, p.text, p.start, p.end) for p in cable.paragraphs] == [
        (p.number, p.text, p.start, p.end) for p in expected.paragraphs]


def test_text_that_is_not_a_cable_says_what_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    path.write_text(README_TEXT, encoding="utf-8")
    with pytest.raises(CableParseError) as raised:
        read_cable_file(path)
    assert str(path) in raised.value.message
    assert raised.value.reason.startswith("not a cable: no classification banner, date-time group, FM line")


def test_corpus_readme_is_not_a_cable(corpus: Path) -> None:
    with pytest.raises(CableParseError, match="not a cable"):
        read_cable_file(corpus / "README.md")


def test_body_without_its_header_is_not_a_cable(seed_text: str) -> None:
    body = seed_text[seed_text.index("[1](#)1. (C)"):]
    with pytest.raises(CableParseError) as raised:
        parse_cable(body, source="headless.txt")
    assert raised.value.source == "headless.txt"
    assert "FM line" in raised.value.reason


def test_header_without_a_body_is_a_partial_cable(seed_text: str) -> None:
    header = seed_text[:seed_text.index("[1](#)1. (C)")]
    cable = parse_cable(header, source="header-only.txt")
    assert cable.id == "08TOKYO1074"
    assert cable.subject is not None
    assert cable.paragraphs == ()
    assert cable.partial is True
    assert cable.problems == ("no body paragraphs",)


def test_body_cut_short_is_partial_and_says_how_short(seed_text: str) -> None:
    cut = seed_text[:seed_text.index("[1](#)1. (C)") + len("[1](#)1. (C) Summary. The aim and intent")]
    cable = parse_cable(cut, source="cut.txt")
    assert cable.partial is True
    assert cable.paragraphs[0].text == "Summary. The aim and intent"  # 27 characters
    assert cable.problems == ("body is only 27 characters: text looks cut off",)


def test_missing_file_error_names_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.txt"
    with pytest.raises(CableParseError) as raised:
        read_cable_file(path)
    assert str(path) in raised.value.message
    assert raised.value.reason.startswith("cannot read")


def test_oversized_file_is_refused_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    path.write_bytes(b"A" * (MAX_CABLE_BYTES + 1))
    with pytest.raises(CableParseError, match="-byte limit for one cable"):
        read_cable_file(path)


def test_reading_a_folder_reports_each_bad_file_and_keeps_the_good(tmp_path: Path, seed_text: str) -> None:
    (tmp_path / "08TOKYO1074.txt").write_text(seed_text, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "readme.txt").write_text(README_TEXT, encoding="utf-8")
    outcomes = {o.path.name: o for o in read_cables([tmp_path])}
    assert sorted(outcomes) == ["08TOKYO1074.txt", "empty.txt", "readme.txt"]
    assert outcomes["08TOKYO1074.txt"].cable is not None
    assert outcomes["08TOKYO1074.txt"].error is None
    for name in ("empty.txt", "readme.txt"):
        error = outcomes[name].error
        assert outcomes[name].cable is None
        assert error is not None
        assert name in error.message


TRUNCATED = {
    # file: (partial cable with these problems) or (error reason)
    "00DAMASCUS3013": ("reference id taken from the file name: no banner serial",
                       "no classification banner; treated as UNCLASSIFIED", "no body paragraphs"),
    "06KABUL3934": ("body is only 175 characters: text looks cut off",),
    "08MOSCOW2700": ("body is only 111 characters: text looks cut off",),
    "08VLADIVOSTOK68": ("body is only 28 characters: text looks cut off",),
    "09BERLIN1273": ("no body paragraphs",),
    "09BERLIN406": ("no body paragraphs",),
    "09CARACAS1296": ("no body paragraphs",),
    "09DUSHANBE575": ("body is only 31 characters: text looks cut off",),
    "09KABUL3423": ("no body paragraphs",),
    "09LIMA1191": ("body is only 6 characters: text looks cut off",),
    "09MADRID604": ("no body paragraphs",),
    "10MADRID49": ("no body paragraphs",),
}


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_truncated_cable_is_partial_and_lists_its_problems(corpus: Path, name: str) -> None:
    cable = read_cable_file(corpus / "truncated" / f"{name}.txt")
    assert cable.id == name
    assert cable.partial is True
    assert cable.problems == TRUNCATED[name]


@pytest.mark.corpus
def test_truncated_cable_with_a_malformed_id_error_names_file_and_missing_banner(corpus: Path) -> None:
    path = corpus / "truncated" / "7575LIBREVILLE1895.txt"
    with pytest.raises(CableParseError) as raised:
        read_cable_file(path)
    assert str(path) in raised.value.message
    assert raised.value.reason == "no reference id: the text has no classification banner with a serial"


@pytest.mark.corpus
def test_every_truncated_file_is_an_error_or_a_flagged_cable(corpus: Path) -> None:
    files = sorted((corpus / "truncated").glob("*.txt"))
    assert len(files) == 13
    for path in files:
        try:
            cable = read_cable_file(path)
        except CableParseError as error:
            assert error.source == str(path)
            continue
        assert cable.partial and cable.problems, path.name
