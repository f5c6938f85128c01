import pytest

from sign2text.config import TOKENIZER_NAMES
from sign2text.text.tokenizer import TOKENIZERS, UNK, tokenizer_from_bytes, train_tokenizer

SENTENCES = [
    "My brother buys a red car.",
    "Did you see the old house?",
    "I don't like (really) cold soup, my friend!",
]


@pytest.mark.parametrize("kind", ["word", "sentencepiece"])
def test_round_trip_and_rebuild(kind: str) -> None:
    tokenizer = train_tokenizer(kind, SENTENCES * 20, 60)
    for sentence in SENTENCES:
        ids = tokenizer.encode(sentence)
        assert all(i > 3 for i in ids)
        assert tokenizer.decode(ids) == sentence
    rebuilt = tokenizer_from_bytes(kind, tokenizer.to_bytes())
    assert rebuilt.encode(SENTENCES[0]) == tokenizer.encode(SENTENCES[0])


def test_word_vocabulary_is_capped_and_unknown_words_map_to_unk() -> None:
    tokenizer = train_tokenizer("word", SENTENCES, 10)
    assert len(tokenizer) == 10
    assert UNK in tokenizer.encode("zebra")


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown tokenizer"):
        train_tokenizer("bpe-magic", SENTENCES, 10)
    with pytest.raises(ValueError, match="unknown tokenizer"):
        tokenizer_from_bytes("bpe-magic", b"")


def test_a_config_may_name_exactly_the_tokenizers_there_are() -> None:
    assert set(TOKENIZER_NAMES) == set(TOKENIZERS)
