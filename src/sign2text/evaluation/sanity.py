"""Sanity checks: the bars a model must clear before its scores mean anything.

A translation model that ignores its input can still score a little BLEU and a WER near 1
by emitting a typical sentence. These functions compute those bars from plain sentences.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sign2text.metrics import corpus_scores

SHORTLIST = 40  # training sentences scored exactly when searching for the best constant
MARGIN_ABSOLUTE = 2.0  # BLEU-4 points a model must beat its best ablation by ...
MARGIN_RELATIVE = 1.5  # ... and this many times its score
LENGTH_RATIO_LIMIT = 1.5  # hypotheses this much longer than references inflate WER
LOOP_SHARE_LIMIT = 0.2  # share of hypotheses stuck in a repeated n-gram loop


def _words(sentence: str) -> list[str]:
    return sentence.lower().split()


def best_constant_sentence(
    candidates: Sequence[str], references: Sequence[str]
) -> tuple[str, dict[str, float]]:
    """The candidate that, output for every clip, scores the highest BLEU-4 on `references`.

    Every candidate is ranked by a cheap estimate (share of references containing each of its
    words, times BLEU's brevity penalty); the best `SHORTLIST` are then scored exactly.
    """
    unique = list(dict.fromkeys(c for c in candidates if c.strip()))
    if not unique or not references:
        return "", corpus_scores([""] * len(references), list(references))
    document_frequency = Counter(w for r in references for w in set(_words(r)))
    mean_length = sum(len(_words(r)) for r in references) / len(references)

    def estimate(sentence: str) -> float:
        words = _words(sentence)
        precision = sum(document_frequency[w] for w in words) / (len(words) * len(references))
        brevity = min(1.0, 2.718281828 ** (1.0 - mean_length / len(words)))
        return precision * brevity

    shortlist = sorted(unique, key=estimate, reverse=True)[:SHORTLIST]
    scored = [(corpus_scores([c] * len(references), list(references)), c) for c in shortlist]
    best_scores, best = max(scored, key=lambda pair: (pair[0]["bleu4"], -pair[0]["wer"]))
    return best, best_scores


def warnings_for(model: dict[str, float], ablations: dict[str, dict[str, float]]) -> list[str]:
    """Plain-language warnings when scores are explained by something other than translation.

    `model` and each ablation are `corpus_scores` results; ablations are named (e.g.
    "constant sentence", "swapped inputs", "all-zero inputs").
    """
    messages = []
    name, best = max(ablations.items(), key=lambda item: item[1]["bleu4"])
    bar = max(best["bleu4"] + MARGIN_ABSOLUTE, best["bleu4"] * MARGIN_RELATIVE)
    if model["bleu4"] < bar:
        messages.append(
            f"BLEU-4 {model['bleu4']:.2f} does not clear its ablations: {name} scores "
            f"{best['bleu4']:.2f} (bar {bar:.2f}). The model may be ignoring its input; "
            "check the data pairing and the learning rate before reading these scores."
        )
    if model["length_ratio"] > LENGTH_RATIO_LIMIT:
        messages.append(
            f"hypotheses are {model['length_ratio']:.2f}x the references' length: insertions "
            f"explain much of the WER ({model['wer']:.2f})."
        )
    if model["loop_share"] > LOOP_SHARE_LIMIT:
        messages.append(
            f"{model['loop_share']:.0%} of hypotheses repeat an n-gram in a loop: the decoder "
            "is degenerate; WER and BLEU reflect repetition, not translation."
        )
    return messages
