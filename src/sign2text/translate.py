"""Translating new clips with a trained checkpoint."""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from sign2text.config import Config, DecodeConfig
from sign2text.data import common
from sign2text.data.features import Anchors, input_size
from sign2text.data.frames import model_frames
from sign2text.data.layouts import Layout
from sign2text.data.readers.arrays import FPS as ARRAY_FPS
from sign2text.data.readers.arrays import arrays_clip, split_channels
from sign2text.data.readers.base import Clip
from sign2text.data.readers.registry import clip_kind, named_layout, read_clip
from sign2text.errors import ConfigError, InputError
from sign2text.model import checkpoint
from sign2text.model.inference import Reader, infer

log = logging.getLogger(__name__)


def _reads_2d(loaded: checkpoint.Loaded) -> bool:
    """Whether the model was trained on x, y and confidence (2-D keypoints): the channels a
    clip of another layout reaches it with."""
    expected = input_size(len(loaded.points), 3, Anchors.of(loaded.layout), loaded.config.data)
    return loaded.model.features == expected


def _check_readable(path: Path, loaded: checkpoint.Loaded) -> None:
    """Before anything is read or extracted: refuse a video when the model cannot read the
    MediaPipe Holistic keypoints it becomes (they reach a model through the common skeleton)."""
    if clip_kind(path) != "video" or loaded.config.data.points == common.POINTS:
        return
    if not (common.maps(loaded.layout) and _reads_2d(loaded)):
        raise InputError(
            path,
            f"a video gives MediaPipe Holistic keypoints, and this model reads "
            f"{loaded.layout.name}, which they cannot be mapped onto",
            "train on 2-D keypoints of OpenPose or MediaPipe, or with data.points: common",
        )


def _read(path: Path, source: Layout, work: Path) -> Clip:
    """The clip's keypoints; a video is first turned into keypoints (errors still name it)."""
    if clip_kind(path) != "video":
        return read_clip(path, source)  # `source` names the points of arrays
    from sign2text.data.video import extract_videos

    extract_videos([path], work)
    try:
        clip = read_clip(work / f"{path.stem}.pose")
    except InputError as error:
        raise InputError(path, f"its extracted keypoints: {error.problem}", error.fix) from error
    return clip


def _missing_note(path: str | Path, model: Layout, index: np.ndarray) -> str:
    """What the model will miss of a clip of another layout, part by part."""
    parts: dict[str, list[int]] = {}
    for point, i in zip(model.points, index.tolist(), strict=True):
        counts = parts.setdefault(point.split(".", 1)[0], [0, 0])
        counts[0] += i < 0
        counts[1] += 1
    missing = ", ".join(f"{part} {m} of {n}" for part, (m, n) in parts.items() if m)
    return (
        f"{path}: {int((index < 0).sum())} of {len(index)} points the model reads are not in "
        f"this clip's keypoints ({missing}); the model sees them as undetected, which it met "
        "in training only as detector misses, so expect a worse translation (train with "
        "data.points: common to read every source alike)"
    )


def _model_points(path: str | Path, clip: Clip, loaded: checkpoint.Loaded) -> np.ndarray:
    """The clip's keypoints the model reads: its own layout's points; those of another layout
    through the common skeleton (missing ones undetected); or the common skeleton's.
    (T, K, C)"""
    on_common = loaded.config.data.points == common.POINTS
    if not on_common and clip.layout.points == loaded.source.points:
        return clip.stacked()[:, loaded.points]
    fix = "translate clips of the layout the model was trained on, or of a supported source"
    if not common.maps(clip.layout):
        raise InputError(path, f"its keypoints ({clip.layout.name}) have no common map", fix)
    if on_common:
        return common.common_array(clip.stacked(), common.common_indices(clip.layout))
    if not (common.maps(loaded.layout) and _reads_2d(loaded)):
        raise InputError(
            path,
            f"its keypoints are {clip.layout.name} ({len(clip.layout.points)} points), the model "
            f"was trained on {loaded.layout.name} ({len(loaded.layout.points)} points)",
            fix,
        )
    index = common.translation_indices(loaded.layout, clip.layout)
    log.warning("%s", _missing_note(path, loaded.layout, index))
    return common.common_array(clip.stacked(), index)


class Translation(NamedTuple):
    """One input's translation and, from a model with a recognition head, its glosses."""

    input: str
    sentence: str
    glosses: str | None = None


# What `SignTranslator.translate` takes: a path (OpenPose clip folder, .pose, .npy/.npz, video)
# or a NumPy array of keypoints, (T, K, C) with C = 3: x, y, confidence (C = 2: x, y; C = 4:
# x, y, z, confidence), the layout of the npy files `read_arrays` reads.
ClipInput = str | Path | np.ndarray


