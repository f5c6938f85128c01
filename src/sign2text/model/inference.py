"""The one inference path: clips' keypoints -> encoder -> length limits -> search -> sentences.

Validation during training, `evaluate` and `translate` all call `infer`; it also sums the
references' negative log-likelihood when their tokens are given (perplexity), and recognises
gloss sequences when the model has a recognition (CTC) head.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from sign2text.config import DataConfig, DecodeConfig
from sign2text.data.features import Anchors, model_input
from sign2text.model import ctc
from sign2text.model.checkpoint import Loaded
from sign2text.model.decoding import length_limits, search
from sign2text.model.translator import Translator
from sign2text.text.glosses import GlossVocabulary
from sign2text.text.tokenizer import PAD, Tokenizer


@dataclass(frozen=True)
class Reader:
    """What turns keypoints into sentences: a model, its tokenizer and the settings it was
    trained with (how keypoints become model input, the longest sentence)."""

    model: Translator
    tokenizer: Tokenizer
    anchors: Anchors
    data: DataConfig
    max_tokens: int
    glosses: GlossVocabulary | None = None  # the recognition head's, when the model has one

    @classmethod
    def of(cls, loaded: Loaded) -> Reader:
        """The reader a loaded checkpoint describes."""
        config = loaded.config
        anchors = Anchors.of(loaded.layout)
        return cls(
            loaded.model,
            loaded.tokenizer,
            anchors,
            config.data,
            config.text.max_tokens,
            loaded.glosses,
        )


@dataclass(frozen=True)
class Inferred:
    """Sentences for a batch of clips and, when references were given, their summed NLL."""

    hypotheses: list[str]
    nll: float = 0.0
    tokens: int = 0  # reference tokens the NLL is summed over
    glosses: list[str] | None = None  # recognised gloss sequences, with a recognition head
    glosses_greedy: list[str] | None = None  # the same by greedy CTC decoding


def reference_nll(
    model: Translator,
    memory: torch.Tensor,
    padding: torch.Tensor,
    tokens_in: torch.Tensor,
    tokens_out: torch.Tensor,
) -> tuple[float, int]:
    """Summed negative log-likelihood of the reference tokens, and how many there are."""
    logits = model.decode(memory, padding, tokens_in)  # (B, L, V)
    nll = torch.nn.functional.cross_entropy(
        logits.flatten(0, 1).float(), tokens_out.flatten(), ignore_index=PAD, reduction="sum"
    )
    return float(nll), int((tokens_out != PAD).sum())


@torch.no_grad()
def infer(
    reader: Reader,
    keypoints: torch.Tensor,
    frame_mask: torch.Tensor,
    options: DecodeConfig,
    references: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Inferred:
    """Translate a batch of clips: keypoints (B, T, K, C), frame_mask (B, T).

    `references` (tokens_in, tokens_out), both (B, L), adds their NLL under the model.
    """
    features = model_input(keypoints, frame_mask, reader.anchors, reader.data)  # (B, T, F)
    memory, padding = reader.model.encode(features, frame_mask)  # (B, S, d), (B, S)
    nll, tokens = 0.0, 0
    if references is not None:
        nll, tokens = reference_nll(reader.model, memory, padding, *references)
    limits = length_limits(padding, options, reader.max_tokens)  # (B,)
    ids = search(reader.model, memory, padding, limits, options)
    hypotheses = [reader.tokenizer.decode(row) for row in ids]
    if reader.glosses is None or reader.model.recognition is None:
        return Inferred(hypotheses, nll, tokens)
    log_probs, steps = reader.model.recognise(memory), (~padding).sum(dim=1)  # (B, S, G), (B,)
    greedy = [reader.glosses.decode(row) for row in ctc.greedy(log_probs, steps)]
    found = ctc.decode(log_probs, steps, options.ctc_beam_size)
    glosses = [reader.glosses.decode(row) for row in found]
    return Inferred(hypotheses, nll, tokens, glosses, greedy)
