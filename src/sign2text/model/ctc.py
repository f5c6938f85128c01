"""CTC for the recognition head: the loss of gloss targets, and greedy and beam decoding.

Joint sign-language recognition and translation (Camgoz et al., CVPR 2020) supervises the
keypoint encoder with a CTC loss on gloss sequences beside the translation loss; a CTC output
is a gloss or the blank at every encoder step, and a gloss sequence is what remains after
merging repeats and removing blanks (Graves et al., ICML 2006).
"""

from __future__ import annotations

import math
from collections import defaultdict

import torch

from sign2text.text.glosses import BLANK


def ctc_loss_sum(
    log_probs: torch.Tensor, steps: torch.Tensor, targets: torch.Tensor
) -> torch.Tensor:
    """Summed CTC negative log-likelihood of a batch.

    log_probs: (B, S, G) log-softmax over glosses + blank; steps: (B,) real encoder steps;
    targets: (B, N) gloss ids padded with 0 (the blank is never a target). Clips without a
    target and impossible alignments (more glosses than steps) add nothing.
    """
    lengths = (targets != BLANK).sum(dim=1)  # (B,)
    loss = torch.nn.functional.ctc_loss(
        log_probs.transpose(0, 1).float(),  # (S, B, G): what torch's CTC expects
        targets,
        steps,
        lengths,
        blank=BLANK,
        reduction="none",
        zero_infinity=True,
    )  # (B,)
    return loss[lengths > 0].sum()


def collapse(path: list[int]) -> list[int]:
    """A CTC path to its gloss ids: repeats merged, blanks removed."""
    out: list[int] = []
    previous = BLANK
    for label in path:
        if label != previous and label != BLANK:
            out.append(label)
        previous = label
    return out


def greedy(log_probs: torch.Tensor, steps: torch.Tensor) -> list[list[int]]:
    """The best label at every step, collapsed: (B, S, G), (B,) -> ids per clip."""
    best = log_probs.argmax(dim=-1).tolist()  # (B, S)
    return [collapse(row[:length]) for row, length in zip(best, steps.tolist(), strict=True)]


def _add(a: float, b: float) -> float:
    """log(exp(a) + exp(b))."""
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def _step(
    beams: dict[tuple[int, ...], tuple[float, float]], scores: list[float], glosses: list[int]
) -> dict[tuple[int, ...], tuple[float, float]]:
    """One step of prefix beam search: every prefix kept (a blank) or extended by `glosses`.

    A prefix's score is split into paths ending in the blank and paths ending in its last
    gloss, so that a repeated gloss extends it only after a blank.
    """
    nxt: dict[tuple[int, ...], tuple[float, float]] = defaultdict(lambda: (-math.inf, -math.inf))
    for prefix, (blank, label) in beams.items():
        total = _add(blank, label)
        b, n = nxt[prefix]
        nxt[prefix] = (_add(b, total + scores[BLANK]), n)  # a blank: the prefix stays
        last = prefix[-1:]  # staying on the last gloss is always counted
        for gloss in glosses if not last or last[0] in glosses else [*glosses, last[0]]:
            score = scores[gloss]
            extended = (*prefix, gloss)
            b, n = nxt[extended]
            if prefix and prefix[-1] == gloss:
                nxt[extended] = (b, _add(n, blank + score))  # a repeat needs a blank between
                b, n = nxt[prefix]
                nxt[prefix] = (b, _add(n, label + score))  # or merges into the prefix
            else:
                nxt[extended] = (b, _add(n, total + score))
    return nxt


def beam(log_probs: torch.Tensor, steps: int, width: int) -> list[int]:
    """Prefix beam search over one clip's (S, G) log-probabilities: the most probable gloss
    sequence summed over all its paths, keeping `width` prefixes per step."""
    rows = log_probs[:steps].float().tolist()
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (0.0, -math.inf)}
    for scores in rows:
        ranked_glosses = sorted(range(1, len(scores)), key=scores.__getitem__, reverse=True)
        grown = _step(beams, scores, ranked_glosses[:width])  # the step's `width` best glosses
        ranked = sorted(grown.items(), key=lambda kv: _add(*kv[1]), reverse=True)
        beams = dict(ranked[:width])
    return list(max(beams.items(), key=lambda kv: _add(*kv[1]))[0])


def decode(log_probs: torch.Tensor, steps: torch.Tensor, width: int) -> list[list[int]]:
    """Gloss ids per clip: greedy for `width` 1, prefix beam search otherwise."""
    if width <= 1:
        return greedy(log_probs, steps)
    return [beam(row, int(n), width) for row, n in zip(log_probs, steps.tolist(), strict=True)]
