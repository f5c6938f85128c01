"""Corpus metrics on lists of sentences: BLEU, chrF, ROUGE-L, WER and sanity checks.

Every metric is computed from per-sentence sufficient statistics (`SentenceStatistics`): the
corpus score is the metric applied to their column sums, and a bootstrap resample
(`bootstrap`) only re-sums them weighted by how often it drew each sentence. Scales: BLEU, chrF
and ROUGE-L 0-100 (as sacrebleu reports them); WER, length ratio and loop share are plain
fractions (WER 0.85 = 85 %).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import jiwer
import numpy as np
from rouge_score import rouge_scorer
from sacrebleu import sentence_bleu
from sacrebleu.metrics import BLEU, CHRF

BLEU_ORDERS = (1, 2, 3, 4)

# The quality metrics, in report order, and whether a higher score is better.
HIGHER_IS_BETTER: dict[str, bool] = {
    **{f"bleu{order}": True for order in BLEU_ORDERS},
    "chrf": True,
    "rouge_l": True,
    "wer": False,
    "wer_normalized": False,
}
SANITY_CHECKS = ("length_ratio", "loop_share")
METRICS = (*HIGHER_IS_BETTER, *SANITY_CHECKS)  # every key of `corpus_scores` but the signature
PERCENT_SCALE = frozenset({*(f"bleu{order}" for order in BLEU_ORDERS), "chrf", "rouge_l"})

# How each score is named wherever people read it: tables, plots, the CLI. Perplexity is the
# model's (evaluation computes it), named here with the rest.
LABELS: dict[str, str] = {
    **{f"bleu{order}": f"BLEU-{order}" for order in BLEU_ORDERS},
    "chrf": "chrF",
    "rouge_l": "ROUGE-L",
    "wer": "WER",
    "wer_normalized": "WER (normalised)",
    "length_ratio": "length ratio",
    "loop_share": "loop share",
    "perplexity": "perplexity",
}


@dataclass(frozen=True)
class SentenceStatistics:
    """Per-sentence sufficient statistics of one corpus metric."""

    counts: np.ndarray  # (sentences, statistics) float64; a corpus score needs only column sums
    reduce: Callable[[np.ndarray], float]  # (statistics,) summed counts -> corpus score
    signature: str = ""  # sacrebleu's signature string, for BLEU

    def corpus_score(self) -> float:
        """The metric on the whole corpus."""
        return self.reduce(self.counts.sum(axis=0))

    def resampled_scores(self, draws: np.ndarray) -> np.ndarray:
        """The metric on each resample, from `draws` (samples, sentences): how often each
        resample drew each sentence. Returns (samples,)."""
        totals = draws @ self.counts  # (samples, statistics)
        return np.array([self.reduce(row) for row in totals])


@dataclass(frozen=True)
class TextOptions:
    """sacrebleu's text options; they apply to BLEU, the length ratio and chrF only."""

    tokenize: str = "13a"
    lowercase: bool = False


DEFAULT_OPTIONS = TextOptions()

# ------------------------------------------------------------------------ sacrebleu metrics


def _bleu(order: int, options: TextOptions) -> BLEU:
    if options.tokenize not in BLEU.TOKENIZERS:
        raise ValueError(
            f"unknown tokenizer {options.tokenize!r}; choose one of {sorted(BLEU.TOKENIZERS)}"
        )
    return BLEU(max_ngram_order=order, tokenize=options.tokenize, lowercase=options.lowercase)


def _sacrebleu_reduce(metric: BLEU | CHRF) -> Callable[[np.ndarray], float]:
    # sacrebleu's own significance tests use this method (and `_extract_corpus_statistics`)
    def reduce(totals: np.ndarray) -> float:
        return float(metric._compute_score_from_stats(totals).score)

    return reduce


def _bleu_columns(order: int) -> list[int]:
    """Columns of 4-gram BLEU statistics that make up `order`-gram BLEU's.

    sacrebleu's layout is [hyp_len, ref_len, correct_1..4, total_1..4].
    """
    top = max(BLEU_ORDERS)
    return [0, 1, *range(2, 2 + order), *range(2 + top, 2 + top + order)]


def _ratio(totals: np.ndarray) -> float:
    # (numerator, denominator); a zero denominator counts as one, as jiwer does for WER
    return float(totals[0] / max(totals[1], 1.0))


def _bleu_family(
    hypotheses: Sequence[str], references: Sequence[str], options: TextOptions
) -> dict[str, SentenceStatistics]:
    """BLEU-1..4 and the length ratio, all from one pass of 4-gram counting."""
    bleu4 = _bleu(max(BLEU_ORDERS), options)
    counts = np.array(bleu4._extract_corpus_statistics(hypotheses, [references]), dtype=float)
    signature = str(bleu4.get_signature())
    statistics = {
        f"bleu{order}": SentenceStatistics(
            counts[:, _bleu_columns(order)],
            _sacrebleu_reduce(_bleu(order, options)),
            signature,
        )
        for order in BLEU_ORDERS
    }
    statistics["length_ratio"] = SentenceStatistics(counts[:, :2], _ratio)
    return statistics


