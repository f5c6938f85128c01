import math

import torch

from sign2text.config import DecodeConfig, ModelConfig
from sign2text.model.decoding import beam_search, greedy, search
from sign2text.model.translator import Translator
from sign2text.text.tokenizer import BOS, EOS

A, B, C, D = 4, 5, 6, 7  # ordinary tokens of a 8-token vocabulary


class TableModel(torch.nn.Module):
    """A stand-in decoder whose next-token probabilities depend only on the last token.

    From <s>: A 0.55, B 0.45. After A: C 0.34, D 0.33, </s> 0.33. After B: </s> 0.9, C 0.1.
    After C or D: </s> 1.0. Greedy takes A then C (0.187); the best sequence is B </s> (0.405).
    """

    def __init__(self) -> None:
        super().__init__()
        table = torch.full((8, 8), 1e-9)
        table[BOS, A], table[BOS, B] = 0.55, 0.45
        table[A, C], table[A, D], table[A, EOS] = 0.34, 0.33, 0.33
        table[B, EOS], table[B, C] = 0.9, 0.1
        table[C, EOS] = table[D, EOS] = 1.0
        self.table = table.log()

    def decode(self, memory, padding, tokens):
        return self.table[tokens]  # (N, L, V)


def _run(options: DecodeConfig, limit: int = 5) -> list[list[int]]:
    memory, padding = torch.zeros(2, 1, 4), torch.zeros(2, 1, dtype=torch.bool)
    return search(TableModel(), memory, padding, torch.tensor([limit, limit]), options)


def test_greedy_takes_the_locally_best_token() -> None:
    assert _run(DecodeConfig(beam_size=1)) == [[A, C], [A, C]]


def test_beam_finds_the_sequence_greedy_misses() -> None:
    assert _run(DecodeConfig(beam_size=2, length_penalty=0.0)) == [[B], [B]]


def test_length_limit_ends_hypotheses() -> None:
    assert _run(DecodeConfig(beam_size=2, length_penalty=0.0), limit=1) == [[A], [A]]


def test_no_repeat_ngram_blocks_loops() -> None:
    model = TableModel()
    model.table[:] = math.log(1e-9)
    model.table[:, A] = 0.0  # always A: a loop
    model.table[:, B] = -1.0
    memory, padding = torch.zeros(1, 1, 4), torch.zeros(1, 1, dtype=torch.bool)
    limits = torch.tensor([6])
    assert greedy(model, memory, padding, limits) == [[A] * 6]
    # A A, then A A again is banned -> B; after A A B A both A A and A B exist -> </s> wins
    assert greedy(model, memory, padding, limits, no_repeat_ngram=2) == [[A, A, B, A]]


def _tiny_model() -> Translator:
    torch.manual_seed(0)
    config = ModelConfig(
        d_model=32,
        heads=4,
        encoder_layers=1,
        decoder_layers=1,
        ff=64,
        dropout=0.0,
        downsample=0,
        tie_embeddings=False,
        norm_first=True,  # the architecture the regression values below were recorded with
    )
    model = Translator(config, features=8, vocab_size=12)
    with torch.no_grad():  # sharper logits than the default init, so decoding is not trivial
        model.output.weight.normal_(std=2.0)
    return model.eval()


def test_seeded_model_regression_and_beam_one_equals_greedy() -> None:
    model = _tiny_model()
    torch.manual_seed(1)
    memory, padding = model.encode(torch.randn(3, 5, 8), torch.ones(3, 5, dtype=torch.bool))
    limits = torch.tensor([6, 6, 2])
    expected_greedy = greedy(model, memory, padding, limits)
    assert beam_search(model, memory, padding, limits, DecodeConfig(beam_size=1)) == (
        expected_greedy
    )
    assert expected_greedy == GREEDY
    assert beam_search(model, memory, padding, limits, DecodeConfig(beam_size=4)) == BEAM4


GREEDY = [[5, 6, 6, 5, 10, 6], [5, 10, 9, 3, 4, 9], [5, 6]]
BEAM4 = GREEDY
