"""The translator: keypoint encoder + Transformer encoder-decoder, every size from the config."""

from __future__ import annotations

import math

import torch
from torch import nn

from sign2text.config import Config, ModelConfig
from sign2text.text.tokenizer import PAD

# The translator's parts that read keypoints (what `pretrain` learns and `train --init` loads).
ENCODER_PARTS = ("keypoints", "source_positions", "encoder")


def sinusoids(length: int, dim: int, device: torch.device) -> torch.Tensor:
    """Sinusoidal position table: (length, dim)."""
    position = torch.arange(length, device=device, dtype=torch.float32)[:, None]
    rate = torch.exp(
        torch.arange(0, dim, 2, device=device, dtype=torch.float32) * (-math.log(10000.0) / dim)
    )
    table = torch.zeros(length, dim, device=device)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate[: dim // 2])
    return table


class Positions(nn.Module):
    """Position vectors added to a sequence: fixed sinusoids or a learned table."""

    def __init__(self, kind: str, length: int, dim: int) -> None:
        super().__init__()
        self.dim = dim
        self.table = nn.Embedding(length, dim) if kind == "learned" else None

    def forward(self, length: int, device: torch.device) -> torch.Tensor:
        """Positions 0 .. length - 1: (length, dim); beyond a learned table, its last row."""
        if self.table is None:
            return sinusoids(length, self.dim, device)
        steps = torch.arange(length, device=device).clamp(max=self.table.num_embeddings - 1)
        return self.table(steps)

    def extra_repr(self) -> str:
        return "learned" if self.table is not None else "sinusoidal"


class KeypointEncoder(nn.Module):
    """Per-frame projection of keypoint features, then optional temporal halvings."""

    def __init__(self, features: int, config: ModelConfig) -> None:
        super().__init__()
        d = config.d_model
        norm: list[nn.Module] = [nn.LayerNorm(d), nn.GELU()] if config.input_norm else [nn.ReLU()]
        self.project = nn.Sequential(nn.Linear(features, d), *norm, nn.Dropout(config.dropout))
        self.halvings = nn.ModuleList(
            nn.Conv1d(d, d, kernel_size=config.kernel, stride=2, padding=config.kernel // 2)
            for _ in range(config.downsample)
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (B, T, F), mask: (B, T) True for real frames -> (B, T', d), (B, T')."""
        h = self.project(x) * mask[..., None]  # (B, T, d)
        for conv in self.halvings:
            h = nn.functional.gelu(conv(h.transpose(1, 2))).transpose(1, 2)  # (B, ceil(T/2), d)
            mask = mask[:, ::2]
            h = h * mask[..., None]
        return h, mask


class Translator(nn.Module):
    """Keypoint sequence in, token logits out."""

    def __init__(
        self,
        config: ModelConfig,
        features: int,
        vocab_size: int,
        max_frames: int = 4096,
        max_tokens: int = 256,
        glosses: int = 0,
    ) -> None:
        super().__init__()
        self.config = config
        d = config.d_model
        self.keypoints = KeypointEncoder(features, config)
        steps = -(-max_frames // 2**config.downsample)  # encoder steps of the longest clip
        self.source_positions = Positions(config.positions, steps, d)
        self.target_positions = Positions(config.positions, max_tokens + 2, d)  # <s> ... </s>
        self.embed = nn.Embedding(vocab_size, d, padding_idx=PAD)
        self.dropout = nn.Dropout(config.dropout)

        def layer(kind: type[nn.Module]) -> nn.Module:
            return kind(
                d,
                config.heads,
                config.ff,
                config.dropout,
                activation="gelu",
                batch_first=True,
                norm_first=config.norm_first,
            )

        self.encoder = nn.TransformerEncoder(
            layer(nn.TransformerEncoderLayer),
            config.encoder_layers,
            norm=nn.LayerNorm(d) if config.norm_first else None,
            enable_nested_tensor=False,
        )
        self.decoder = nn.TransformerDecoder(
            layer(nn.TransformerDecoderLayer),
            config.decoder_layers,
            norm=nn.LayerNorm(d) if config.norm_first else None,
        )
        self.output = nn.Linear(d, vocab_size, bias=False)
        # Gloss recognition from the encoder (CTC: glosses + blank), when trained with glosses.
        self.recognition = nn.Linear(d, glosses) if glosses else None
        if config.tie_embeddings:
            self.output.weight = self.embed.weight
        nn.init.normal_(self.embed.weight, std=d**-0.5)
        with torch.no_grad():
            self.embed.weight[PAD].zero_()

    @property
    def features(self) -> int:
        """Model input features per frame."""
        return self.keypoints.project[0].in_features

    @property
    def glosses(self) -> int:
        """Classes of the recognition head (glosses + the CTC blank); 0 without one."""
        return self.recognition.out_features if self.recognition is not None else 0

    def encoder_state(self) -> dict[str, torch.Tensor]:
        """The weights of ENCODER_PARTS, named as in `state_dict`."""
        return {k: v for k, v in self.state_dict().items() if k.split(".", 1)[0] in ENCODER_PARTS}

    def encoder_parameters(self) -> list[nn.Parameter]:
        """The trainable parameters of ENCODER_PARTS."""
        return [p for part in ENCODER_PARTS for p in getattr(self, part).parameters()]

    @classmethod
    def build(cls, config: Config, features: int, vocab_size: int, glosses: int = 0) -> Translator:
        """The translator `config` describes, its position tables as long as its data needs;
        with a recognition head of `glosses` classes when that is not 0."""
        return cls(
            config.model,
            features,
            vocab_size,
            config.data.max_frames,
            config.text.max_tokens,
            glosses,
        )

    def encode(
        self, features: torch.Tensor, frame_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """features: (B, T, F) -> memory (B, T', d) and its padding mask (B, T'), True = pad."""
        h, mask = self.keypoints(features, frame_mask)
        h = self.dropout(h + self.source_positions(h.shape[1], h.device))
        padding = ~mask
        return self.encoder(h, src_key_padding_mask=padding), padding

    def recognise(self, memory: torch.Tensor) -> torch.Tensor:
        """memory (B, S, d) -> gloss log-probabilities (B, S, G), blank included."""
        assert self.recognition is not None, "the model has no recognition head"
        return self.recognition(memory).float().log_softmax(dim=-1)

    def decode(
        self, memory: torch.Tensor, memory_padding: torch.Tensor, tokens: torch.Tensor
    ) -> torch.Tensor:
        """tokens: (B, L) -> logits (B, L, V), each position seeing only earlier tokens."""
        length = tokens.shape[1]
        h = self.embed(tokens) * math.sqrt(self.config.d_model)
        h = self.dropout(h + self.target_positions(length, h.device))
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool, device=h.device), 1)
        h = self.decoder(
            h,
            memory,
            tgt_mask=causal,
            tgt_key_padding_mask=tokens == PAD,
            memory_key_padding_mask=memory_padding,
            tgt_is_causal=True,
        )
        return self.output(h)

    def forward(
        self, features: torch.Tensor, frame_mask: torch.Tensor, tokens: torch.Tensor
    ) -> torch.Tensor:
        memory, padding = self.encode(features, frame_mask)
        return self.decode(memory, padding, tokens)


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters, each shared tensor counted once."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
