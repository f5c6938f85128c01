"""A pretrained text model (T5, mT5, ByT5, BART, mBART: Hugging Face `transformers`) behind
our keypoint encoder: `model.text_model: NAME_OR_FOLDER`.

Design: keypoint frames, after our normalisation (`sign2text.data.features.model_input`) and
our `KeypointEncoder` (a projection to the text model's width, then the temporal halvings),
are the text model's *encoder input embeddings* (`inputs_embeds`), in place of the embedded
tokens of a sentence; its encoder and decoder then run unchanged, the decoder generating
text with its own vocabulary. This is what YouTube-ASL (T5.1.1) and Uni-Sign (mT5) do, and it
fine-tunes every pretrained layer on signing. The alternative, our own Transformer encoder
with the pretrained decoder cross-attending to it, would train the decoder's cross-attention
from scratch against an encoder it was never paired with, and throw away the pretrained
encoder; it is not offered. T5's relative position biases (BART's learned positions, added to
`inputs_embeds` inside its encoder) place the frames in time, so no positions are added here.

The model's own tokenizer replaces ours (`sign2text.text.pretrained`; our ids are its ids
reordered so that <pad>, <s>, </s>, <unk> are 0-3, mapped here on the way in and out), so
training, the loss, the CTC head on the encoder output and our one search (`decoding.search`,
greedy or beam, stepped with the model's key/value cache: `CachedSteps`) are shared with our
own Transformer. A checkpoint holds the text model's weights in its state dict, its config as
JSON and its tokenizer files as bytes: it loads with `torch.load(weights_only=True)` and
translates with no network.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from sign2text.config import Config, ConfigError, ModelConfig
from sign2text.model.translator import KeypointEncoder
from sign2text.text.pretrained import PretrainedTokenizer

log = logging.getLogger(__name__)

EXTRA = "pip install 'sign2text[text]'"  # the optional extra that installs transformers


def library() -> Any:
    """The `transformers` package, or a one-line error saying how to install it."""
    try:
        import transformers
    except ImportError as error:
        raise ConfigError(
            f"model.text_model needs Hugging Face transformers, which is not installed: {EXTRA}"
        ) from error
    return transformers


def _missing(name: str, error: Exception) -> ConfigError:
    """The one line a text model that cannot be found or downloaded gets."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return ConfigError(
        f"model.text_model {name!r} is neither a local folder nor in the Hugging Face cache, "
        f"and could not be downloaded ({reason}): on a machine with internet access run "
        f"`hf download {name}` and copy its HF_HOME cache here (or point HF_HOME at it), or "
        "`save_pretrained` the model and its tokenizer to a folder and set model.text_model "
        "to that folder"
    )


@contextlib.contextmanager
def _quiet_hub() -> Iterator[None]:
    """Without the hub's retry warnings and the weight-loading progress bar."""
    hub = logging.getLogger("huggingface_hub")
    transformers = library()
    level, bars = hub.level, transformers.utils.logging.is_progress_bar_enabled()
    hub.setLevel(logging.ERROR)
    transformers.utils.logging.disable_progress_bar()
    try:
        yield
    finally:
        hub.setLevel(level)
        if bars:
            transformers.utils.logging.enable_progress_bar()


def _from_pretrained(loader: Any, name: str) -> Any:
    """`loader.from_pretrained(name)`: from a folder or the local cache first, then the hub;
    a failure is one line (`_missing`)."""
    with _quiet_hub():
        try:
            return loader.from_pretrained(name, local_files_only=True)
        except (OSError, ValueError):
            pass
        try:
            return loader.from_pretrained(name)
        except (OSError, ValueError) as error:  # not found, no network, not a valid name
            raise _missing(name, error) from error


def load_tokenizer(name: str) -> PretrainedTokenizer:
    """The tokenizer of text model `name`, speaking our ids."""
    transformers = library()
    tokenizer = _from_pretrained(transformers.AutoTokenizer, name)
    model_config = _from_pretrained(transformers.AutoConfig, name)
    return PretrainedTokenizer.of(tokenizer, model_config)


