"""Translating new clips with a trained checkpoint."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch

from sign2text.config import DecodeConfig
from sign2text.data import common
from sign2text.data.frames import model_frames
from sign2text.data.layouts import Layout
from sign2text.data.readers.base import Clip
from sign2text.data.readers.registry import clip_kind, read_clip
from sign2text.errors import InputError
from sign2text.model import checkpoint
from sign2text.model.inference import Reader, infer


def _check_layout(path: Path, clip: Clip, source: Layout) -> None:
    """Refuse a clip whose points are not the ones the model was trained on."""
    if clip.layout.points != source.points:
        raise InputError(
            path,
            f"its keypoints are {clip.layout.name} ({len(clip.layout.points)} points), the "
            f"model was trained on {source.name} ({len(source.points)} points)",
            "translate clips of the layout the model was trained on",
        )


def _read(path: Path, source: Layout, work: Path, any_layout: bool) -> Clip:
    """The clip's keypoints; a video is first turned into keypoints. `any_layout`: a model of
    the common skeleton takes every layout that maps onto it."""
    if clip_kind(path) == "video":
        from sign2text.data.video import extract_videos

        extract_videos([path], work)
        path = work / f"{path.stem}.pose"
    clip = read_clip(path, source)  # `source` names the points of arrays; others name their own
    if not any_layout:
        _check_layout(path, clip, source)
    return clip


def _model_points(path: Path, clip: Clip, loaded: checkpoint.Loaded) -> np.ndarray:
    """The clip's keypoints the model reads: its stored points, or the common skeleton's.
    (T, K, C)"""
    if loaded.config.data.points != common.POINTS:
        return clip.stacked()[:, loaded.points]
    try:
        index = common.common_indices(clip.layout)
    except ValueError as error:
        raise InputError(path, str(error), "translate clips of a supported source") from error
    return common.common_array(clip.stacked(), index)


def translate(
    inputs: list[Path],
    checkpoint_path: Path,
    *,
    options: DecodeConfig | None = None,
    device: str | None = None,
) -> list[tuple[str, str]]:
    """(input, sentence) for every input: OpenPose folder, .pose, .npy/.npz or video."""
    target = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    loaded = checkpoint.load(checkpoint_path, target)
    config, reader = loaded.config, Reader.of(loaded)
    options = options or config.decode
    results = []
    with tempfile.TemporaryDirectory() as work:
        for path in inputs:
            on_common = config.data.points == common.POINTS
            read = _read(Path(path), loaded.source, Path(work), any_layout=on_common)
            points = _model_points(Path(path), read, loaded)  # (T, K, C)
            clip = model_frames(points, read.fps, config.data.fps, config.data.max_frames)
            keypoints = torch.from_numpy(np.ascontiguousarray(clip))[None].to(target)  # (1,T,K,C)
            mask = torch.ones(keypoints.shape[:2], dtype=torch.bool, device=target)  # (1, T)
            sentence = infer(reader, keypoints, mask, options).hypotheses[0]
            results.append((str(path), sentence))
    return results