def _chrf_family(
    hypotheses: Sequence[str], references: Sequence[str], options: TextOptions
) -> dict[str, SentenceStatistics]:
    """chrF2 (sacrebleu's defaults: character 6-grams, no word n-grams, beta 2)."""
    chrf = CHRF(lowercase=options.lowercase)
    counts = np.array(chrf._extract_corpus_statistics(hypotheses, [references]), dtype=float)
    return {"chrf": SentenceStatistics(counts, _sacrebleu_reduce(chrf))}


# ------------------------------------------------------------------------- ROUGE-L and WER


def _mean_percent(totals: np.ndarray) -> float:
    # (sum of sentence scores, sentence count)
    return float(100.0 * totals[0] / totals[1])


def _rouge_l_family(
    hypotheses: Sequence[str], references: Sequence[str], options: TextOptions
) -> dict[str, SentenceStatistics]:
    """rouge_score's rougeL F-measure per sentence, averaged (its tokenizer lower-cases and
    keeps only ASCII letters and digits; no stemming). A pair with an empty side scores 0."""
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    f_measures = [
        scorer.score(target=reference, prediction=hypothesis)["rougeL"].fmeasure
        for hypothesis, reference in zip(hypotheses, references, strict=True)
    ]
    counts = np.column_stack([f_measures, np.ones(len(f_measures))])
    return {"rouge_l": SentenceStatistics(counts, _mean_percent)}


_NOT_WORD = re.compile(r"[^\w\s']")


def normalize_for_wer(sentence: str) -> str:
    """Lower-case, delete every character but word characters, white space and the ASCII
    apostrophe, and collapse white space into single spaces."""
    return " ".join(_NOT_WORD.sub("", sentence.lower()).split())


def _chunk_edits(chunk: jiwer.AlignmentChunk) -> int:
    if chunk.type == "insert":
        return chunk.hyp_end_idx - chunk.hyp_start_idx
    if chunk.type in ("substitute", "delete"):
        return chunk.ref_end_idx - chunk.ref_start_idx
    return 0


def _wer_statistics(hypotheses: Sequence[str], references: Sequence[str]) -> SentenceStatistics:
    """Word edits (substitutions + deletions + insertions) and reference words per sentence.

    Words are jiwer's: split on white space. An empty reference adds no words and counts its
    hypothesis's words as insertions, so corpus WER = all edits / all reference words, which is
    jiwer's corpus WER (jiwer 4.0 treats empty references the same way). When no reference has
    a word, the WER is the number of inserted words, again as jiwer reports it.
    """
    output = jiwer.process_words(list(references), list(hypotheses))
    counts = np.array(
        [
            [sum(map(_chunk_edits, alignment)), len(reference)]
            for alignment, reference in zip(output.alignments, output.references, strict=True)
        ],
        dtype=float,
    )
    return SentenceStatistics(counts, _ratio)


def _wer_family(
    hypotheses: Sequence[str], references: Sequence[str], options: TextOptions
) -> dict[str, SentenceStatistics]:
    """WER on the raw strings (case-sensitive) and after `normalize_for_wer`."""
    return {
        "wer": _wer_statistics(hypotheses, references),
        "wer_normalized": _wer_statistics(
            [normalize_for_wer(h) for h in hypotheses], [normalize_for_wer(r) for r in references]
        ),
    }


def sentence_scores(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, list[float]]:
    """Each sentence's own score: `bleu` (sacrebleu's `sentence_bleu`: exp smoothing,
    effective n-gram order, 0-100) and `wer` (jiwer's word edits / reference words, a
    fraction; an empty reference counts its hypothesis's words, as corpus WER does)."""
    _check_corpus(hypotheses, references)
    wer = _wer_statistics(hypotheses, references).counts  # (sentences, [edits, words])
    return {
        "bleu": [
            float(sentence_bleu(h, [r]).score) for h, r in zip(hypotheses, references, strict=True)
        ],
        "wer": [_ratio(row) for row in wer],
    }


# ----------------------------------------------------------------------------- loop check

LOOP_RUN = 3  # one word this many times in a row is a loop ("no no no")
LOOP_NGRAM = 4  # one n-gram of this length occurring twice anywhere is a loop


def has_repetition_loop(sentence: str) -> bool:
    """Whether a sentence repeats itself the way a degenerate decoder does.

    On the words of `normalize_for_wer(sentence)`, a loop is one word three times in a row, or
    any 4-gram occurring at least twice (overlapping occurrences count). The 4-gram rule also
    catches every 2-, 3- and 4-gram repeated three times in a row ("a b a b a b" holds
    "a b a b" twice).
    """
    words = normalize_for_wer(sentence).split()
    runs = zip(*(words[i:] for i in range(LOOP_RUN)), strict=False)
    if any(len(set(run)) == 1 for run in runs):
        return True
    ngrams = Counter(zip(*(words[i:] for i in range(LOOP_NGRAM)), strict=False))
    return any(count >= 2 for count in ngrams.values())


