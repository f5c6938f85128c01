from pathlib import Path

import torch

from sign2text.config import DecodeConfig, ModelConfig, load
from sign2text.data.layouts import OPENPOSE_137
from sign2text.model import checkpoint
from sign2text.model.decoding import greedy, length_limits
from sign2text.model.translator import Translator, count_parameters
from sign2text.text.tokenizer import train_tokenizer

SMALL = ModelConfig(
    d_model=32, heads=4, encoder_layers=1, decoder_layers=1, ff=64, dropout=0.0, downsample=2
)


def test_shapes_and_downsampling() -> None:
    model = Translator(SMALL, features=20, vocab_size=50)
    x, mask = torch.randn(3, 17, 20), torch.ones(3, 17, dtype=torch.bool)
    mask[1, 9:] = False
    memory, padding = model.encode(x, mask)
    assert memory.shape == (3, 5, 32) and padding.shape == (3, 5)  # 17 -> 9 -> 5 frames
    assert padding[1].tolist() == [False, False, False, True, True]
    logits = model(x, mask, torch.ones(3, 6, dtype=torch.long))
    assert logits.shape == (3, 6, 50)


def test_padding_frames_do_not_change_the_output() -> None:
    torch.manual_seed(0)
    model = Translator(SMALL, features=20, vocab_size=50).eval()
    x = torch.randn(1, 8, 20)
    tokens = torch.tensor([[1, 5, 6]])
    short = model(x, torch.ones(1, 8, dtype=torch.bool), tokens)
    padded_x = torch.cat([x, torch.randn(1, 8, 20)], dim=1)
    mask = torch.zeros(1, 16, dtype=torch.bool)
    mask[:, :8] = True
    long = model(padded_x, mask, tokens)
    torch.testing.assert_close(short, long, atol=1e-5, rtol=1e-5)


def test_future_tokens_do_not_change_earlier_logits() -> None:
    torch.manual_seed(0)
    model = Translator(SMALL, features=20, vocab_size=50).eval()
    x, mask = torch.randn(1, 8, 20), torch.ones(1, 8, dtype=torch.bool)
    a = model(x, mask, torch.tensor([[1, 5, 6, 7]]))
    b = model(x, mask, torch.tensor([[1, 5, 9, 9]]))
    torch.testing.assert_close(a[:, :2], b[:, :2])


def test_v2_parameter_count_matches_its_dimensions() -> None:
    config = load(None).model  # the defaults are the V2 model
    model = Translator(config, features=137 * 3, vocab_size=8000)
    d, ff, layers = 512, 2048, 3
    attention = 4 * (d * d + d)
    encoder_layer = attention + (d * ff + ff + ff * d + d) + 2 * 2 * d
    decoder_layer = 2 * attention + (d * ff + ff + ff * d + d) + 3 * 2 * d
    keypoints = (411 * d + d) + 2 * d + (d * d * config.kernel + d)
    final_norms = 2 * 2 * d if config.norm_first else 0  # post-LN ends each stack normed
    expected = keypoints + 8000 * d + layers * (encoder_layer + decoder_layer) + final_norms
    assert count_parameters(model) == expected


def test_greedy_decoding_respects_limits() -> None:
    torch.manual_seed(0)
    model = Translator(SMALL, features=20, vocab_size=50).eval()
    memory, padding = model.encode(torch.randn(2, 12, 20), torch.ones(2, 12, dtype=torch.bool))
    limits = torch.tensor([2, 5])
    out = greedy(model, memory, padding, limits)
    assert len(out[0]) <= 2 and len(out[1]) <= 5
    assert length_limits(
        padding, DecodeConfig(max_len_ratio=1.5, max_len_extra=2), 100
    ).tolist() == [6, 6]


def test_checkpoint_loads_with_weights_only(tmp_path: Path) -> None:
    config = load(
        None,
        [
            "model.d_model=32",
            "model.heads=4",
            "model.ff=64",
            "model.encoder_layers=1",
            "model.decoder_layers=1",
        ],
    )
    tokenizer = train_tokenizer("word", ["a b c", "b c d"], 20)
    model = Translator(config.model, features=411, vocab_size=len(tokenizer))
    path = tmp_path / "best_checkpoint.pt"
    checkpoint.save(
        path,
        model,
        config,
        tokenizer,
        OPENPOSE_137,
        OPENPOSE_137,
        list(range(137)),
        411,
        {"epoch": 3},
    )
    raw = torch.load(path, weights_only=True)
    assert raw["info"] == {"epoch": 3}
    loaded = checkpoint.load(path)
    assert loaded.config == config and loaded.layout == OPENPOSE_137
    for key, value in model.state_dict().items():
        torch.testing.assert_close(loaded.model.state_dict()[key], value)
