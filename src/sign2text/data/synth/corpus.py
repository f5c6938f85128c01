"""The corpus: videos, signers, splits and names, and every clip made from (size, seed, index).

Each clip depends only on the size, the seed and its index, through independent random streams
(text, timing, motion, detector noise), so clips can be made in any order, by any number of
processes, with the same result. Sentences are kept apart by a hash of their English text:
a sentence whose bucket is reserved for validation or test is never drawn for training.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from .body import render_body
from .detector import detect
from .grammar import Grammar, Sentence, english_words
from .lexicon import Lexicon, load_lexicon
from .signers import FPS, Camera, Signer, make_camera, make_signer
from .signs import Sign, sign_table
from .sizes import SPLITS, SynthSize, resolve_size
from .timeline import Segment, articulate, clip_frames, plan_segments

_VIDEO_ID_CHARACTERS = string.ascii_letters + string.digits + "_-"
_VIDEO_ID_LENGTH = 11
# Independent random streams: numpy seeds each from [seed, stream, index...].
_VIDEOS, _SIGNERS, _TEXT, _TIMING, _MOTION, _NOISE, _TIMES = range(7)
_BUCKETS = {"val": range(0, 10), "test": range(10, 20)}  # of 100; the rest is for training


def _rng(*entropy: int) -> np.random.Generator:
    return np.random.default_rng(list(entropy))


@dataclass(frozen=True, eq=False)
class SynthClip:
    """One synthetic clip: its names, its sentence and glosses, and its OpenPose keypoints."""

    name: str  # SENTENCE_NAME, e.g. "aB3-x_9QzK1_4-2-rgb_front"
    sentence_id: str  # SENTENCE_ID, e.g. "aB3-x_9QzK1_4"
    video_id: str
    video_name: str
    split: str
    signer: int
    sentence: str  # English
    glosses: tuple[str, ...]
    keypoints: np.ndarray  # (T, 137, 3) float32 x, y, confidence in pixels; 0, 0, 0 = missed

    @property
    def frames(self) -> int:
        """Number of frames."""
        return int(self.keypoints.shape[0])


@dataclass(frozen=True)
class Video:
    """A video that several consecutive clips are cut from; one signer, one split."""

    video_id: str
    number: int  # the <n> of "<VIDEO_ID>-<n>-rgb_front"
    split: str
    signer: int
    first_clip: int  # corpus index of its first clip
    clips: int
    camera: Camera

    @property
    def name(self) -> str:
        """VIDEO_NAME."""
        return f"{self.video_id}-{self.number}-rgb_front"


@dataclass(frozen=True)
class Corpus:
    """Everything shared by a corpus's clips."""

    size: SynthSize
    seed: int
    lexicon: Lexicon  # the words the sentences draw on
    grammar: Grammar
    signs: dict[str, Sign]
    signers: tuple[Signer, ...]
    videos: tuple[Video, ...]

    def video_of(self, index: int) -> Video:
        """The video clip `index` belongs to."""
        starts = [v.first_clip for v in self.videos]
        return self.videos[bisect.bisect_right(starts, index) - 1]

    def split_start(self, split: str) -> int:
        """Corpus index of the first clip of `split` (clips are ordered train, val, test)."""
        return sum(self.size.clips[: SPLITS.index(split)])


def _plan_videos(size: SynthSize, seed: int, signers: tuple[Signer, ...]) -> tuple[Video, ...]:
    rng = _rng(seed, _VIDEOS)
    videos: list[Video] = []
    taken: set[str] = set()
    first = 0
    for split, count in zip(SPLITS, size.clips, strict=True):
        left = count
        while left > 0:
            video_id = "".join(rng.choice(list(_VIDEO_ID_CHARACTERS), _VIDEO_ID_LENGTH))
            if video_id in taken:
                continue
            taken.add(video_id)
            clips = min(left, int(rng.integers(*size.sentences_per_video, endpoint=True)))
            signer = int(rng.integers(len(signers)))
            camera = make_camera(signers[signer], _rng(seed, _VIDEOS, len(videos)))
            number = int(rng.integers(1, 9))
            videos.append(Video(video_id, number, split, signer, first, clips, camera))
            first, left = first + clips, left - clips
    return tuple(videos)


@functools.cache
def category_usage(clauses: tuple[float, ...]) -> dict[str, float]:
    """Words per sentence that the grammar draws from each category of the whole lexicon."""
    return Grammar(load_lexicon()).category_usage(clauses)


@functools.cache
def lexicon_signs() -> dict[str, Sign]:
    """The sign of every gloss of the lexicon; the same for every size and seed."""
    return sign_table(load_lexicon().by_priority(category_usage((1.0,))))


@functools.lru_cache(maxsize=8)
def make_corpus(size: SynthSize, seed: int) -> Corpus:
    """The shared parts of the corpus of `size` drawn with `seed`."""
    lexicon = load_lexicon().subset(size.lexicon, category_usage(size.clauses))
    signers = tuple(make_signer(i, _rng(seed, _SIGNERS, i)) for i in range(size.signers))
    videos = _plan_videos(size, seed, signers)
    return Corpus(size, seed, lexicon, Grammar(lexicon), lexicon_signs(), signers, videos)


