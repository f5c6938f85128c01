"""The translator's decoder one token at a time, reusing what earlier steps computed.

Decoding with `Translator.decode` recomputes every earlier position through every layer at
each step. Here each step runs only the newest position: its self-attention reads the cached
inputs of the earlier positions (after each layer's first norm: what that layer's keys and
values are computed from), which gives the same result, since with the causal mask an
earlier position never sees a later one; its cross-attention reads the memory's keys and
values, projected once per decoding. Mirrors `nn.TransformerDecoderLayer` in evaluation mode
(no dropout), with the norms before (`norm_first`) or after each block.
"""

from __future__ import annotations

import math
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from sign2text.model.text_model import CachedSteps, PretrainedTranslator
from sign2text.model.translator import Translator


class Stepper(Protocol):
    """Next-token logits for a batch of growing hypotheses."""

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: (N, L) hypotheses so far, <s> first -> logits of their next token (N, V)."""
        ...

    def reorder(self, rows: torch.Tensor) -> None:
        """Keep rows `rows` (N,) of the state, in this order: beam search picks its beams.
        Rows move only among rows with the same memory (the beams of one clip), so the
        memory's own rows never need reordering."""
        ...


class FullPrefix:
    """Any model with `decode(memory, padding, tokens)`: the whole prefix at every step."""

    def __init__(self, model: torch.nn.Module, memory: torch.Tensor, padding: torch.Tensor):
        self.model, self.memory, self.padding = model, memory, padding

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.model.decode(self.memory, self.padding, tokens)[:, -1]

    def reorder(self, rows: torch.Tensor) -> None:
        """Nothing to reorder: the prefix comes with every step."""


class _MemoryAttention:
    """One layer's cross-attention with the memory's keys and values projected once: they
    are the same at every step (`nn.MultiheadAttention` would project them again each time)."""

    def __init__(
        self, attention: nn.MultiheadAttention, memory: torch.Tensor, padding: torch.Tensor
    ) -> None:
        self.heads = attention.num_heads
        d = attention.embed_dim
        w_q, w_k, w_v = attention.in_proj_weight.split(d)
        b_q, b_k, b_v = attention.in_proj_bias.split(d)
        self.query, self.out = (w_q, b_q), attention.out_proj
        self.keys = self._heads(F.linear(memory, w_k, b_k))  # (N, H, S, d/H)
        self.values = self._heads(F.linear(memory, w_v, b_v))
        self.allowed = ~padding[:, None, None, :]  # (N, 1, 1, S): True = attend

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        n, length, d = x.shape
        return x.view(n, length, self.heads, d // self.heads).transpose(1, 2)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """x: (N, 1, d) -> (N, 1, d)."""
        q = self._heads(F.linear(x, *self.query))
        out = F.scaled_dot_product_attention(q, self.keys, self.values, attn_mask=self.allowed)
        return self.out(out.transpose(1, 2).reshape(x.shape))


def _feed_forward(layer: nn.TransformerDecoderLayer, x: torch.Tensor) -> torch.Tensor:
    return layer.linear2(layer.activation(layer.linear1(x)))


class Incremental:
    """A `Translator`'s decoder with a per-layer cache of earlier positions."""

    def __init__(self, model: Translator, memory: torch.Tensor, padding: torch.Tensor):
        self.model = model
        self.cross = [
            _MemoryAttention(layer.multihead_attn, memory, padding)
            for layer in model.decoder.layers
        ]
        self.cache: list[torch.Tensor] = []  # per layer: (N, t, d) normed inputs so far

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        model, d = self.model, self.model.config.d_model
        length = self.cache[0].shape[1] if self.cache else 0  # positions already run
        if tokens.shape[1] != length + 1:
            raise ValueError(f"expected {length + 1} tokens per row, got {tokens.shape[1]}")
        position = model.target_positions(length + 1, tokens.device)[length]
        h = model.embed(tokens[:, -1:]) * math.sqrt(d) + position  # (N, 1, d)
        cache = []
        for i, layer in enumerate(model.decoder.layers):
            x = layer.norm1(h) if layer.norm_first else h  # what keys and values come from
            seen = torch.cat([self.cache[i], x], dim=1) if self.cache else x
            cache.append(seen)
            if layer.norm_first:
                h = h + layer.self_attn(x, seen, seen, need_weights=False)[0]
                h = h + self.cross[i](layer.norm2(h))
                h = h + _feed_forward(layer, layer.norm3(h))
            else:
                h = layer.norm1(h + layer.self_attn(x, seen, seen, need_weights=False)[0])
                h = layer.norm2(h + self.cross[i](h))
                h = layer.norm3(h + _feed_forward(layer, h))
        if model.decoder.norm is not None:
            h = model.decoder.norm(h)
        self.cache = cache
        return model.output(h[:, 0])

    def reorder(self, rows: torch.Tensor) -> None:
        self.cache = [c[rows] for c in self.cache]  # the memory's rows stay: see `Stepper`


def stepper(model: torch.nn.Module, memory: torch.Tensor, padding: torch.Tensor) -> Stepper:
    """The fastest exact way to step `model`'s decoder."""
    if isinstance(model, Translator) and not model.training:
        return Incremental(model, memory, padding)
    if isinstance(model, PretrainedTranslator) and not model.training:
        return CachedSteps(model, memory, padding)  # the text model's own key/value cache
    return FullPrefix(model, memory, padding)
