"""Writes a language as a How2Sign-layout dataset (OpenPose JSON + re-aligned tables)."""

from __future__ import annotations

import os
import shutil
import string
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import orjson

from .detector import Detection, detect
from .grammar import Grammar, Sentence, text_bucket
from .lexicon import build_lexicon, inventory_sizes
from .motion import plan_clip
from .puppet import pose_clip
from .signers import make_signers, place_table
from .spec import PRESETS, Spec

SPLITS = ("train", "val", "test")
HEADER = (
    "VIDEO_ID",
    "VIDEO_NAME",
    "SENTENCE_ID",
    "SENTENCE_NAME",
    "START_REALIGNED",
    "END_REALIGNED",
    "SENTENCE",
)
ID_CHARS = string.ascii_letters + string.digits + "-_"
EMPTY = b'{"version":1.3,"people":[]}'
_CONF_COLUMN = np.zeros(411, dtype=bool)
_CONF_COLUMN[2::3] = True


def frame_files(det: Detection) -> list[bytes]:
    """One OpenPose 1.3 JSON document per frame."""
    t = det.pose.shape[0]
    flat = np.concatenate(
        [
            det.pose.reshape(t, 75),
            det.face.reshape(t, 210),
            det.hand_left.reshape(t, 63),
            det.hand_right.reshape(t, 63),
        ],
        axis=1,
    )
    flat = np.where(_CONF_COLUMN, np.round(flat, 6), np.round(flat, 3))
    zero_rows, zero_cols = np.nonzero(flat == 0.0)
    cuts = np.searchsorted(zero_rows, np.arange(t + 1)).tolist()
    zero_cols = zero_cols.tolist()
    out = []
    for i, (row, present) in enumerate(zip(flat.tolist(), det.person.tolist(), strict=True)):
        if not present:
            out.append(EMPTY)
            continue
        for j in zero_cols[cuts[i] : cuts[i + 1]]:
            row[j] = 0  # OpenPose writes a missing point as 0,0,0
        out.append(
            orjson.dumps(
                {
                    "version": 1.3,
                    "people": [
                        {
                            "person_id": [-1],
                            "pose_keypoints_2d": row[0:75],
                            "face_keypoints_2d": row[75:285],
                            "hand_left_keypoints_2d": row[285:348],
                            "hand_right_keypoints_2d": row[348:411],
                            "pose_keypoints_3d": [],
                            "face_keypoints_3d": [],
                            "hand_left_keypoints_3d": [],
                            "hand_right_keypoints_3d": [],
                        }
                    ],
                }
            )
        )
    return out


def _write_clip(folder: Path, name: str, docs: list[bytes]) -> None:
    folder.mkdir()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    prefix = f"{folder}/{name}_"
    for i, doc in enumerate(docs):
        fd = os.open(f"{prefix}{i:012d}_keypoints.json", flags, 0o644)
        try:
            os.write(fd, doc)
        finally:
            os.close(fd)


class _SentencePicker:
    """Draws sentences for a split: val and test get English kept out of train by hash."""

    def __init__(self, grammar: Grammar, heldout: float) -> None:
        self.grammar = grammar
        self.heldout = heldout
        self.used: dict[str, set[str]] = {s: set() for s in SPLITS}
        self.fallbacks = 0

    def _fits(self, split: str, english: str) -> bool:
        b = text_bucket(english)
        if split == "train":
            return b >= self.heldout
        if split == "val":
            return b < self.heldout / 2
        return self.heldout / 2 <= b < self.heldout

    def pick(self, split: str, rng: np.random.Generator) -> Sentence:
        fallback = None
        for attempt in range(400):
            s = self.grammar.sample(rng)
            if not self._fits(split, s.english):
                continue
            if s.english in self.used[split] and attempt < 200:
                fallback = fallback or s
                continue
            self.used[split].add(s.english)
            return s
        self.fallbacks += 1
        s = fallback or self.grammar.sample(rng)
        self.used[split].add(s.english)
        return s


