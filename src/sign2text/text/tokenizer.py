"""Text: word or SentencePiece tokenizers, trained on training sentences only."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Protocol

import sentencepiece as spm

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<s>", "</s>", "<unk>")
_WORD = re.compile(r"[\w']+|[^\w\s]")
_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:%)\]}])")
_NO_SPACE_AFTER = re.compile(r"([(\[{$]) ")


class Tokenizer(Protocol):
    """Sentence <-> token ids; ids 0-3 are <pad>, <s>, </s>, <unk> in every tokenizer."""

    kind: str

    def __len__(self) -> int: ...
    def encode(self, sentence: str) -> list[int]: ...
    def decode(self, ids: Iterable[int]) -> str: ...
    def to_bytes(self) -> bytes: ...


class WordTokenizer:
    """Words and punctuation marks, case kept; rare words beyond the vocabulary become <unk>."""

    kind = "word"

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.ids = {token: i for i, token in enumerate(tokens)}

    @classmethod
    def train(cls, sentences: Iterable[str], vocab_size: int) -> WordTokenizer:
        counts = Counter(token for s in sentences for token in _WORD.findall(s))
        ranked = sorted(counts, key=lambda t: (-counts[t], t))[: max(vocab_size - len(SPECIALS), 0)]
        return cls([*SPECIALS, *ranked])

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, sentence: str) -> list[int]:
        return [self.ids.get(token, UNK) for token in _WORD.findall(sentence)]

    def decode(self, ids: Iterable[int]) -> str:
        words = [self.tokens[i] for i in ids if i >= len(SPECIALS) or i == UNK]
        text = " ".join(words)
        return _NO_SPACE_AFTER.sub(r"\1", _NO_SPACE_BEFORE.sub(r"\1", text))

    def to_bytes(self) -> bytes:
        return json.dumps({"kind": self.kind, "tokens": self.tokens}).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> WordTokenizer:
        return cls(json.loads(data.decode("utf-8"))["tokens"])


def unigram_model(
    sentences: Iterable[str], vocab_size: int, *, pad: int, bos: int, eos: int, unk: int
) -> bytes:
    """A SentencePiece unigram model trained on `sentences` (at most `vocab_size` pieces,
    fewer when the text holds fewer), with the special pieces at the given ids (-1: none)."""
    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(list(sentences)),
        model_writer=buffer,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        pad_id=pad,
        bos_id=bos,
        eos_id=eos,
        unk_id=unk,
        minloglevel=2,
    )
    return buffer.getvalue()


class SentencePieceTokenizer:
    """SentencePiece unigram subwords."""

    kind = "sentencepiece"

    def __init__(self, model: bytes) -> None:
        self.model = model
        self.processor = spm.SentencePieceProcessor(model_proto=model)

    @classmethod
    def train(cls, sentences: Iterable[str], vocab_size: int) -> SentencePieceTokenizer:
        return cls(unigram_model(sentences, vocab_size, pad=PAD, bos=BOS, eos=EOS, unk=UNK))

    def __len__(self) -> int:
        return int(self.processor.get_piece_size())

    def encode(self, sentence: str) -> list[int]:
        return list(self.processor.encode(sentence))

    def decode(self, ids: Iterable[int]) -> str:
        return str(self.processor.decode([i for i in ids if i > EOS]))

    def to_bytes(self) -> bytes:
        return self.model

    @classmethod
    def from_bytes(cls, data: bytes) -> SentencePieceTokenizer:
        return cls(data)


TOKENIZERS: dict[str, type[WordTokenizer | SentencePieceTokenizer]] = {
    "word": WordTokenizer,
    "sentencepiece": SentencePieceTokenizer,
}


def _kind(kind: str) -> type[WordTokenizer | SentencePieceTokenizer]:
    """The tokenizer class of `kind`."""
    if kind not in TOKENIZERS:
        raise ValueError(f"unknown tokenizer {kind!r}; choose one of {sorted(TOKENIZERS)}")
    return TOKENIZERS[kind]


def train_tokenizer(kind: str, sentences: Iterable[str], vocab_size: int) -> Tokenizer:
    """Train a tokenizer of `kind` ("word" or "sentencepiece") on `sentences`."""
    return _kind(kind).train(sentences, vocab_size)


def tokenizer_from_bytes(kind: str, data: bytes) -> Tokenizer:
    """Rebuild a tokenizer saved with `to_bytes` (a pretrained text model's among them)."""
    if kind == "pretrained":  # needs `transformers`, imported only then
        from sign2text.text.pretrained import PretrainedTokenizer

        return PretrainedTokenizer.from_bytes(data)
    return _kind(kind).from_bytes(data)


def tokenizer_file_name(kind: str, vocab_size: int, lowercase: bool = False) -> str:
    """File name a tokenizer is saved under in a prepared dataset."""
    return f"tokenizer-{kind}-{vocab_size}{'-lowercase' if lowercase else ''}.bin"


def capped_size(tokenizer: Tokenizer, vocab_size: int) -> str | None:
    """A warning when a SentencePiece vocabulary came out smaller than the `vocab_size` asked
    for (its training sentences hold no more pieces); None otherwise. A word vocabulary's size
    is a maximum, so one below it is no surprise."""
    if tokenizer.kind != "sentencepiece" or len(tokenizer) >= vocab_size:
        return None
    return (
        f"the SentencePiece vocabulary has {len(tokenizer):,} pieces, not the {vocab_size:,} "
        f"text.vocab_size asks for: the training sentences hold no more (its file keeps the "
        f"name {tokenizer_file_name(tokenizer.kind, vocab_size)}, under which the config "
        "finds it)"
    )