def _loop_family(
    hypotheses: Sequence[str], references: Sequence[str], options: TextOptions
) -> dict[str, SentenceStatistics]:
    """Share of hypotheses with a repetition loop (0-1)."""
    counts = np.array([[has_repetition_loop(h), 1.0] for h in hypotheses], dtype=float)
    return {"loop_share": SentenceStatistics(counts, _ratio)}


# ------------------------------------------------------------------------- corpus scores

Family = Callable[[Sequence[str], Sequence[str], TextOptions], dict[str, SentenceStatistics]]

FAMILIES: dict[str, Family] = {
    **{f"bleu{order}": _bleu_family for order in BLEU_ORDERS},
    "chrf": _chrf_family,
    "rouge_l": _rouge_l_family,
    "wer": _wer_family,
    "wer_normalized": _wer_family,
    "length_ratio": _bleu_family,
    "loop_share": _loop_family,
}


def _check_corpus(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references):
        raise ValueError(
            f"got {len(hypotheses)} hypotheses but {len(references)} references; "
            "pass one hypothesis per reference, in the same order"
        )
    if not references:
        raise ValueError("got no sentences; a corpus metric needs at least one")
    for role, sentences in (("hypothesis", hypotheses), ("reference", references)):
        for index, sentence in enumerate(sentences):
            if not isinstance(sentence, str):
                raise TypeError(f"{role} {index} is a {type(sentence).__name__}, not a str")


def sentence_statistics(
    hypotheses: Sequence[str],
    references: Sequence[str],
    metrics: Sequence[str] = METRICS,
    options: TextOptions = DEFAULT_OPTIONS,
) -> dict[str, SentenceStatistics]:
    """Per-sentence statistics of `metrics` (names from `METRICS`), each family computed once."""
    unknown = [name for name in metrics if name not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; choose from {list(METRICS)}")
    _check_corpus(hypotheses, references)
    statistics: dict[str, SentenceStatistics] = {}
    for family in dict.fromkeys(FAMILIES[name] for name in metrics):
        statistics.update(family(hypotheses, references, options))
    return {name: statistics[name] for name in metrics}


def corpus_scores(
    hypotheses: Sequence[str],
    references: Sequence[str],
    *,
    tokenize: str = "13a",
    lowercase: bool = False,
) -> dict[str, float | str]:
    """Every corpus metric of one system against one reference per sentence.

    Keys, in this order: `bleu1`..`bleu4` (sacrebleu's cumulative corpus BLEU with
    `max_ngram_order` n, exp smoothing), `chrf` (chrF2), `rouge_l` (mean sentence rougeL
    F-measure x 100), `wer` (jiwer on the raw strings), `wer_normalized` (after
    `normalize_for_wer`), `length_ratio` (hypothesis / reference tokens in BLEU's tokens),
    `loop_share` (see `has_repetition_loop`), and `bleu_signature`, the only str value.
    `tokenize` and `lowercase` are sacrebleu's options: they apply to BLEU, the length ratio
    and chrF; ROUGE-L always lower-cases and raw WER never does.
    """
    statistics = sentence_statistics(
        hypotheses, references, options=TextOptions(tokenize=tokenize, lowercase=lowercase)
    )
    scores: dict[str, float | str] = {
        name: statistic.corpus_score() for name, statistic in statistics.items()
    }
    scores["bleu_signature"] = statistics["bleu4"].signature
    return scores


def length_ratio(
    hypotheses: Sequence[str],
    references: Sequence[str],
    *,
    tokenize: str = "13a",
    lowercase: bool = False,
) -> float:
    """Total hypothesis tokens / total reference tokens, in BLEU's tokens (sacrebleu's ratio)."""
    options = TextOptions(tokenize=tokenize, lowercase=lowercase)
    return sentence_statistics(hypotheses, references, ["length_ratio"], options)[
        "length_ratio"
    ].corpus_score()


def loop_share(hypotheses: Sequence[str]) -> float:
    """Share (0-1) of hypotheses with a repetition loop (see `has_repetition_loop`)."""
    if not hypotheses:
        raise ValueError("got no hypotheses")
    return float(np.mean([has_repetition_loop(hypothesis) for hypothesis in hypotheses]))


def gloss_wer(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Recognition's word error rate on gloss sequences (a plain fraction), counted as
    `corpus_scores` counts WER; clips without reference glosses are left out."""
    pairs = [(h, r) for h, r in zip(hypotheses, references, strict=True) if r.strip()]
    if not pairs:
        return float("nan")
    return _wer_statistics([h for h, _ in pairs], [r for _, r in pairs]).corpus_score()