class SignTranslator:
    """A trained model that translates clips: keypoint files and folders, videos and NumPy
    arrays. `sign2text.load(checkpoint)` makes one; `translate` (the command) uses one too."""

    def __init__(self, loaded: checkpoint.Loaded, device: torch.device) -> None:
        self.loaded, self.device = loaded, device
        self.reader = Reader.of(loaded)

    @classmethod
    def load(cls, checkpoint_path: str | Path, device: str | None = None) -> SignTranslator:
        """The model of a `best_checkpoint.pt` (or any checkpoint a run wrote), on `device`
        (default: the GPU when there is one)."""
        target = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        return cls(checkpoint.load(checkpoint_path, target), target)

    @property
    def config(self) -> Config:
        """The config the model was trained with."""
        return self.loaded.config

    def translate(
        self,
        clip: ClipInput,
        *,
        beam: int | None = None,
        fps: float | None = None,
        layout: Layout | str | None = None,
        options: DecodeConfig | None = None,
    ) -> str:
        """The sentence for one clip (see `translations`)."""
        return self.translate_all([clip], beam=beam, fps=fps, layout=layout, options=options)[0]

    def translate_all(
        self,
        clips: Sequence[ClipInput],
        *,
        beam: int | None = None,
        fps: float | None = None,
        layout: Layout | str | None = None,
        options: DecodeConfig | None = None,
    ) -> list[str]:
        """The sentence for each clip (see `translations`)."""
        found = self.translations(clips, beam=beam, fps=fps, layout=layout, options=options)
        return [t.sentence for t in found]

    def translations(
        self,
        clips: Sequence[ClipInput],
        *,
        beam: int | None = None,
        fps: float | None = None,
        layout: Layout | str | None = None,
        options: DecodeConfig | None = None,
    ) -> list[Translation]:
        """The translation of each clip (with its glosses, from a model with a recognition
        head): a path (OpenPose clip folder, .pose, .npy/.npz, video)
        or a (T, K, C) NumPy array (`ClipInput`).

        `beam`: beam size (default: the config's decode.beam_size; 1 = greedy); `options`: all
        of decoding (`DecodeConfig`). `layout` names the points of arrays and .npy/.npz files
        (a name such as "openpose137", or a `Layout`; default: the layout of the clips the
        model was trained on); `fps`: an array's frame rate (default: the model's, so it is
        not resampled). Every path is checked before any video is turned into keypoints.
        """
        options = options or self.loaded.config.decode
        if beam is not None:
            if beam < 1:
                raise ConfigError(f"beam {beam}: the beam size must be at least 1 (1 = greedy)")
            options = replace(options, beam_size=beam)
        points = self._layout(layout)
        for clip in clips:
            if not isinstance(clip, np.ndarray):
                clip_kind(Path(clip))
                _check_readable(Path(clip), self.loaded)
        with tempfile.TemporaryDirectory() as work:
            return [
                self._translation(name, read, options)
                for name, read in self._clips(clips, points, fps, Path(work))
            ]

    def _layout(self, layout: Layout | str | None) -> Layout:
        if isinstance(layout, str):
            return named_layout(layout)
        return layout or self.loaded.source

    def _clips(
        self, clips: Sequence[ClipInput], layout: Layout, fps: float | None, work: Path
    ) -> Iterator[tuple[str, Clip]]:
        """(name, keypoints) of each clip, read one at a time."""
        for number, clip in enumerate(clips):
            if isinstance(clip, np.ndarray):
                name = f"array {number}"
                rate = fps or self.loaded.fps or ARRAY_FPS
                yield name, arrays_clip(name, *split_channels(name, clip), layout, rate)
            else:
                yield str(clip), _read(Path(clip), layout, work)

    def _translation(self, name: str, read: Clip, options: DecodeConfig) -> Translation:
        """The model's translation of one clip's keypoints."""
        loaded = self.loaded
        points = _model_points(name, read, loaded)  # (T, K, C)
        if loaded.fps and read.fps != loaded.fps:
            log.info("%s: %g fps, resampled to the model's %g fps", name, read.fps, loaded.fps)
        clip = model_frames(points, read.fps, loaded.fps, loaded.config.data.max_frames)
        keypoints = torch.from_numpy(np.ascontiguousarray(clip))[None].to(self.device)  # (1,T,K,C)
        mask = torch.ones(keypoints.shape[:2], dtype=torch.bool, device=self.device)  # (1, T)
        out = infer(self.reader, keypoints, mask, options)
        glosses = out.glosses[0] if out.glosses is not None else None
        return Translation(name, out.hypotheses[0], glosses)


def translate(
    inputs: list[Path],
    checkpoint_path: Path,
    *,
    options: DecodeConfig | None = None,
    beam: int | None = None,
    device: str | None = None,
) -> list[Translation]:
    """A translation of every input: OpenPose folder, .pose, .npy/.npz or video; decoded with
    `options` (default: the run's `decode` section), with beam size `beam` when given."""
    translator = SignTranslator.load(checkpoint_path, device)
    return translator.translations(inputs, beam=beam, options=options)


def translations_tsv(results: list[Translation], glosses: bool = False) -> str:
    """`translate`'s results as a TSV file's text: a header, then input and sentence (and the
    recognised glosses, with `glosses`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["input", "sentence", *(["glosses"] if glosses else [])])
    writer.writerows(
        (r.input, r.sentence, *([r.glosses or ""] if glosses else [])) for r in results
    )
    return buffer.getvalue()
