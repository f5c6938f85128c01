"""Decoding: greedy and batched beam search over the translator's decoder."""

from __future__ import annotations

import torch

from sign2text.config import DecodeConfig
from sign2text.model.incremental import Stepper, stepper
from sign2text.model.translator import Translator
from sign2text.text.tokenizer import BOS, EOS, PAD


def length_limits(memory_padding: torch.Tensor, options: DecodeConfig, cap: int) -> torch.Tensor:
    """Most tokens each clip may produce: `max_len_ratio` x encoder length + `max_len_extra`,
    at most `cap`. (B,)"""
    lengths = (~memory_padding).sum(dim=1)
    limits = (lengths.float() * options.max_len_ratio).long()
    return limits.add(options.max_len_extra).clamp(max=cap)


def _next_log_probs(decoder: Stepper, tokens: torch.Tensor) -> torch.Tensor:
    """Log-probabilities of the next token after `tokens` (N, L): (N, V); never <pad>/<s>."""
    logits = decoder.step(tokens).float()  # (N, V)
    logits[:, PAD] = -torch.inf
    logits[:, BOS] = -torch.inf
    return torch.log_softmax(logits, dim=-1)


def _ban_repeats(log_probs: torch.Tensor, tokens: torch.Tensor, n: int) -> None:
    """Forbid, in place, any next token that would repeat an n-gram already in `tokens`."""
    if n <= 0 or tokens.shape[1] < n:
        return
    history = tokens[:, 1:].tolist()  # without <s>
    for row, ids in enumerate(history):
        if len(ids) < n - 1:
            continue
        prefix = tuple(ids[len(ids) - n + 1 :]) if n > 1 else ()
        banned = [
            ids[i + n - 1] for i in range(len(ids) - n + 1) if tuple(ids[i : i + n - 1]) == prefix
        ]
        if banned:
            log_probs[row, banned] = -torch.inf


def _strip(ids: list[int]) -> list[int]:
    """Ids up to the first </s> or padding."""
    out = []
    for i in ids:
        if i in (EOS, PAD):
            break
        out.append(i)
    return out


@torch.no_grad()
def greedy(
    model: Translator,
    memory: torch.Tensor,
    memory_padding: torch.Tensor,
    limits: torch.Tensor,
    no_repeat_ngram: int = 0,
) -> list[list[int]]:
    """Most likely next token at every step, for a whole batch at once.

    memory: (B, S, d), memory_padding: (B, S), limits: (B,) -> token ids without <s>/</s>.
    """
    batch = memory.shape[0]
    tokens = torch.full((batch, 1), BOS, dtype=torch.long, device=memory.device)  # (B, 1)
    finished = torch.zeros(batch, dtype=torch.bool, device=memory.device)
    decoder = stepper(model, memory, memory_padding)
    for step in range(int(limits.max())):
        log_probs = _next_log_probs(decoder, tokens)  # (B, V)
        _ban_repeats(log_probs, tokens, no_repeat_ngram)
        next_token = log_probs.argmax(dim=-1)  # (B,)
        next_token = torch.where(finished, PAD, next_token)
        tokens = torch.cat([tokens, next_token[:, None]], dim=1)
        finished |= (next_token == EOS) | (step + 1 >= limits)
        if finished.all():
            break
    return [_strip(row) for row in tokens[:, 1:].tolist()]


def _penalised(score: float, length: int, alpha: float) -> float:
    """GNMT length normalisation: score / ((5 + length) / 6) ** alpha."""
    return score / (((5.0 + length) / 6.0) ** alpha)


@torch.no_grad()
def beam_search(
    model: Translator,
    memory: torch.Tensor,
    memory_padding: torch.Tensor,
    limits: torch.Tensor,
    options: DecodeConfig,
) -> list[list[int]]:
    """The best hypothesis per clip among `beam_size` kept at every step, batched.

    A hypothesis ends when it emits </s> or reaches its clip's limit; a clip is done when
    `beam_size` hypotheses have ended. Ended hypotheses are ranked by length-penalised
    log-probability. With beam_size 1 this finds what `greedy` finds, more slowly.
    """
    k, batch = options.beam_size, memory.shape[0]
    memory = memory.repeat_interleave(k, dim=0)  # (B*K, S, d)
    memory_padding = memory_padding.repeat_interleave(k, dim=0)
    tokens = torch.full((batch * k, 1), BOS, dtype=torch.long, device=memory.device)
    scores = torch.full((batch, k), -torch.inf, device=memory.device)
    scores[:, 0] = 0.0  # all beams start identical: keep one
    ended: list[list[tuple[float, list[int]]]] = [[] for _ in range(batch)]
    done = [False] * batch
    limit = limits.tolist()
    decoder = stepper(model, memory, memory_padding)

    for step in range(int(limits.max())):
        log_probs = _next_log_probs(decoder, tokens)  # (B*K, V)
        _ban_repeats(log_probs, tokens, options.no_repeat_ngram)
        vocab = log_probs.shape[1]
        candidates = (scores.view(-1, 1) + log_probs).view(batch, k * vocab)
        top_scores, top_ids = candidates.topk(2 * k, dim=1)  # (B, 2K)
        beams, words = top_ids // vocab, top_ids % vocab
        keep_rows, keep_words, keep_scores = [], [], []
        for b in range(batch):
            kept: list[tuple[int, int, float]] = []
            for score, beam, word in zip(
                top_scores[b].tolist(), beams[b].tolist(), words[b].tolist(), strict=True
            ):
                if done[b] or score == -torch.inf or len(kept) == k:
                    break
                row = b * k + beam
                last = step + 1 >= limit[b]
                if word == EOS or last:
                    ids = tokens[row, 1:].tolist() + ([] if word == EOS else [word])
                    ended[b].append((_penalised(score, len(ids) + 1, options.length_penalty), ids))
                    if len(ended[b]) >= k:
                        done[b] = True
                else:
                    kept.append((row, word, score))
            while len(kept) < k:  # finished clips keep dead placeholder beams
                kept.append((b * k, PAD, -torch.inf))
            for row, word, score in kept:
                keep_rows.append(row)
                keep_words.append(word)
                keep_scores.append(score)
        if all(done):
            break
        rows = torch.tensor(keep_rows, device=tokens.device)
        decoder.reorder(rows)
        tokens = torch.cat(
            [tokens[rows], torch.tensor(keep_words, device=tokens.device)[:, None]], dim=1
        )
        scores = torch.tensor(keep_scores, device=scores.device).view(batch, k)
    return [_strip(max(hyps, key=lambda h: h[0])[1]) if hyps else [] for hyps in ended]


def search(
    model: Translator,
    memory: torch.Tensor,
    memory_padding: torch.Tensor,
    limits: torch.Tensor,
    options: DecodeConfig,
) -> list[list[int]]:
    """Greedy (beam size 1) or beam search, as `options` say."""
    if options.beam_size <= 1:
        return greedy(model, memory, memory_padding, limits, options.no_repeat_ngram)
    return beam_search(model, memory, memory_padding, limits, options)
