"""The translator's decoder one token at a time, reusing what earlier steps computed.

Decoding with `Translator.decode` recomputes every earlier position through every layer at
each step. Here each step runs only the newest position: its self-attention reads the cached
inputs of the earlier positions (after each layer's first norm: what that layer's keys and
values are computed from), which gives the same result, since with the causal mask an
earlier position never sees a later one. Mirrors `nn.TransformerDecoderLayer` with
`norm_first=True` in evaluation mode (no dropout).
"""

from __future__ import annotations

import math
from typing import Protocol

import torch

from sign2text.model import Translator, sinusoids


class Stepper(Protocol):
    """Next-token logits for a batch of growing hypotheses."""

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: (N, L) hypotheses so far, <s> first -> logits of their next token (N, V)."""
        ...

    def reorder(self, rows: torch.Tensor) -> None:
        """Keep rows `rows` (N,) of the state, in this order: beam search picks its beams."""
        ...


class FullPrefix:
    """Any model with `decode(memory, padding, tokens)`: the whole prefix at every step."""

    def __init__(self, model: torch.nn.Module, memory: torch.Tensor, padding: torch.Tensor):
        self.model, self.memory, self.padding = model, memory, padding

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.model.decode(self.memory, self.padding, tokens)[:, -1]

    def reorder(self, rows: torch.Tensor) -> None:
        """Memory rows of one clip are identical; beams never move between clips."""


class Incremental:
    """A `Translator`'s decoder with a per-layer cache of earlier positions."""

    def __init__(self, model: Translator, memory: torch.Tensor, padding: torch.Tensor):
        self.model, self.memory, self.padding = model, memory, padding
        self.cache: list[torch.Tensor] = []  # per layer: (N, t, d) normed inputs so far
        self.length = 0

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        model, d = self.model, self.model.config.d_model
        if tokens.shape[1] != self.length + 1:
            raise ValueError(f"expected {self.length + 1} tokens per row, got {tokens.shape[1]}")
        position = sinusoids(self.length + 1, d, tokens.device)[self.length]
        h = model.embed(tokens[:, -1:]) * math.sqrt(d) + position  # (N, 1, d)
        for i, layer in enumerate(model.decoder.layers):
            x = layer.norm1(h)
            seen = x if self.length == 0 else torch.cat([self.cache[i], x], dim=1)
            if self.length == 0:
                self.cache.append(seen)
            else:
                self.cache[i] = seen
            h = h + layer.self_attn(x, seen, seen, need_weights=False)[0]
            x = layer.norm2(h)
            h = (
                h
                + layer.multihead_attn(
                    x, self.memory, self.memory, key_padding_mask=self.padding, need_weights=False
                )[0]
            )
            h = h + layer.linear2(layer.activation(layer.linear1(layer.norm3(h))))
        if model.decoder.norm is not None:
            h = model.decoder.norm(h)
        self.length += 1
        return model.output(h[:, 0])

    def reorder(self, rows: torch.Tensor) -> None:
        self.cache = [c[rows] for c in self.cache]


def stepper(model: torch.nn.Module, memory: torch.Tensor, padding: torch.Tensor) -> Stepper:
    """The fastest exact way to step `model`'s decoder."""
    if isinstance(model, Translator) and not model.training:
        return Incremental(model, memory, padding)
    return FullPrefix(model, memory, padding)