class PretrainedTranslator(nn.Module):
    """Keypoint sequence in, token logits out: `KeypointEncoder` -> a pretrained
    encoder-decoder's `inputs_embeds`. The same interface as `Translator`."""

    def __init__(
        self,
        config: ModelConfig,
        features: int,
        text: nn.Module,
        to_hf: list[int],
        glosses: int = 0,
    ) -> None:
        super().__init__()
        self.config = config
        d = text.config.d_model
        self.keypoints = KeypointEncoder(features, replace(config, d_model=d))
        self.text = text.train()  # `from_pretrained` hands it over in evaluation mode
        self.register_buffer("to_hf", torch.tensor(to_hf, dtype=torch.long))  # (V,) our -> its
        self.recognition = nn.Linear(d, glosses) if glosses else None
        if config.gradient_checkpointing:
            text.gradient_checkpointing_enable()

    @property
    def features(self) -> int:
        """Model input features per frame."""
        return self.keypoints.project[0].in_features

    @property
    def glosses(self) -> int:
        """Classes of the recognition head (glosses + the CTC blank); 0 without one."""
        return self.recognition.out_features if self.recognition is not None else 0

    def encode(
        self, features: torch.Tensor, frame_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """features: (B, T, F) -> memory (B, T', d) and its padding mask (B, T'), True = pad."""
        h, mask = self.keypoints(features, frame_mask)  # (B, T', d), (B, T')
        out = self.text.get_encoder()(inputs_embeds=h, attention_mask=mask.long())
        return out.last_hidden_state, ~mask

    def recognise(self, memory: torch.Tensor) -> torch.Tensor:
        """memory (B, S, d) -> gloss log-probabilities (B, S, G), blank included."""
        assert self.recognition is not None, "the model has no recognition head"
        return self.recognition(memory).float().log_softmax(dim=-1)

    def run_decoder(
        self,
        memory: torch.Tensor,
        memory_padding: torch.Tensor,
        tokens: torch.Tensor,
        cache: Any = None,
    ) -> tuple[torch.Tensor, Any]:
        """tokens: (B, L) our ids -> logits over our ids (B, L, V) and the key/value cache
        (given `cache`, the tokens after those it holds; None: training, no cache)."""
        transformers = library()
        out = self.text(
            encoder_outputs=transformers.modeling_outputs.BaseModelOutput(last_hidden_state=memory),
            attention_mask=(~memory_padding).long(),
            decoder_input_ids=self.to_hf[tokens],
            cache=cache,
            use_cache=cache is not None,
        )
        return out.logits.index_select(-1, self.to_hf), out.cache  # (B, L, V)

    def decode(
        self, memory: torch.Tensor, memory_padding: torch.Tensor, tokens: torch.Tensor
    ) -> torch.Tensor:
        """tokens: (B, L) -> logits (B, L, V), each position seeing only earlier tokens."""
        return self.run_decoder(memory, memory_padding, tokens)[0]

    def forward(
        self, features: torch.Tensor, frame_mask: torch.Tensor, tokens: torch.Tensor
    ) -> torch.Tensor:
        memory, padding = self.encode(features, frame_mask)
        return self.decode(memory, padding, tokens)

    def frozen(self, epoch: int) -> list[nn.Parameter]:
        """The text model's parameters that do not learn in `epoch` (0-based): all of them in
        the first `model.freeze_text_model_epochs`, else its embeddings when
        `model.freeze_text_embeddings`."""
        if epoch < self.config.freeze_text_model_epochs:
            return list(self.text.parameters())
        if self.config.freeze_text_embeddings:
            return list(self.text.get_input_embeddings().parameters())
        return []

    def provenance(self) -> dict[str, Any]:
        """Which text model this started from: name or folder, hub revision, library version."""
        config = self.text.config
        return {
            "name_or_path": str(config._name_or_path),
            "revision": str(getattr(config, "_commit_hash", None) or ""),  # "" for a folder
            "transformers": library().__version__,
            "model_type": str(config.model_type),
        }

    def describe(self) -> str:
        """The text model, its parameters and their size, for the log."""
        parameters = sum(p.numel() for p in self.text.parameters())
        megabytes = sum(p.numel() * p.element_size() for p in self.text.parameters()) / 1e6
        origin = self.provenance()
        revision = f" at revision {origin['revision'][:12]}" if origin["revision"] else ""
        return (
            f"text model {origin['name_or_path']}{revision} ({origin['model_type']}, "
            f"transformers {origin['transformers']}): {parameters:,} parameters, "
            f"{megabytes:,.1f} MB of weights"
        )

    def saved(self) -> dict[str, Any]:
        """What a checkpoint keeps to rebuild the text model offline (plain values)."""
        return {**self.provenance(), "config": self.text.config.to_json_string()}


def from_pretrained(
    config: Config, features: int, tokenizer: PretrainedTokenizer, glosses: int = 0
) -> PretrainedTranslator:
    """A fresh model on the pretrained weights `model.text_model` names."""
    transformers = library()
    name = config.model.text_model
    text = _from_pretrained(transformers.AutoModelForSeq2SeqLM, name)
    return PretrainedTranslator(config.model, features, text, tokenizer.to_hf, glosses)


def from_saved(
    config: Config,
    features: int,
    tokenizer: PretrainedTokenizer,
    saved: dict[str, Any],
    glosses: int = 0,
) -> PretrainedTranslator:
    """The model of a checkpoint, built offline from its saved text-model config (its
    weights are then loaded from the checkpoint's state dict)."""
    transformers = library()
    values = json.loads(saved["config"])
    text_config = transformers.AutoConfig.for_model(values.pop("model_type"), **values)
    text = transformers.AutoModelForSeq2SeqLM.from_config(text_config)
    return PretrainedTranslator(config.model, features, text, tokenizer.to_hf, glosses)


class CachedSteps:
    """The text model's decoder one token at a time, with its own key/value cache (a
    `decoding` `Stepper`)."""

    def __init__(
        self, model: PretrainedTranslator, memory: torch.Tensor, padding: torch.Tensor
    ) -> None:
        self.model, self.memory, self.padding = model, memory, padding
        caches = library().cache_utils
        self.cache = caches.EncoderDecoderCache(caches.DynamicCache(), caches.DynamicCache())
        self.length = 0

    def step(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens: (N, L) hypotheses so far -> logits of their next token (N, V)."""
        if tokens.shape[1] != self.length + 1:
            raise ValueError(f"expected {self.length + 1} tokens per row, got {tokens.shape[1]}")
        logits, self.cache = self.model.run_decoder(
            self.memory, self.padding, tokens[:, -1:], self.cache
        )
        self.length += 1
        return logits[:, -1]

    def reorder(self, rows: torch.Tensor) -> None:
        self.cache.reorder_cache(rows)
