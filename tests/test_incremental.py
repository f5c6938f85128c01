import pytest
import torch

from sign2text.config import ModelConfig
from sign2text.model.incremental import FullPrefix, Incremental, stepper
from sign2text.model.translator import Translator
from sign2text.text.tokenizer import BOS


def _model(norm_first: bool = True, positions: str = "sinusoidal") -> Translator:
    torch.manual_seed(0)
    config = ModelConfig(
        d_model=32,
        heads=4,
        encoder_layers=2,
        decoder_layers=3,
        ff=64,
        norm_first=norm_first,
        positions=positions,
    )
    return Translator(config, features=6, vocab_size=20).eval()


def _memory(model: Translator) -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(1)
    mask = torch.ones(4, 9, dtype=torch.bool)
    mask[1, 5:] = mask[3, 2:] = False  # clips of different lengths: padded memory
    return model.encode(torch.randn(4, 9, 6), mask)


@pytest.mark.parametrize(
    ("norm_first", "positions"), [(True, "sinusoidal"), (False, "sinusoidal"), (False, "learned")]
)
@torch.no_grad()
def test_each_step_gives_the_full_prefix_logits(norm_first: bool, positions: str) -> None:
    model = _model(norm_first, positions)
    memory, padding = _memory(model)
    fast, full = Incremental(model, memory, padding), FullPrefix(model, memory, padding)
    tokens = torch.full((4, 1), BOS)
    for _ in range(6):
        expected = full.step(tokens)
        torch.testing.assert_close(fast.step(tokens), expected, atol=1e-5, rtol=1e-4)
        tokens = torch.cat([tokens, torch.randint(4, 20, (4, 1))], dim=1)


@torch.no_grad()
def test_reordered_rows_keep_their_own_history() -> None:
    model = _model()
    memory, padding = _memory(model)
    same = torch.zeros(4, dtype=torch.long)  # every row reads clip 0: beams of one clip
    memory, padding = memory[same], padding[same]
    fast, full = Incremental(model, memory, padding), FullPrefix(model, memory, padding)
    tokens = torch.full((4, 1), BOS)
    for step in range(5):
        fast.step(tokens)
        rows = torch.tensor([3, 3, 0, 1]) if step % 2 else torch.tensor([1, 0, 2, 2])
        fast.reorder(rows)
        tokens = torch.cat([tokens[rows], torch.randint(4, 20, (4, 1))], dim=1)
    torch.testing.assert_close(fast.step(tokens), full.step(tokens), atol=1e-5, rtol=1e-4)


def test_a_model_in_training_mode_or_another_model_uses_the_full_prefix() -> None:
    model = _model()
    memory, padding = _memory(model)
    assert isinstance(stepper(model, memory, padding), Incremental)
    assert isinstance(stepper(model.train(), memory, padding), FullPrefix)
