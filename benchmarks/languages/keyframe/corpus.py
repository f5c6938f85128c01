"""Whole datasets: signers, videos and clips per split, written atomically in How2Sign's layout."""

from __future__ import annotations

import dataclasses
import os
import shutil
import zlib
from pathlib import Path

import numpy as np

from .body import Frame, Signer, rest_frame, sample_signer
from .camera import Camera, sample_camera
from .detector import Detection, detect
from .grammar import Sentence, SentenceSource, vocabulary
from .lexicon import Sign, build_lexicon, describe
from .motion import plan_sentence
from .nonmanual import nonmanual
from .render import render
from .spec import PRESETS, Spec, check, with_clips
from .writer import (
    keypoint_folder,
    write_clip,
    write_glosses,
    write_json,
    write_table,
)

SPLITS = ("train", "val", "test")
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def sign_clip(
    sentence: Sentence,
    lexicon: dict[str, Sign],
    signer: Signer,
    frame: Frame,
    camera: Camera,
    spec: Spec,
    rng: np.random.Generator,
) -> Detection:
    """What OpenPose would report for one signed sentence."""
    signs = [lexicon[g] for g in sentence.manual]
    topic = [end - 1 for kind, _, end in sentence.marks if kind == "topic"]
    motion = plan_sentence(signs, signer, frame, spec, rng, topic[0] if topic else None)
    face = nonmanual(motion, sentence.marks, signs, signer, rng)
    view = render(motion, face, signer, frame, camera)
    return detect(view, spec, signer, rng)


def _video_id(rng: np.random.Generator, taken: set[str]) -> str:
    while True:
        vid = "".join(_ID_ALPHABET[i] for i in rng.integers(len(_ID_ALPHABET), size=11))
        if vid not in taken:
            taken.add(vid)
            return vid


def _generate(root: Path, preset: str, spec: Spec, seed: int) -> dict:
    streams = np.random.SeedSequence([seed, zlib.crc32(preset.encode())]).spawn(4)
    lex_rng, signer_rng, sentence_rng, clip_rng = (np.random.default_rng(s) for s in streams)
    vocab = vocabulary(spec.vocab_size)
    lexicon = build_lexicon([g for g, _ in vocab.glosses()], spec, lex_rng)
    lefties = round(spec.left_handed_share * spec.signers)
    left = set(signer_rng.choice(spec.signers, size=lefties, replace=False).tolist())
    signers = [sample_signer(i, spec, signer_rng, i in left) for i in range(spec.signers)]
    frames = [rest_frame(s) for s in signers]
    source = SentenceSource(vocab, spec, sentence_rng)
    taken: set[str] = set()
    gloss_rows: list[tuple[str, str]] = []
    lengths: list[int] = []
    stats: dict[str, dict] = {}
    english_words: set[str] = set()
    for split, count in zip(SPLITS, spec.clips, strict=True):
        folder = keypoint_folder(root, split)
        folder.mkdir(parents=True)
        rows: list[tuple] = []
        sentences: list[Sentence] = []
        videos = 0
        while len(rows) < count:
            low, high = spec.clips_per_video
            k = min(count - len(rows), int(clip_rng.integers(low, high + 1)))
            vid = _video_id(clip_rng, taken)
            part = int(clip_rng.integers(1, 9))
            who = int(clip_rng.integers(len(signers)))
            camera = sample_camera(spec, clip_rng)
            clock = float(clip_rng.uniform(1.0, 20.0))
            first = int(clip_rng.integers(0, 3))
            videos += 1
            for j in range(k):
                sentence = source.draw(split)
                sentences.append(sentence)
                shot = dataclasses.replace(camera, yaw=camera.yaw + clip_rng.normal(0, 0.02))
                rng = np.random.default_rng(clip_rng.integers(2**63))
                detection = sign_clip(sentence, lexicon, signers[who], frames[who], shot, spec, rng)
                name = f"{vid}_{first + j}-{part}-rgb_front"
                n = write_clip(folder / name, name, detection)
                lengths.append(n)
                start, end = round(clock, 2), round(clock + n / spec.fps, 2)
                clock = end + float(clip_rng.uniform(0.1, 1.5))
                rows.append(
                    (
                        vid,
                        f"{vid}-{part}-rgb_front",
                        f"{vid}_{first + j}",
                        name,
                        start,
                        end,
                        sentence.english,
                    )
                )
                gloss_rows.append((name, " ".join(sentence.glosses)))
                english_words.update(sentence.english.lower().strip(".?").split())
        write_table(root / f"how2sign_realigned_{split}.csv", rows)
        train_english = {s.english for s in source.train}
        stats[split] = {
            "clips": len(rows),
            "videos": videos,
            "distinct_sentences": len({s.english for s in sentences}),
            "clips_with_a_train_sentence": sum(s.english in train_english for s in sentences)
            if split != "train"
            else len(rows),
            "signs_used": len({g for s in sentences for g in s.manual}),
        }
    write_glosses(root / "glosses.tsv", gloss_rows)
    summary = {
        "generator": "keyframe",
        "preset": preset,
        "seed": seed,
        "spec": dataclasses.asdict(spec),
        "clips": dict(zip(SPLITS, spec.clips, strict=True)),
        "mean_frames_per_clip": round(float(np.mean(lengths)), 2) if lengths else 0.0,
        "frames": {
            "total": int(np.sum(lengths)),
            "min": int(np.min(lengths)),
            "max": int(np.max(lengths)),
        }
        if lengths
        else {},
        "vocabulary": {
            "signs": len(lexicon),
            "by_class": vocab.sizes(),
            "english_words": len(english_words),
        },
        "splits": stats,
        "signers": {"count": len(signers), "left_handed": sum(s.left_handed for s in signers)},
        "lexicon": {g: describe(sign) for g, sign in lexicon.items()},
    }
    write_json(root / "language.json", summary)
    return summary


def write_language(
    out_dir: Path, preset: str, seed: int = 0, clips: tuple[int, int, int] | None = None
) -> dict:
    """Write the dataset of `preset` to `out_dir` (which must not exist); returns its summary."""
    if preset not in PRESETS:
        raise KeyError(f"unknown preset {preset!r}; presets: {', '.join(PRESETS)}")
    spec = check(with_clips(PRESETS[preset], clips))
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} already exists")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    partial = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    partial.mkdir()
    try:
        summary = _generate(partial, preset, spec, seed)
        if out_dir.exists():
            raise FileExistsError(f"{out_dir} already exists")
        partial.rename(out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return summary
