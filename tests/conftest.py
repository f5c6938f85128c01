"""Shared fixtures: real sample data (when present) and small synthetic datasets."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import torch

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, skipping the test when the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real sample data not available: {path} is absent")
    return path


@pytest.fixture(scope="session")
def tiny_synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `tiny` synthetic sign language in How2Sign layout."""
    from sign2text.data.synth import write_dataset

    out = tmp_path_factory.mktemp("synth") / "tiny"
    write_dataset(out, size="tiny", seed=0, workers=2)
    return out


@pytest.fixture(scope="session")
def tiny_prepared(tiny_synth: Path) -> Path:
    """`tiny_synth` prepared, with a word tokenizer."""
    from sign2text.data.prepare import prepare_how2sign

    out = tiny_synth / "prepared"
    prepare_how2sign(tiny_synth, out, tokenizer="word", vocab_size=500, workers=2, progress=False)
    return out


def write_openpose_clip(folder: Path, keypoints) -> None:
    """Write (T, 137, 3) keypoints as OpenPose JSON frame files in `folder`, at full precision
    (synth's writer rounds as OpenPose does; these tests compare values exactly)."""
    import orjson

    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(keypoints):
        flat = frame.reshape(-1).tolist()
        person = {
            "person_id": [-1],
            "pose_keypoints_2d": flat[:75],
            "face_keypoints_2d": flat[75:285],
            "hand_left_keypoints_2d": flat[285:348],
            "hand_right_keypoints_2d": flat[348:],
        }
        data = orjson.dumps({"version": 1.3, "people": [person]})
        (folder / f"{folder.name}_{i:012d}_keypoints.json").write_bytes(data)


def make_how2sign_folder(root: Path, clips: dict[str, int], seed: int = 0) -> dict[str, list]:
    """A small How2Sign-layout folder of random clips: {split: clip count} -> rows per split."""
    import numpy as np

    from sign2text.data.synth.writer import CSV_HEADER

    rng = np.random.default_rng(seed)
    header = "\t".join(CSV_HEADER)
    rows: dict[str, list] = {}
    for split, count in clips.items():
        lines = [header]
        rows[split] = []
        for k in range(count):
            name = f"vid{split}{k:03d}_{k}-1-rgb_front"
            frames = int(rng.integers(5, 12))
            keypoints = rng.uniform(100, 700, (frames, 137, 3)).astype(np.float32)
            keypoints[..., 2] = rng.uniform(0.3, 1.0, (frames, 137))
            write_openpose_clip(root / "openpose" / name, keypoints.round(3))
            sentence = f"Sentence {k} of {split} says word{k % 4} here."
            lines.append(
                f"vid{split}{k:03d}\tvid{split}{k:03d}-1-rgb_front\tvid{split}{k:03d}_{k}"
                f"\t{name}\t0.0\t{frames / 24:.2f}\t{sentence}"
            )
            rows[split].append((name, frames, sentence))
        (root / f"how2sign_realigned_{split}.csv").write_text("\n".join(lines) + "\n")
    return rows


# A model small enough to train in seconds on two CPU cores.
TINY_MODEL = [
    "model.d_model=32",
    "model.heads=2",
    "model.ff=64",
    "model.encoder_layers=1",
    "model.decoder_layers=1",
    "model.dropout=0.0",
]


@pytest.fixture(scope="session")
def random_prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A prepared dataset of random clips (nothing to learn): for plumbing tests."""
    from sign2text.data.prepare import prepare_how2sign

    root = tmp_path_factory.mktemp("random") / "h2s"
    make_how2sign_folder(root, {"train": 24, "val": 6, "test": 6})
    prepare_how2sign(root, root / "prepared", vocab_size=100, workers=1, progress=False)
    return root / "prepared"


def weights_digest(model: torch.nn.Module) -> str:
    """SHA-256 of all parameters: equal for two models exactly when their weights are."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reads the real samples (it calls `shared_data`) as `shared_data`,
    so `-m shared_data` runs just those and `-m "not shared_data"` leaves them out."""
    for item in items:
        function = getattr(item, "function", None)
        if function is not None and "shared_data" in function.__code__.co_names:
            item.add_marker(pytest.mark.shared_data)
