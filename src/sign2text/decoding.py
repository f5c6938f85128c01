"""Decoding: turning encoder memory into token sequences."""

from __future__ import annotations

import torch

from sign2text.model import Translator
from sign2text.tokenizer import BOS, EOS, PAD


def length_limits(memory_padding: torch.Tensor, ratio: float, extra: int, cap: int) -> torch.Tensor:
    """Most tokens each clip may produce: ratio x encoder length + extra, at most `cap`. (B,)"""
    lengths = (~memory_padding).sum(dim=1)
    return (lengths.float() * ratio).long().add(extra).clamp(max=cap)


@torch.no_grad()
def greedy(
    model: Translator, memory: torch.Tensor, memory_padding: torch.Tensor, limits: torch.Tensor
) -> list[list[int]]:
    """Most likely next token at every step, for a whole batch at once.

    memory: (B, S, d), memory_padding: (B, S), limits: (B,) -> token ids without <s>/</s>.
    """
    batch = memory.shape[0]
    tokens = torch.full((batch, 1), BOS, dtype=torch.long, device=memory.device)  # (B, 1)
    finished = torch.zeros(batch, dtype=torch.bool, device=memory.device)
    for step in range(int(limits.max())):
        logits = model.decode(memory, memory_padding, tokens)[:, -1]  # (B, V)
        logits[:, PAD] = -torch.inf
        logits[:, BOS] = -torch.inf
        next_token = logits.argmax(dim=-1)  # (B,)
        next_token = torch.where(finished | (step >= limits), PAD, next_token)
        tokens = torch.cat([tokens, next_token[:, None]], dim=1)
        finished |= (next_token == EOS) | (step + 1 >= limits)
        if finished.all():
            break
    return [_strip(row) for row in tokens[:, 1:].tolist()]


def _strip(ids: list[int]) -> list[int]:
    """Ids up to the first </s> or padding."""
    out = []
    for i in ids:
        if i in (EOS, PAD):
            break
        out.append(i)
    return out
