"""Video to keypoints: MediaPipe Holistic on every frame, one `.pose` file per video.

MediaPipe is optional. Release 0.10.21 is the last that ships the Holistic models in its
wheel, so extraction runs offline; later releases (0.10.30 on, 1.x) have only the Tasks API,
which downloads its models at run time. 0.10.21 declares `numpy<2` and `protobuf<5`, which
clash with sign2text's pins (numpy 2.4, and protobuf 6 through tensorboard), so pip cannot
install it beside sign2text in one step; it runs correctly with numpy 2.4 and protobuf 6.x
(not 7.x) when installed without its declared dependencies, as INSTALL_HINT says.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sign2text import atomic, outputs
from sign2text.errors import Failure, InputError
from sign2text.native_output import quiet_native_stderr

log = logging.getLogger(__name__)

MEDIAPIPE_VERSION = "0.10.21"
INSTALL_HINT = (
    f"pip install 'sign2text[video]' && pip install --no-deps mediapipe=={MEDIAPIPE_VERSION}"
)
LOG_EVERY = 250  # frames between progress messages


class VideoExtraError(Failure, ImportError):
    """MediaPipe, needed only to extract keypoints from video, is missing or unusable."""

    exit_code = 2


@dataclass
class Extraction:
    """What `extract_videos` did."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # outputs that were already there


def load_holistic() -> Callable[..., Any]:
    """pose-format's MediaPipe Holistic runner, or a VideoExtraError saying how to get it."""
    try:
        # With protobuf 6, importing mediapipe 0.10.21 prints a harmless AttributeError
        # ("MessageFactory ... GetPrototype") from its bindings: keep it out of the user's way.
        with contextlib.redirect_stderr(io.StringIO()) as noise:
            import mediapipe
    except ImportError as error:
        raise VideoExtraError(
            f"extracting keypoints from video needs MediaPipe {MEDIAPIPE_VERSION}, which is "
            f"not installed; install it with: {INSTALL_HINT}"
        ) from error
    log.debug("importing mediapipe printed: %s", noise.getvalue().strip())
    if not hasattr(mediapipe, "solutions"):
        raise VideoExtraError(
            f"mediapipe {mediapipe.__version__} has no Holistic solution (its Tasks API needs "
            f"internet to fetch models); install {MEDIAPIPE_VERSION} with: {INSTALL_HINT}"
        )
    from google.protobuf import __version__ as protobuf_version

    if int(protobuf_version.split(".")[0]) >= 7:
        raise VideoExtraError(
            f"mediapipe {MEDIAPIPE_VERSION} fails with protobuf {protobuf_version}; "
            "install a 6.x release: pip install 'protobuf>=6.31.1,<7'"
        )
    from pose_format.utils.holistic import load_holistic as holistic

    return holistic


def _frames(capture: Any, name: str, total: int) -> Iterator[np.ndarray]:
    """A video's frames as RGB images (H, W, 3) uint8, logging progress."""
    import cv2

    for count in itertools.count(1):
        ok, frame = capture.read()  # (H, W, 3) BGR
        if not ok:
            return
        yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        if count % LOG_EVERY == 0:
            log.info("%s: %d/%d frames", name, count, total)


def extract_video(video: str | Path, out: str | Path, holistic: Callable[..., Any]) -> int:
    """Run `holistic` (see `load_holistic`) on `video` and write `out` atomically.

    Frames are streamed, not held in memory. Returns the number of frames.
    """
    import cv2

    video, out = Path(video), Path(out)
    capture = cv2.VideoCapture(str(video))
    try:
        if not capture.isOpened():
            raise InputError(video, "cannot be opened as a video", "check the file and its codec")
        fps = float(capture.get(cv2.CAP_PROP_FPS))
        if not fps > 0:
            raise InputError(video, "the video states no frame rate", "re-encode it")
        total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        frames = _frames(capture, video.name, total)
        first = next(frames, None)  # (H, W, 3)
        if first is None:
            raise InputError(video, "no frame could be read", "check the file and its codec")
        height, width = first.shape[:2]
        pose = holistic(
            itertools.chain([first], frames),
            fps=fps,
            width=width,
            height=height,
            additional_holistic_config={},
        )
    finally:
        capture.release()
    with atomic.atomic_path(out) as tmp, open(tmp, "wb") as handle:
        pose.write(handle)
    return int(pose.body.data.shape[0])


def _targets(videos: Sequence[Path], out_dir: Path) -> list[Path]:
    """`<out_dir>/<video stem>.pose` per video; two videos may not share a stem, and none may
    be another's output (existing outputs are skipped, or replaced when asked)."""
    out_dir = outputs.output_folder(out_dir)
    targets: dict[Path, Path] = {}
    for video in videos:
        if not video.is_file():
            raise InputError(video, "the video does not exist", "check the path")
        out = outputs.output_file(
            out_dir / f"{video.stem}.pose", overwrite=True, inputs=videos, option="--out"
        )
        if out in targets:
            raise InputError(
                video,
                f"has the same name as {targets[out]}: both would write {out.name}",
                "rename one, or extract them into different --out folders",
            )
        targets[out] = video
    return list(targets)


def extract_videos(
    videos: Sequence[str | Path], out_dir: str | Path, overwrite: bool = False
) -> Extraction:
    """Write `<out_dir>/<video stem>.pose` for each video, skipping existing ones.

    MediaPipe is loaded only when there is a video to extract.
    """
    paths = [Path(v) for v in videos]
    targets = _targets(paths, Path(out_dir))
    result = Extraction()
    todo = []
    for video, out in zip(paths, targets, strict=True):
        atomic.remove_debris(out)
        if out.exists() and not overwrite:
            log.info("%s: %s exists, skipped (--overwrite to redo)", video.name, out)
            result.skipped.append(out)
        else:
            todo.append((video, out))
    if not todo:
        return result
    holistic = load_holistic()
    for number, (video, out) in enumerate(todo, 1):
        log.info("[%d/%d] %s -> %s", number, len(todo), video, out)
        start = time.perf_counter()
        with quiet_native_stderr():  # MediaPipe's C++ warnings, every run, mean nothing here
            frames = extract_video(video, out, holistic)
        seconds = time.perf_counter() - start
        rate = frames / max(seconds, 1e-9)
        log.info("%s: %d frames in %.1f s (%.1f frames/s)", video.name, frames, seconds, rate)
        result.written.append(out)
    return result
