"""Translating new clips with a trained checkpoint."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch

from sign2text import checkpoint
from sign2text.decoding import SearchOptions, length_limits, search
from sign2text.errors import InputError
from sign2text.features import Anchors, model_input
from sign2text.frames import model_frames
from sign2text.layouts import Layout
from sign2text.readers.base import Clip
from sign2text.readers.registry import clip_kind, read_clip


def _check_layout(path: Path, clip: Clip, source: Layout) -> None:
    """Refuse a clip whose points are not the ones the model was trained on."""
    if clip.layout.points != source.points:
        raise InputError(
            path,
            f"its keypoints are {clip.layout.name} ({len(clip.layout.points)} points), the "
            f"model was trained on {source.name} ({len(source.points)} points)",
            "translate clips of the layout the model was trained on",
        )


def _read(path: Path, source: Layout, work: Path) -> Clip:
    """The clip's keypoints; a video is first turned into keypoints."""
    if clip_kind(path) == "video":
        from sign2text.video import extract_videos

        extract_videos([path], work)
        path = work / f"{path.stem}.pose"
    clip = read_clip(path, source)  # `source` names the points of arrays; others name their own
    _check_layout(path, clip, source)
    return clip


@torch.no_grad()
def translate(
    inputs: list[Path],
    checkpoint_path: Path,
    *,
    options: SearchOptions | None = None,
    device: str | None = None,
) -> list[tuple[str, str]]:
    """(input, sentence) for every input: OpenPose folder, .pose, .npy/.npz or video."""
    target = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    loaded = checkpoint.load(checkpoint_path, target)
    config, anchors = loaded.config, Anchors.of(loaded.layout)
    d = config.decode
    options = options or SearchOptions(d.beam_size, d.length_penalty, d.no_repeat_ngram)
    results = []
    with tempfile.TemporaryDirectory() as work:
        for path in inputs:
            read = _read(Path(path), loaded.source, Path(work))
            clip = model_frames(  # (T, K, C)
                read.stacked()[:, loaded.points], read.fps, config.data.fps, config.data.max_frames
            )
            keypoints = torch.from_numpy(np.ascontiguousarray(clip))[None].to(target)
            mask = torch.ones(keypoints.shape[:2], dtype=torch.bool, device=target)
            features = model_input(keypoints, mask, anchors, config.data)
            memory, padding = loaded.model.encode(features, mask)
            limits = length_limits(
                padding, d.max_len_ratio, d.max_len_extra, config.text.max_tokens
            )
            ids = search(loaded.model, memory, padding, limits, options)[0]
            results.append((str(path), loaded.tokenizer.decode(ids)))
    return results
