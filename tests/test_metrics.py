"""Corpus metrics against hand-computed values, the libraries they wrap, and published scores."""

from __future__ import annotations

import math
import random
from pathlib import Path

import jiwer
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sacrebleu.metrics import BLEU, CHRF

from conftest import shared_data
from sign2text.bootstrap import bootstrap_interval, paired_bootstrap
from sign2text.evaluation.scoring import read_pair
from sign2text.metrics import (
    LABELS,
    METRICS,
    corpus_scores,
    has_repetition_loop,
    length_ratio,
    loop_share,
    normalize_for_wer,
)

# "Reference scores of metrics/" in shared/data/README.md (sacrebleu 2.6.0, jiwer 4.0.0,
# rouge-score 0.1.2): BLEU-1..4, chrF, ROUGE-L to two decimals, WER to four.
REFERENCE_SCORES = {
    "unisign_how2sign_test": {
        "sentences": 2349,
        "bleu1": 39.38,
        "bleu2": 26.44,
        "bleu3": 19.22,
        "bleu4": 14.50,
        "chrf": 34.61,
        "rouge_l": 37.53,
        "wer": 0.8505,
        "wer_normalized": 0.8248,
    },
    "unisign_openasl_test": {
        "sentences": 976,
        "bleu1": 49.09,
        "bleu2": 35.91,
        "bleu3": 28.10,
        "bleu4": 22.64,
        "chrf": 46.28,
        "rouge_l": 46.17,
        "wer": 0.7630,
        "wer_normalized": 0.7349,
    },
}
SIGNATURE = "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"


def unisign_files(name: str) -> tuple[Path, Path]:
    """A published system's predictions and references, or a skip when the data is absent."""
    folder = shared_data("metrics", name)
    return folder / "test_tmp_pres.txt", folder / "test_tmp_refs.txt"


def assert_matches_reference(scores: dict, expected: dict) -> None:
    """Scores agree with a reference row to the decimals the row gives."""
    for metric, value in expected.items():
        decimals = 4 if metric.startswith("wer") else 2
        assert round(scores[metric], decimals) == pytest.approx(value), metric


# ------------------------------------------------------------------------ published scores


@pytest.mark.parametrize("name", sorted(REFERENCE_SCORES))
def test_reproduces_published_reference_scores(name: str) -> None:
    hypotheses, references = read_pair(*unisign_files(name))
    scores = corpus_scores(hypotheses, references)
    assert_matches_reference({**scores, "sentences": len(references)}, REFERENCE_SCORES[name])
    assert scores["bleu_signature"] == SIGNATURE


def test_bootstrap_on_real_test_set_brackets_published_bleu() -> None:
    hypotheses, references = read_pair(*unisign_files("unisign_how2sign_test"))
    interval = bootstrap_interval(hypotheses, references, "bleu4", n_samples=1000)
    assert round(interval.score, 2) == 14.50
    assert interval.low < interval.score < interval.high
    assert interval.high - interval.low < 3.0  # 2,349 sentences pin BLEU down to a point or so


# --------------------------------------------------------------------- hand-computed values


def test_identical_corpus_scores_perfectly() -> None:
    sentences = ["the cat sat on the mat", "Hello, world!", "a b c d e"]
    scores = corpus_scores(sentences, sentences)
    for metric in ("bleu1", "bleu2", "bleu3", "bleu4", "chrf", "rouge_l"):
        assert scores[metric] == pytest.approx(100.0), metric
    assert scores["wer"] == 0.0
    assert scores["wer_normalized"] == 0.0
    assert scores["length_ratio"] == 1.0


def test_hand_computed_bleu_and_wer() -> None:
    # unigram precision 5/6, bigram 3/5, trigram 1/4, no 4-gram match: exp smoothing gives 1/6
    scores = corpus_scores(["the cat sat on the mat"], ["the cat is on the mat"])
    assert scores["bleu1"] == pytest.approx(100 * 5 / 6)
    assert scores["bleu2"] == pytest.approx(100 * math.sqrt(5 / 6 * 3 / 5))
    assert scores["bleu3"] == pytest.approx(100 * (5 / 6 * 3 / 5 * 1 / 4) ** (1 / 3))
    assert scores["bleu4"] == pytest.approx(100 * (5 / 6 * 3 / 5 * 1 / 4 * 1 / 6) ** (1 / 4))
    assert scores["wer"] == pytest.approx(1 / 6)  # one substitution in six words