def write_language(
    out_dir: Path, preset: str, seed: int = 0, clips: tuple[int, int, int] | None = None
) -> dict:
    """Generate the preset's language into out_dir (which must not exist); returns the summary."""
    if preset not in PRESETS:
        raise KeyError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    spec = PRESETS[preset].with_clips(clips)
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} already exists")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    started = time.perf_counter()
    try:
        summary = _generate(tmp, preset, spec, seed)
        if out_dir.exists():
            raise FileExistsError(f"{out_dir} already exists")
        summary["seconds"] = round(time.perf_counter() - started, 1)
        (tmp / "language.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return summary


def _generate(root: Path, preset: str, spec: Spec, seed: int) -> dict:
    seq = np.random.SeedSequence([seed, 0x6D61726F])
    s_grammar, s_lexicon, s_signers, s_corpus = seq.spawn(4)
    grammar = Grammar(spec, np.random.default_rng(s_grammar))
    lexicon = build_lexicon(spec, grammar.vocabulary, np.random.default_rng(s_lexicon))
    signers = make_signers(spec, np.random.default_rng(s_signers))
    places = [place_table(s) for s in signers]
    rng = np.random.default_rng(s_corpus)
    picker = _SentencePicker(grammar, spec.heldout)

    (root / "openpose").mkdir(parents=True)
    video_signer: dict[str, int] = {}
    gloss_lines = ["SENTENCE_NAME\tGLOSSES"]
    frames_per_split: dict[str, list[int]] = {s: [] for s in SPLITS}
    sentences: dict[str, list[Sentence]] = {s: [] for s in SPLITS}
    signer_use: dict[str, set[int]] = {s: set() for s in SPLITS}
    for split, n_clips in zip(SPLITS, spec.clips, strict=True):
        rows = ["\t".join(HEADER)]
        made = 0
        while made < n_clips:
            vid = "".join(rng.choice(list(ID_CHARS), size=11))
            if vid in video_signer:
                continue
            signer = signers[int(rng.integers(len(signers)))]
            video_signer[vid] = signer.index
            signer_use[split].add(signer.index)
            part = int(rng.integers(1, 9))
            video_name = f"{vid}-{part}-rgb_front"
            lo, hi = spec.clips_per_video
            k_first = int(rng.integers(0, 4))
            clock = float(rng.uniform(1.0, 20.0))
            for k in range(k_first, k_first + int(rng.integers(lo, hi + 1))):
                if made >= n_clips:
                    break
                clip_rng = np.random.default_rng(rng.integers(2**63))
                sentence = picker.pick(split, clip_rng)
                channels = plan_clip(
                    sentence, lexicon, signer, places[signer.index], spec, clip_rng
                )
                frames = pose_clip(channels, signer, spec.fps, clip_rng)
                det = detect(frames, signer, spec, clip_rng)
                name = f"{vid}_{k}-{part}-rgb_front"
                _write_clip(root / "openpose" / name, name, frame_files(det))
                n_frames = channels.shape[0]
                start = round(clock, 2)
                end = round(start + n_frames / spec.fps, 2)
                clock = end + float(clip_rng.uniform(0.3, 3.0))
                rows.append(
                    "\t".join(
                        (
                            vid,
                            video_name,
                            f"{vid}_{k}",
                            name,
                            f"{start:.2f}",
                            f"{end:.2f}",
                            sentence.english,
                        )
                    )
                )
                gloss_lines.append(f"{name}\t{sentence.transcription()}")
                frames_per_split[split].append(n_frames)
                sentences[split].append(sentence)
                made += 1
        (root / f"how2sign_realigned_{split}.csv").write_text("\n".join(rows) + "\n")
    (root / "glosses.tsv").write_text("\n".join(gloss_lines) + "\n")
    summary = _summary(
        preset,
        spec,
        seed,
        grammar,
        lexicon,
        signers,
        frames_per_split,
        sentences,
        signer_use,
        picker.fallbacks,
    )
    summary["video_signer"] = video_signer
    return summary


def _summary(
    preset: str,
    spec: Spec,
    seed: int,
    grammar: Grammar,
    lexicon: dict,
    signers: list,
    frames: dict[str, list[int]],
    sentences: dict[str, list[Sentence]],
    signer_use: dict[str, set[int]],
    fallbacks: int,
) -> dict:
    all_frames = [n for s in SPLITS for n in frames[s]]
    train_english = {s.english for s in sentences["train"]}
    train_glosses = {g for s in sentences["train"] for g in s.glosses}
    english_words = {
        w.strip(".?").lower() for s in SPLITS for x in sentences[s] for w in x.english.split()
    }
    used_glosses = {g for s in SPLITS for x in sentences[s] for g in x.glosses}
    held = {}
    for split in ("val", "test"):
        ss = sentences[split]
        held[split] = {
            "sentences_also_in_train": sum(s.english in train_english for s in ss),
            "glosses_unseen_in_train": sorted({g for s in ss for g in s.glosses} - train_glosses),
        }
    return {
        "generator": "marionette",
        "preset": preset,
        "seed": seed,
        "spec": asdict(spec),
        "clips": {s: len(frames[s]) for s in SPLITS},
        "mean_frames_per_clip": {
            **{s: round(float(np.mean(frames[s])), 1) if frames[s] else 0.0 for s in SPLITS},
            "all": round(float(np.mean(all_frames)), 1) if all_frames else 0.0,
        },
        "frames": {
            "total": sum(all_frames),
            "min": min(all_frames, default=0),
            "max": max(all_frames, default=0),
        },
        "vocabulary": {
            "signs": len(lexicon),
            "signs_used": len(used_glosses),
            "english_words": len(english_words),
            "classes": grammar.counts,
        },
        "sign_inventory": inventory_sizes(lexicon),
        "sentence_kinds": {
            k: sum(x.kind == k for s in SPLITS for x in sentences[s])
            for k in ("stmt", "neg", "yn", "wh")
        },
        "held_out": held,
        "sentence_fallbacks": fallbacks,
        "signers": {
            "pool": len(signers),
            "left_handed": sum(s.left_handed for s in signers),
            "used": {s: len(signer_use[s]) for s in SPLITS},
        },
        "transcription": "glosses.tsv lists the signs in order; '[yn]' ends yes/no questions, "
        "which are marked by raised brows only",
        "lexicon": {g: asdict(f) for g, f in lexicon.items()},
        "signer_pool": [s.describe() for s in signers],
    }
