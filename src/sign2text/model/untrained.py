"""Untrained T5 and BART text models of any size, with a tokenizer trained on given sentences,
saved as a folder `model.text_model` can name: the pretrained-model path run offline (tests,
benchmarks, a plumbing check on a machine without internet)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sentencepiece as spm

from sign2text.model.text_model import library
from sign2text.text.tokenizer import unigram_model


@dataclass(frozen=True)
class Sizes:
    """Widths and depths of an untrained text model."""

    d_model: int = 32
    heads: int = 2
    layers: int = 1  # encoder layers, and as many decoder layers
    ff: int = 64
    dropout: float = 0.0


def _t5(sentences: Sequence[str], vocab_size: int, sizes: Sizes) -> tuple[Any, Any]:
    """T5 with a SentencePiece unigram vocabulary (T5's own kind): pad 0, eos 1, unk 2."""
    transformers = library()
    model = unigram_model(sentences, vocab_size, pad=0, bos=-1, eos=1, unk=2)
    pieces = spm.SentencePieceProcessor(model_proto=model)
    vocab = [(pieces.id_to_piece(i), pieces.get_score(i)) for i in range(pieces.get_piece_size())]
    tokenizer = transformers.T5Tokenizer(vocab=vocab, extra_ids=0)
    config = transformers.T5Config(
        vocab_size=len(tokenizer),
        d_model=sizes.d_model,
        d_kv=sizes.d_model // sizes.heads,
        d_ff=sizes.ff,
        num_layers=sizes.layers,
        num_heads=sizes.heads,
        dropout_rate=sizes.dropout,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    return transformers.T5ForConditionalGeneration(config), tokenizer


def _bart(sentences: Sequence[str], vocab_size: int, sizes: Sizes) -> tuple[Any, Any]:
    """BART with a byte-level BPE vocabulary (BART's own kind): bos 0, pad 1, eos 2, unk 3."""
    from tokenizers import ByteLevelBPETokenizer

    transformers = library()
    bpe = ByteLevelBPETokenizer()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    bpe.train_from_iterator(
        list(sentences), vocab_size=vocab_size, special_tokens=specials, show_progress=False
    )
    trained = json.loads(bpe.to_str())["model"]  # its vocabulary and merges, in order
    merges = [" ".join(pair) for pair in trained["merges"]]
    tokenizer = transformers.BartTokenizer(vocab=trained["vocab"], merges=merges)
    config = transformers.BartConfig(
        vocab_size=len(tokenizer),
        d_model=sizes.d_model,
        encoder_layers=sizes.layers,
        decoder_layers=sizes.layers,
        encoder_attention_heads=sizes.heads,
        decoder_attention_heads=sizes.heads,
        encoder_ffn_dim=sizes.ff,
        decoder_ffn_dim=sizes.ff,
        dropout=sizes.dropout,
        max_position_embeddings=1024,
    )
    return transformers.BartForConditionalGeneration(config), tokenizer


KINDS = {"t5": _t5, "bart": _bart}


def write_untrained(
    folder: str | Path,
    kind: str,
    sentences: Sequence[str],
    vocab_size: int = 300,
    sizes: Sizes = Sizes(),
    seed: int = 0,
) -> Path:
    """Save an untrained `kind` ("t5" or "bart") model and its tokenizer, trained on
    `sentences`, to `folder` (`save_pretrained`); returns the folder."""
    import torch

    torch.manual_seed(seed)
    model, tokenizer = KINDS[kind](sentences, vocab_size, sizes)
    folder = Path(folder)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
