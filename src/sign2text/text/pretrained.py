"""A pretrained text model's own tokenizer, behind our token-id convention.

Every sign2text tokenizer has <pad>, <s>, </s>, <unk> at ids 0-3 (the dataset, the loss and
the search rely on it). A Hugging Face model numbers its specials its own way (T5: pad 0,
eos 1, unk 2, decoder start = pad; BART: bos 0, pad 1, eos 2, unk 3, decoder start = eos),
so our ids are the model's ids reordered: ours 0-3 are the model's pad, decoder start, eos and
unk, and ours 4.. are the model's other ids in their order. `to_hf[our id]` is the model's id;
the model wrapper (`sign2text.model.text_model`) maps tokens in and logits out with it. When
two of our specials are one model id (T5's pad is its decoder start), that id appears twice.

`transformers` is imported only when a tokenizer is built, so the package runs without it.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sign2text.text.tokenizer import SPECIALS

KIND = "pretrained"
_META = "sign2text.json"  # beside the tokenizer's own files in `to_bytes`


def special_ids(tokenizer: Any, model_config: Any) -> list[int]:
    """The model's ids of our <pad>, <s> (its decoder start), </s> and <unk>."""
    pad = tokenizer.pad_token_id
    start = getattr(model_config, "decoder_start_token_id", None)  # absent from v5 T5 configs
    start = pad if start is None else start
    unk = tokenizer.unk_token_id
    return [pad, start, tokenizer.eos_token_id, pad if unk is None else unk]


def id_order(specials: list[int], vocab_size: int) -> list[int]:
    """`to_hf`: the model's id of each of our ids, specials first, then the rest in order."""
    taken = set(specials)
    return [*specials, *(i for i in range(vocab_size) if i not in taken)]


class PretrainedTokenizer:
    """A Hugging Face tokenizer speaking our ids (`to_hf` maps them to the model's)."""

    kind = KIND

    def __init__(self, tokenizer: Any, specials: list[int], vocab_size: int) -> None:
        self.tokenizer = tokenizer
        self.specials = list(specials)
        self.vocab_size = vocab_size  # the model's output size (T5: 32128 > its 32100 pieces)
        self.to_hf = id_order(self.specials, vocab_size)
        self.from_hf = {hf: ours for ours, hf in reversed(list(enumerate(self.to_hf)))}

    @classmethod
    def of(cls, tokenizer: Any, model_config: Any) -> PretrainedTokenizer:
        """The tokenizer of a model whose config is `model_config`."""
        size = max(int(model_config.vocab_size), len(tokenizer))
        return cls(tokenizer, special_ids(tokenizer, model_config), size)

    def __len__(self) -> int:
        return len(self.to_hf)

    def encode(self, sentence: str) -> list[int]:
        ids = self.tokenizer.encode(sentence, add_special_tokens=False)
        return [self.from_hf[i] for i in ids]

    def decode(self, ids: Iterable[int]) -> str:
        hf = [self.to_hf[i] for i in ids if i >= len(SPECIALS)]
        return str(self.tokenizer.decode(hf, skip_special_tokens=True)).strip()

    def to_bytes(self) -> bytes:
        """The tokenizer's own files (`save_pretrained`) and our id order, as one zip."""
        buffer = io.BytesIO()
        with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(buffer, "w") as archive:
            self.tokenizer.save_pretrained(folder)
            for path in sorted(Path(folder).iterdir()):
                archive.write(path, path.name)
            meta = {"specials": self.specials, "vocab_size": self.vocab_size}
            archive.writestr(_META, json.dumps(meta))
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> PretrainedTokenizer:
        """Rebuild from `to_bytes`, offline: nothing is downloaded."""
        from transformers import AutoTokenizer

        with tempfile.TemporaryDirectory() as folder:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.extractall(folder)
            meta = json.loads((Path(folder) / _META).read_text())
            (Path(folder) / _META).unlink()
            tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        return cls(tokenizer, meta["specials"], meta["vocab_size"])
