"""Render one clip as an animated skeleton (GIF or MP4) with its sentence as a caption."""

from __future__ import annotations

import logging
import shutil
import subprocess
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from PIL import Image

from sign2text import atomic
from sign2text.data.dataset import PreparedSplit
from sign2text.data.features import HAND_SCALE, Anchors, normalise
from sign2text.data.layouts import Layout
from sign2text.data.readers.base import Clip
from sign2text.data.readers.registry import named_layout, read_clip
from sign2text.errors import InputError
from sign2text.reports.skeleton import Skeleton, skeleton

log = logging.getLogger(__name__)

VIEWS = {"raw": ("raw",), "normalized": ("normalized",), "compare": ("raw", "normalized")}
PANEL_TITLES = {"raw": "raw", "normalized": "normalised (hands wrist-relative, at the centre)"}

ROBUST_PERCENTILES = (1.0, 99.0)  # of each point's positions: what the axis limits hold
MARGIN = 0.05  # share of the range added on each side
FIGURE_HEIGHT, PANEL_WIDTH, DPI = 5.0, 4.5, 80  # inches per panel; a panel is 360x400 pixels
CAPTION_WIDTH = 56  # characters per caption line and panel
PALETTE_FRAMES = 16  # frames sampled across a clip to choose its GIF palette


@dataclass(frozen=True)
class ShownClip:
    """A clip to render, with its name and sentence."""

    name: str
    sentence: str  # "" when the source does not say
    clip: Clip


@dataclass(frozen=True)
class Panel:
    """One view of a clip: 2-D positions per frame and what to draw of them."""

    title: str
    xy: np.ndarray  # (T, K, 2)
    seen: np.ndarray  # (T, K) bool: the point was detected
    skeleton: Skeleton


@dataclass(frozen=True)
class FrameArtists:
    """What one frame of a panel draws: only detected points and bones between them."""

    points: np.ndarray  # (N', 2)
    colours: np.ndarray  # (N', 4)
    sizes: np.ndarray  # (N',)
    segments: np.ndarray  # (M', 2, 2)
    bone_colours: np.ndarray  # (M', 4)


# Reading ------------------------------------------------------------------------------------


def _prepared_clip(folder: Path, split: str, choice: str | None) -> ShownClip:
    """A clip of a prepared dataset by name or position (the first when `choice` is None)."""
    prepared = PreparedSplit(folder, split)
    names = [entry.name for entry in prepared.clips]
    if choice is None:
        position = 0
    elif choice in names:
        position = names.index(choice)
    elif choice.isdigit() and int(choice) < len(names):
        position = int(choice)
    else:
        raise InputError(
            folder,
            f"the {split!r} split has no clip {choice!r} ({len(names)} clips)",
            f"give a name such as {names[0]!r} or a position from 0 to {len(names) - 1}",
        )
    keypoints = prepared.keypoints(position)  # (T, K, D + 1)
    layout = Layout.from_dict(prepared.meta["layout"])
    clip = Clip(keypoints[..., :-1], keypoints[..., -1], float(prepared.meta["fps"]), layout)
    entry = prepared.clips[position]
    return ShownClip(entry.name, entry.sentence, clip)


def load_clip(
    source: str | Path,
    *,
    split: str = "val",
    clip: str | None = None,
    layout: str | None = None,
) -> ShownClip:
    """Read a clip: an OpenPose clip folder, a `.pose`, `.npy` or `.npz` file, or a prepared
    dataset folder (then `split` and `clip`, a name or position, pick the clip).

    `layout` names the layout of `.npy`/`.npz` files, which carry no point names.
    """
    source = Path(source)
    if (source / "meta.json").is_file():
        return _prepared_clip(source, split, clip)
    if clip is not None:
        raise InputError(source, "--clip only applies to a prepared dataset (no meta.json)")
    read = read_clip(source, named_layout(layout))
    return ShownClip(source.stem if source.is_file() else source.name, "", read)


# What to draw -------------------------------------------------------------------------------


def _normalised(clip: Clip) -> tuple[np.ndarray, np.ndarray]:
    """The model's view of a clip: coordinates (T, K, D) and confidence (T, K)."""
    keypoints = torch.from_numpy(clip.stacked())[None]  # (1, T, K, D + 1)
    frame_mask = torch.ones(keypoints.shape[:2], dtype=torch.bool)  # (1, T)
    features = normalise(keypoints, frame_mask, Anchors.of(clip.layout))  # (1, T, K * (D + 1))
    values = features.reshape(keypoints.shape[1:]).numpy()  # (T, K, D + 1)
    return values[..., :-1], values[..., -1]


