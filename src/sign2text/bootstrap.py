"""Bootstrap resampling of a test set: a score's confidence interval, and the paired test of
two systems (Koehn, 2004); both from the per-sentence statistics of `metrics`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from sign2text.metrics import HIGHER_IS_BETTER, TextOptions, sentence_statistics


class BootstrapInterval(NamedTuple):
    """A corpus score with its bootstrap percentile interval."""

    score: float
    low: float
    high: float


class PairedBootstrap(NamedTuple):
    """Paired bootstrap comparison of two systems on one test set."""

    p_value: float  # share of resamples in which the better-scoring system does not win
    score_a: float
    score_b: float


def _resample_draws(sentences: int, n_samples: int, seed: int) -> np.ndarray:
    """How often each of `n_samples` resamples draws each sentence: (n_samples, sentences).

    A resample draws as many sentences as there are, with replacement: one multinomial draw.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(sentences, np.full(sentences, 1.0 / sentences), size=n_samples)
    return draws.astype(float)


def bootstrap_interval(
    hypotheses: Sequence[str],
    references: Sequence[str],
    metric: str,
    n_samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    *,
    tokenize: str = "13a",
    lowercase: bool = False,
) -> BootstrapInterval:
    """Corpus `metric` (a name from `METRICS`) with a percentile bootstrap interval.

    The interval holds the central `confidence` share of the scores of `n_samples` resamples
    of the test sentences. The same `seed` gives the same interval.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    options = TextOptions(tokenize=tokenize, lowercase=lowercase)
    statistic = sentence_statistics(hypotheses, references, [metric], options)[metric]
    scores = statistic.resampled_scores(_resample_draws(len(references), n_samples, seed))
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(scores, [tail, 1.0 - tail])
    return BootstrapInterval(statistic.corpus_score(), float(low), float(high))


def paired_bootstrap(
    hyps_a: Sequence[str],
    hyps_b: Sequence[str],
    references: Sequence[str],
    metric: str,
    n_samples: int = 1000,
    seed: int = 0,
    *,
    tokenize: str = "13a",
    lowercase: bool = False,
) -> PairedBootstrap:
    """Paired bootstrap test (Koehn, 2004) of systems A and B on the same test set.

    `metric` is a name from `HIGHER_IS_BETTER`. Both systems are scored on the same
    `n_samples` resamples of the sentences. The p-value is the share of resamples in which the
    system with the better full-test-set score does not score strictly better; it is 1 when
    the full-test-set scores tie.
    """
    if metric not in HIGHER_IS_BETTER:
        raise ValueError(f"cannot rank systems by {metric!r}; use one of {list(HIGHER_IS_BETTER)}")
    if len(hyps_a) != len(hyps_b):
        raise ValueError(
            f"system A has {len(hyps_a)} hypotheses but system B has {len(hyps_b)}; "
            "score both on the same test set"
        )
    options = TextOptions(tokenize=tokenize, lowercase=lowercase)
    stats_a = sentence_statistics(hyps_a, references, [metric], options)[metric]
    stats_b = sentence_statistics(hyps_b, references, [metric], options)[metric]
    draws = _resample_draws(len(references), n_samples, seed)
    direction = 1.0 if HIGHER_IS_BETTER[metric] else -1.0
    score_a, score_b = stats_a.corpus_score(), stats_b.corpus_score()
    better = np.sign(direction * (score_a - score_b))  # +1: A is better, -1: B, 0: a tie
    margins = direction * (stats_a.resampled_scores(draws) - stats_b.resampled_scores(draws))
    p_value = float(np.mean(better * margins <= 0.0))
    return PairedBootstrap(p_value, score_a, score_b)