def _bucket(sentence: str, seed: int) -> int:
    digest = hashlib.blake2b(f"{seed}\n{sentence}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) % 100


def _fits_split(sentence: str, seed: int, split: str) -> bool:
    bucket = _bucket(sentence, seed)
    if split == "train":
        return all(bucket not in held_out for held_out in _BUCKETS.values())
    return bucket in _BUCKETS[split]


def _script(corpus: Corpus, index: int) -> tuple[Sentence, tuple[Segment, ...]]:
    """The sentence and the timing plan of clip `index`, drawn until they fit its split."""
    size, seed = corpus.size, corpus.seed
    video = corpus.video_of(index)
    speed = corpus.signers[video.signer].speed
    for attempt in itertools.count():
        rng = _rng(seed, _TEXT, index, attempt)
        clauses = 1 + int(rng.choice(len(size.clauses), p=size.clauses))
        sentence = corpus.grammar.sentence(rng, clauses)
        low, high = size.words
        if not low <= english_words(sentence.english) <= high:
            continue
        if not _fits_split(sentence.english, seed, video.split):
            continue
        signs = [corpus.signs[g] for g in sentence.glosses]
        starts = [first for first, _, _ in sentence.clauses]
        segments = plan_segments(signs, starts, size, speed, _rng(seed, _TIMING, index, attempt))
        if clip_frames(segments) <= size.max_frames:
            return sentence, segments
    raise AssertionError("unreachable")


def generate_clip(corpus: Corpus, index: int) -> SynthClip:
    """Clip `index` of the corpus (0 <= index < size.total_clips)."""
    video = corpus.video_of(index)
    signer = corpus.signers[video.signer]
    sentence, segments = _script(corpus, index)
    signs = [corpus.signs[g] for g in sentence.glosses]
    seed = corpus.seed
    rows = articulate(segments, signs, sentence.clauses, signer, _rng(seed, _MOTION, index))
    body = render_body(rows, signer, video.camera)  # (T, 137, 2)
    keypoints = detect(
        body, signer, video.camera, corpus.size.hand_losses, _rng(seed, _NOISE, index)
    )
    k = index - video.first_clip
    return SynthClip(
        name=f"{video.video_id}_{k}-{video.number}-rgb_front",
        sentence_id=f"{video.video_id}_{k}",
        video_id=video.video_id,
        video_name=video.name,
        split=video.split,
        signer=video.signer,
        sentence=sentence.english,
        glosses=sentence.glosses,
        keypoints=keypoints,
    )


def clip_indices(
    size: str | SynthSize, split: str | None = None, limit: int | None = None
) -> list[int]:
    """Corpus indices of the clips of `split` (all splits if None), at most `limit` per split."""
    size = resolve_size(size)
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {SPLITS}")
    indices: list[int] = []
    start = 0
    for name, count in zip(SPLITS, size.clips, strict=True):
        if split in (None, name):
            indices += range(start, start + (count if limit is None else min(count, limit)))
        start += count
    return indices


def generate_clips(
    size: str | SynthSize, seed: int, split: str | None = None, limit: int | None = None
) -> Iterator[SynthClip]:
    """Clips of `split` (all splits if None, in the order train, val, test) made in memory.

    `limit` keeps the first `limit` clips of each split.
    """
    corpus = make_corpus(resolve_size(size), seed)
    for index in clip_indices(corpus.size, split, limit):
        yield generate_clip(corpus, index)


def sample_lengths(size: str | SynthSize, seed: int, n: int) -> np.ndarray:
    """Frame counts of the first `n` clips, from their timing plans alone (no rendering).

    -> (n,) int; identical to the lengths `generate_clips` gives those clips.
    """
    corpus = make_corpus(resolve_size(size), seed)
    count = min(n, corpus.size.total_clips)
    return np.array([clip_frames(_script(corpus, i)[1]) for i in range(count)], dtype=np.int64)


def clip_times(corpus: Corpus, frames: Mapping[int, int]) -> dict[int, tuple[float, float]]:
    """START and END (seconds in the video, 2 decimals) of the clips whose frame counts are given.

    The clips of a video follow each other with short gaps, so a clip's times depend only on the
    clips before it in its video; `frames` must hold each video's clips from its first on.
    """
    times: dict[int, tuple[float, float]] = {}
    for number, video in enumerate(corpus.videos):
        rng = _rng(corpus.seed, _TIMES, number)
        start = rng.uniform(0.5, 20.0)
        for index in range(video.first_clip, video.first_clip + video.clips):
            if index not in frames:
                break
            begin = round(start, 2)
            end = round(begin + frames[index] / FPS, 2)
            times[index] = (begin, end)
            start = end + rng.uniform(0.05, 2.5)
    return times