def panel(clip: Clip, view: str) -> Panel:
    """One panel of `view` ("raw" or "normalized"). In the normalised view the wrist-relative
    hands are drawn from the origin on the body's scale (their offsets / HAND_SCALE, the
    factor `normalise` enlarged them by), so they fit among the body's points."""
    drawn = skeleton(clip.layout, hands_at_origin=view == "normalized")
    if view == "raw":
        return Panel(PANEL_TITLES[view], clip.coords[..., :2], clip.confidence > 0, drawn)
    coords, confidence = _normalised(clip)
    xy = coords[..., :2].copy()  # (T, K, 2)
    xy[:, drawn.points[drawn.relative]] /= HAND_SCALE
    return Panel(PANEL_TITLES[view], xy, confidence > 0, drawn)


def frame_artists(panel: Panel, t: int) -> FrameArtists:
    """The points and bones frame `t` draws; undetected points and their bones are left out."""
    xy = np.vstack([panel.xy[t], np.zeros((1, 2))])  # (K + 1, 2): the last row is the origin
    seen = np.append(panel.seen[t], True)  # (K + 1,)
    shown = seen[panel.skeleton.points]  # (N,)
    whole = seen[panel.skeleton.bones].all(axis=1)  # (M,)
    return FrameArtists(
        xy[panel.skeleton.points[shown]],
        panel.skeleton.colours[shown],
        panel.skeleton.sizes[shown],
        xy[panel.skeleton.bones[whole]],  # (M', 2, 2)
        panel.skeleton.bone_colours[whole],
    )


def robust_limits(xy: np.ndarray, seen: np.ndarray) -> tuple[float, float, float, float]:
    """(x min, x max, y min, y max) that hold every point of `xy` (T, P, 2) where `seen`
    (T, P) in all but its rarest positions: each point's ROBUST_PERCENTILES over the frames
    it was seen in, the outermost of them widened by MARGIN of the range. A detection that
    jumps far away in a few frames does not shrink the signer to a speck, and a point far out
    in many frames (a raised hand) is still inside."""
    found = seen.any(axis=0)  # (P,)
    if not found.any():
        return 0.0, 1.0, 0.0, 1.0
    positions = np.where(seen[..., None], xy, np.nan)[:, found]  # (T, P', 2)
    low, high = np.nanpercentile(positions, ROBUST_PERCENTILES, axis=0)  # (P', 2) each
    low, high = low.min(axis=0), high.max(axis=0)  # (2,) each
    pad = np.maximum((high - low) * MARGIN, 1e-3)
    (x0, y0), (x1, y1) = low - pad, high + pad
    return float(x0), float(x1), float(y0), float(y1)


def limits(panel: Panel) -> tuple[float, float, float, float]:
    """The panel's fixed axis limits: `robust_limits` of its body points over every frame.
    Wrist-relative hands (drawn from the origin) do not set them; the origin does, when
    something is drawn from it."""
    body = panel.skeleton.points[~panel.skeleton.relative]  # (N',)
    xy, seen = panel.xy[:, body], panel.seen[:, body]  # (T, N', 2), (T, N')
    if panel.skeleton.relative.any():  # the hands' origin, seen in every frame
        xy = np.concatenate([xy, np.zeros((len(xy), 1, 2))], axis=1)
        seen = np.concatenate([seen, np.ones((len(seen), 1), bool)], axis=1)
    return robust_limits(xy, seen)


# Drawing ------------------------------------------------------------------------------------


class _PanelArtists:
    """The animated artists of one panel, updated in place and redrawn frame by frame."""

    def __init__(self, axes: Axes, panel: Panel) -> None:
        self.axes, self.panel = axes, panel
        x0, x1, y0, y1 = limits(panel)
        axes.set_xlim(x0, x1)
        axes.set_ylim(y1, y0)  # image coordinates: y points down
        axes.set_aspect("equal", adjustable="box")
        axes.set_xticks([])
        axes.set_yticks([])
        axes.set_title(panel.title, fontsize=10)
        self.bones = LineCollection([], linewidths=2.0, capstyle="round", animated=True)
        axes.add_collection(self.bones)
        self.points = axes.scatter([], [], linewidths=0, zorder=3, animated=True)

    def draw(self, t: int) -> None:
        frame = frame_artists(self.panel, t)
        self.bones.set_segments(frame.segments)
        self.bones.set_color(frame.bone_colours)
        self.points.set_offsets(frame.points)
        self.points.set_facecolors(frame.colours)
        self.points.set_sizes(frame.sizes)
        self.axes.draw_artist(self.bones)
        self.axes.draw_artist(self.points)