def test_brevity_penalty() -> None:
    scores = corpus_scores(["the cat"], ["the cat sat on the mat"])
    assert scores["bleu1"] == pytest.approx(100 * math.exp(1 - 6 / 2))
    assert scores["length_ratio"] == pytest.approx(2 / 6)


def test_corpus_wer_pools_edits_over_reference_words() -> None:
    # one edit in five reference words, although the mean sentence WER would be 0.5
    assert corpus_scores(["b", "a b c d"], ["a", "a b c d"])["wer"] == pytest.approx(1 / 5)
    # one substitution and one deletion
    assert corpus_scores(["a x c"], ["a b c d"])["wer"] == pytest.approx(2 / 4)


def test_lowercase_option() -> None:
    hypotheses, references = ["The Cat sat on the mat"], ["the cat sat on the mat"]
    cased = corpus_scores(hypotheses, references)
    lowered = corpus_scores(hypotheses, references, lowercase=True)
    assert cased["bleu4"] < 60.0
    assert lowered["bleu4"] == pytest.approx(100.0)
    assert lowered["chrf"] == pytest.approx(100.0)
    assert "case:lc" in lowered["bleu_signature"]
    assert lowered["wer"] == pytest.approx(2 / 6)  # raw WER stays case-sensitive


def test_tokenize_option() -> None:
    hypotheses, references = ["Hello, world!"], ["Hello , world !"]
    assert corpus_scores(hypotheses, references)["bleu4"] == pytest.approx(100.0)
    untokenized = corpus_scores(hypotheses, references, tokenize="none")
    assert untokenized["bleu1"] == 0.0
    assert "tok:none" in untokenized["bleu_signature"]
    with pytest.raises(ValueError, match="unknown tokenizer 'nonsense'"):
        corpus_scores(hypotheses, references, tokenize="nonsense")


def test_normalization() -> None:
    assert normalize_for_wer("  Hello, World!  It's  OK…\t") == "hello world it's ok"
    assert normalize_for_wer("well-known") == "wellknown"
    scores = corpus_scores(["Hello, world!"], ["hello world"])
    assert scores["wer"] == 1.0
    assert scores["wer_normalized"] == 0.0


def test_empty_strings() -> None:
    # an empty reference counts its hypothesis's words as insertions
    assert corpus_scores(["a b", "x y"], ["a b", ""])["wer"] == pytest.approx(2 / 2)
    # no reference words at all: jiwer reports the number of inserted words
    assert corpus_scores(["x y"], [""])["wer"] == 2.0
    empty_hypothesis = corpus_scores([""], ["a b"])
    assert empty_hypothesis["wer"] == 1.0
    assert empty_hypothesis["bleu4"] == 0.0
    both_empty = corpus_scores([""], [""])
    assert both_empty["wer"] == 0.0
    assert both_empty["rouge_l"] == 0.0


words = st.sampled_from(["the", "cat", "sat", "on", "a", "mat", "Mat", ".", "it's", "dog"])
sentences = st.lists(words, max_size=8).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(sentences, sentences), min_size=1, max_size=6))
def test_agrees_with_sacrebleu_and_jiwer(pairs: list[tuple[str, str]]) -> None:
    hypotheses, references = [h for h, _ in pairs], [r for _, r in pairs]
    scores = corpus_scores(hypotheses, references)
    for order in (1, 2, 3, 4):
        bleu = BLEU(max_ngram_order=order).corpus_score(hypotheses, [references]).score
        assert scores[f"bleu{order}"] == pytest.approx(bleu, abs=1e-9)
    assert scores["chrf"] == pytest.approx(CHRF().corpus_score(hypotheses, [references]).score)
    assert scores["wer"] == pytest.approx(jiwer.wer(references, hypotheses))


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="3 hypotheses but 2 references"):
        corpus_scores(["a", "b", "c"], ["a", "b"])
    with pytest.raises(ValueError, match="no sentences"):
        corpus_scores([], [])