class _Animation:
    """A clip's figure: the still parts drawn once, the skeletons and frame counter per frame."""

    def __init__(self, shown: ShownClip, panels: list[Panel]) -> None:
        self.name, self.frames = shown.name, shown.clip.frames
        figure = Figure(figsize=(PANEL_WIDTH * len(panels), FIGURE_HEIGHT), dpi=DPI)
        self.canvas = FigureCanvasAgg(figure)
        caption = textwrap.fill(shown.sentence or "(no sentence)", CAPTION_WIDTH * len(panels))
        lines = caption.count("\n") + 1
        figure.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.04 + 0.045 * lines)
        figure.text(0.5, 0.02, caption, ha="center", va="bottom", fontsize=10)
        axes = figure.subplots(1, len(panels), squeeze=False)[0]
        self.panels = [_PanelArtists(a, p) for a, p in zip(axes, panels, strict=True)]
        self.counter = figure.text(0.02, 0.97, "", va="top", fontsize=9, animated=True)
        self.figure = figure
        self.canvas.draw()  # animated artists are left out: this is the still background
        self.background = self.canvas.copy_from_bbox(figure.bbox)

    def frame(self, t: int) -> np.ndarray:
        """Frame `t` as an image: (H, W, 3) uint8."""
        self.canvas.restore_region(self.background)
        for panel_artists in self.panels:
            panel_artists.draw(t)
        # The counter also keeps every frame distinct: Pillow merges identical GIF frames.
        self.counter.set_text(f"{self.name}   frame {t + 1}/{self.frames}")
        self.figure.draw_artist(self.counter)
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


def _write_gif(animation: _Animation, path: Path, fps: float) -> None:
    """One shared palette, taken from frames across the clip, keeps encoding fast."""
    sample = np.linspace(0, animation.frames - 1, min(animation.frames, PALETTE_FRAMES))
    montage = np.concatenate([animation.frame(int(t)) for t in sample.round()])  # (n H, W, 3)
    palette = Image.fromarray(montage).quantize(colors=255, method=Image.Quantize.MAXCOVERAGE)
    images = [
        Image.fromarray(animation.frame(t)).quantize(palette=palette, dither=Image.Dither.NONE)
        for t in range(animation.frames)
    ]
    images[0].save(
        path,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / fps),
        loop=0,
    )


def _write_mp4(animation: _Animation, path: Path, fps: float) -> None:
    """Raw frames piped into ffmpeg's H.264 encoder."""
    width, height = animation.canvas.get_width_height()
    command = [
        _ffmpeg(path), "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", f"{fps}",
        "-i", "-",
        "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-f", "mp4", str(path),
    ]  # fmt: skip
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as ffmpeg:
        stdin, stderr = ffmpeg.stdin, ffmpeg.stderr
        assert stdin is not None and stderr is not None  # both are pipes
        try:
            for t in range(animation.frames):
                stdin.write(animation.frame(t).tobytes())
        except BrokenPipeError:
            pass  # ffmpeg stopped early; its message follows
        finally:
            stdin.close()
        errors = stderr.read().decode(errors="replace").strip()
    if ffmpeg.returncode != 0:
        raise InputError(path, f"ffmpeg failed ({errors or ffmpeg.returncode})", "write a .gif")


def _ffmpeg(out: Path) -> str:
    found = shutil.which("ffmpeg")
    if found is None:
        raise InputError(
            out,
            "writing an MP4 needs ffmpeg, which was not found on PATH",
            "install ffmpeg (e.g. apt install ffmpeg), or write a .gif",
        )
    return found


WRITERS: dict[str, Callable[[_Animation, Path, float], None]] = {
    ".gif": _write_gif,
    ".mp4": _write_mp4,
}


def render(shown: ShownClip, out: str | Path, view: str = "raw", fps: float | None = None) -> Path:
    """Write `shown` as an animation to `out` (.gif or .mp4, atomically); returns `out`.

    `view`: "raw" keypoints, "normalized" (what the model sees), or "compare" (both side by
    side). `fps` overrides the clip's own frame rate.
    """
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose from {sorted(VIEWS)}")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in WRITERS:
        raise InputError(
            out, f"cannot write {suffix or 'a file without a type'}", "use .gif or .mp4"
        )
    if suffix == ".mp4":
        _ffmpeg(out)  # fail before rendering
    rate = fps or shown.clip.fps
    animation = _Animation(shown, [panel(shown.clip, v) for v in VIEWS[view]])
    log.info("rendering %s: %d frames at %.3g fps to %s", shown.name, shown.clip.frames, rate, out)
    with atomic.atomic_path(out) as tmp:
        WRITERS[suffix](animation, tmp, rate)
    return out