def test_length_ratio() -> None:
    assert length_ratio(["a b", "c"], ["a b c d", "e f"]) == pytest.approx(3 / 6)
    assert length_ratio(["Hello, world!"], ["Hello world"]) == pytest.approx(4 / 2)


# ------------------------------------------------------------------------------ loop check


@pytest.mark.parametrize(
    ("sentence", "loops"),
    [
        ("no no no", True),
        ("Very, very, very good.", True),
        ("no no", False),
        ("a b a b a b", True),
        ("a b c a b c a b c", True),
        ("we go to the shop and we go to the park", True),
        ("we go to the shop and we go to a park", False),
        ("the cat sat on the mat", False),
        ("", False),
    ],
)
def test_repetition_loop(sentence: str, loops: bool) -> None:
    assert has_repetition_loop(sentence) is loops


def test_loop_share() -> None:
    assert loop_share(["no no no", "fine", "fine", "a b c d a b c d"]) == 0.5
    scores = corpus_scores(["no no no", "fine"], ["yes", "fine"])
    assert scores["loop_share"] == 0.5


# ------------------------------------------------------------------------------- bootstrap


def synthetic_test_set(size: int = 300, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    """References, a good system (mostly exact) and a bad one (shuffled words)."""
    rng = random.Random(seed)
    vocabulary = ["the", "a", "cat", "dog", "sat", "ran", "on", "under", "mat", "rug", "big"]
    references = [" ".join(rng.choices(vocabulary, k=rng.randint(4, 12))) for _ in range(size)]
    good = [ref if rng.random() < 0.7 else " ".join(ref.split()[:-2]) for ref in references]
    bad = [" ".join(rng.sample(ref.split(), k=len(ref.split()))) for ref in references]
    return references, good, bad


@pytest.mark.parametrize("metric", ["bleu4", "chrf", "wer"])
def test_bootstrap_interval(metric: str) -> None:
    references, _, bad = synthetic_test_set()
    interval = bootstrap_interval(bad, references, metric, n_samples=300, seed=1)
    assert interval.score == pytest.approx(corpus_scores(bad, references)[metric])
    assert interval.low < interval.score < interval.high
    assert bootstrap_interval(bad, references, metric, n_samples=300, seed=1) == interval
    assert bootstrap_interval(bad, references, metric, n_samples=300, seed=2) != interval
    narrow = bootstrap_interval(bad, references, metric, n_samples=300, seed=1, confidence=0.5)
    assert interval.low < narrow.low < narrow.high < interval.high


def test_bootstrap_rejects_bad_arguments() -> None:
    references, good, _ = synthetic_test_set(size=10)
    with pytest.raises(ValueError, match="unknown metric"):
        bootstrap_interval(good, references, "meteor")
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_interval(good, references, "bleu4", confidence=95)
    with pytest.raises(ValueError, match="10 hypotheses but 9 references"):
        bootstrap_interval(good, references[:9], "bleu4")


@pytest.mark.parametrize("metric", ["bleu4", "chrf", "wer"])
def test_paired_bootstrap(metric: str) -> None:
    references, good, bad = synthetic_test_set()
    better = paired_bootstrap(good, bad, references, metric, n_samples=300)
    assert better.p_value < 0.01
    assert (better.score_a > better.score_b) is (metric != "wer")
    assert paired_bootstrap(bad, good, references, metric, n_samples=300).p_value < 0.01
    assert paired_bootstrap(good, good, references, metric, n_samples=300).p_value == 1.0
    assert paired_bootstrap(good, bad, references, metric, n_samples=300) == better


def test_paired_bootstrap_finds_no_difference_between_equal_systems() -> None:
    # two systems that each get a different half of the sentences right
    references, good, bad = synthetic_test_set()
    half = len(references) // 2
    system_a = good[:half] + bad[half:]
    system_b = bad[:half] + good[half:]
    result = paired_bootstrap(system_a, system_b, references, "chrf", n_samples=300)
    assert result.p_value > 0.05


def test_every_metric_has_one_display_label() -> None:
    assert set(METRICS) <= set(LABELS)
    assert [LABELS[k] for k in ("bleu1", "bleu4", "chrf", "rouge_l", "wer")] == [
        "BLEU-1",
        "BLEU-4",
        "chrF",
        "ROUGE-L",
        "WER",
    ]
