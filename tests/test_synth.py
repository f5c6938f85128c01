"""The synthetic sign language: How2Sign's on-disk format, determinism, and a fair language."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import orjson
import pytest

from sign2text.data.synth import SIZES, generate_clips, sample_lengths, write_dataset
from sign2text.data.synth import writer as synth_writer
from sign2text.data.synth.corpus import make_corpus
from sign2text.data.synth.grammar import NEGATION, QUESTION_MARKER, Clause, Grammar, Part
from sign2text.data.synth.handshapes import HANDSHAPES, hand_points
from sign2text.data.synth.lexicon import FUNCTION_WORDS, load_lexicon, parse_lexicon
from sign2text.data.synth.signs import ORIENTATIONS

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "how2sign"
TIME_CATEGORIES = {"time_modifier", "time_cycle", "time_daypart", "time_past", "time_future"}
PREDICATES = {"adjective", "adj_person"}
LIMIT = 3  # clips per split in written test corpora


def tree_digest(root: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below `root`."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "tiny"
    write_dataset(out, "tiny", seed=7, workers=1, limit=LIMIT)
    return out


@pytest.fixture(scope="module")
def tiny_clips() -> list:
    return list(generate_clips("tiny", seed=3))


# -- files --------------------------------------------------------------------------------
def test_worker_count_and_seed_fix_every_byte(written: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    write_dataset(again, "tiny", seed=7, workers=2, limit=LIMIT)
    assert tree_digest(again) == tree_digest(written)
    other = tmp_path / "other"
    write_dataset(other, "tiny", seed=8, workers=1, limit=LIMIT)
    assert (other / "how2sign_realigned_train.csv").read_bytes() != (
        written / "how2sign_realigned_train.csv"
    ).read_bytes()


def test_frames_are_openpose_json(written: Path) -> None:
    files = sorted((written / "openpose").glob("*/*_keypoints.json"))
    assert files
    frame = orjson.loads(files[0].read_bytes())
    assert frame["version"] == 1.3
    (person,) = frame["people"]
    assert person["person_id"] == [-1]
    lengths = {k: len(v) for k, v in person.items() if k.endswith("_2d")}
    assert lengths == {"pose_keypoints_2d": 75, "face_keypoints_2d": 210,
                       "hand_left_keypoints_2d": 63, "hand_right_keypoints_2d": 63}  # fmt: skip
    assert all(person[k] == [] for k in person if k.endswith("_3d"))
    text = files[0].read_bytes()
    assert b"0,0,0" in text and b".0," not in text  # undetected legs written as OpenPose does


def test_header_matches_real_how2sign(written: Path) -> None:
    real = REAL_DATA / "how2sign_realigned_val.csv"
    if not real.exists():
        pytest.skip(f"real How2Sign files not found at {REAL_DATA}")
    header = real.read_text().splitlines()[0]
    for split in ("train", "val", "test"):
        assert (written / f"how2sign_realigned_{split}.csv").read_text().splitlines()[0] == header


def test_names_times_and_frame_counts_agree(written: Path) -> None:
    info = orjson.loads((written / "synth_info.json").read_bytes())
    assert info["clips"] == {"train": LIMIT, "val": LIMIT, "test": LIMIT}
    for split in ("train", "val", "test"):
        rows = read_rows(written / f"how2sign_realigned_{split}.csv")
        assert len(rows) == LIMIT
        for row in rows:
            video = row["VIDEO_ID"]
            assert len(video) == 11
            n = row["VIDEO_NAME"].removeprefix(f"{video}-").removesuffix("-rgb_front")
            assert row["SENTENCE_ID"].startswith(f"{video}_")
            k = row["SENTENCE_ID"].removeprefix(f"{video}_")
            assert row["SENTENCE_NAME"] == f"{video}_{k}-{n}-rgb_front"
            frames = sorted((written / "openpose" / row["SENTENCE_NAME"]).iterdir())
            name = row["SENTENCE_NAME"]
            assert [f.name for f in frames] == [
                f"{name}_{i:012d}_keypoints.json" for i in range(len(frames))
            ]
            seconds = float(row["END_REALIGNED"]) - float(row["START_REALIGNED"])
            assert round(seconds * 24) == len(frames)
            assert row["SENTENCE"][0].isupper() and row["SENTENCE"][-1] in ".?"


def test_interrupted_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> None:
        raise RuntimeError("interrupted")

    monkeypatch.setattr(synth_writer, "_write_tables", fail)
    with pytest.raises(RuntimeError, match="interrupted"):
        write_dataset(tmp_path / "out", "tiny", seed=1, workers=1, limit=1)
    assert list(tmp_path.iterdir()) == []


# -- clips --------------------------------------------------------------------------------
def test_same_seed_same_clips_other_seed_other_clips() -> None:
    first, again = (list(generate_clips("tiny", seed=5, limit=2)) for _ in range(2))
    other = list(generate_clips("tiny", seed=6, limit=2))
    assert [c.sentence for c in first] == [c.sentence for c in again]
    assert all(np.array_equal(a.keypoints, b.keypoints) for a, b in zip(first, again, strict=True))
    assert [c.sentence for c in first] != [c.sentence for c in other]


def test_held_out_sentences_never_train(tiny_clips: list) -> None:
    train = {c.sentence for c in tiny_clips if c.split == "train"}
    held_out = [c.sentence for c in tiny_clips if c.split != "train"]
    assert len(held_out) == SIZES["tiny"].clips[1] + SIZES["tiny"].clips[2]
    assert not train & set(held_out)


def test_signers_are_shared_by_splits(tiny_clips: list) -> None:
    by_split = {s: {c.signer for c in tiny_clips if c.split == s} for s in ("train", "val")}
    assert len(by_split["train"]) == SIZES["tiny"].signers
    assert by_split["val"] <= by_split["train"] and len(by_split["val"]) > 1


def test_missed_points_are_exactly_zero(tiny_clips: list) -> None:
    keypoints = np.concatenate([c.keypoints for c in tiny_clips])  # (N, 137, 3)
    missed = keypoints[..., 2] == 0
    assert np.all(keypoints[missed] == 0)
    assert np.all(keypoints[~missed][:, :2] > 0)
    hands = missed[:, 95:]
    assert 0.005 < hands.mean() < 0.1  # single points and whole hands are lost now and then
    assert hands.reshape(-1, 2, 21).all(axis=-1).any()
    assert missed[:, 19:25].all()  # feet are never in the frame
    detected = keypoints[~missed][:, 2]
    assert detected.min() >= 0.3 and detected.max() <= 0.95


def test_sample_lengths_match_rendered_clips() -> None:
    clips = list(generate_clips("tiny", seed=2, split="train", limit=5))
    assert list(sample_lengths("tiny", seed=2, n=5)) == [c.frames for c in clips]


def test_clip_lengths_follow_the_size() -> None:
    demo = sample_lengths("demo", seed=0, n=300)
    assert 40 <= np.median(demo) <= 100
    how2sign = sample_lengths("how2sign", seed=0, n=300)
    assert 110 <= np.median(how2sign) <= 190 and how2sign.max() <= 900


# -- the language -------------------------------------------------------------------------
def test_glosses_leave_out_english_function_words(tiny_clips: list) -> None:
    lexicon = load_lexicon()
    glosses = {g for c in tiny_clips for g in c.glosses} | set(lexicon.glosses())
    assert not {part.lower() for g in glosses for part in g.split("-")} & FUNCTION_WORDS


def _check_clause(glosses: tuple[str, ...], kind: str, categories: dict) -> None:
    timed = [bool(categories.get(g, set()) & TIME_CATEGORIES) for g in glosses]
    assert timed == sorted(timed, reverse=True), glosses  # the time phrase comes first
    if kind == "yes_no":
        assert glosses[-1] == QUESTION_MARKER
    if kind == "wh":
        assert "wh" in categories[glosses[-1]]
    if kind == "negation":
        assert glosses[-1] == NEGATION
        before = categories[glosses[-2]]
        assert any(c.startswith("verb_") for c in before) or before & PREDICATES
    assert (QUESTION_MARKER in glosses) == (kind == "yes_no")
    assert (NEGATION in glosses) == (kind == "negation")


@pytest.mark.parametrize("size", ["demo", "how2sign"])
def test_gloss_order_rules(size: str) -> None:
    corpus = make_corpus(SIZES[size], seed=0)
    categories, grammar = corpus.lexicon.gloss_categories(), corpus.grammar
    rng = np.random.default_rng(0)
    for _ in range(400):
        sentence = grammar.sentence(rng, clauses=1 + int(rng.integers(3)) if size != "demo" else 1)
        for first, end, kind in sentence.clauses:
            clause = sentence.glosses[first:end]
            if first > 0:
                assert "conjunction" in categories[clause[0]]
                clause = clause[1:]
            _check_clause(clause, kind, categories)


MINI_LEXICON = """
[pronoun]
he
[possessive]
my
[wh]
what
[conjunction]
but
[negation]
not
[question]
qm
[number]
two
[time_modifier]
last
[time_cycle]
week
[time_daypart]
morning
[time_past]
yesterday
[time_future]
tomorrow
[person]
brother
[animal]
cat
[food]
bread
[object]
car
[place]
store
[adjective]
red
[adj_person]
tired
[verb_thing]
buy|bought
[verb_object]
fix
[verb_food]
eat|ate
[verb_animal]
feed|fed
[verb_person]
meet|met
[verb_motion]
go|went|goes
[verb_intrans]
sleep|slept
[verb_modal]
want
"""


def _clause(**changes: object) -> Clause:
    lexicon = parse_lexicon(MINI_LEXICON)
    fields = dict(
        shape="transitive", tense="past", time=Part(("yesterday",), ("YESTERDAY",)),
        subject=Part(("my", "brother"), ("MY", "BROTHER")), agreement="3s",
        verb=lexicon.words("verb_thing")[0], modal=None,
        obj=Part(("the", "red", "car"), ("CAR", "RED")), obj_category="object",
        place=Part(), preposition="", adjective=Part(),
    )  # fmt: skip
    return Clause(**{**fields, **changes})  # type: ignore[arg-type]


def test_english_is_grammatical_and_glosses_reorder_it() -> None:
    grammar = Grammar(parse_lexicon(MINI_LEXICON))
    said = grammar.statement(_clause(), negated=False)
    assert " ".join(said.english) == "yesterday my brother bought the red car"
    assert said.glosses == ("YESTERDAY", "CAR", "RED", "MY", "BROTHER", "BUY")
    negated = grammar.statement(_clause(tense="present", time=Part()), negated=True)
    assert " ".join(negated.english) == "my brother does not buy the red car"
    assert negated.glosses[-2:] == ("BUY", "NOT")
    asked = grammar.yes_no(_clause())
    assert " ".join(asked.english) == "did my brother buy the red car yesterday"
    assert asked.glosses[-1] == "QM"
    what = grammar.wh(_clause(), "what")
    assert " ".join(what.english) == "what did my brother buy yesterday"
    assert what.glosses == ("YESTERDAY", "MY", "BROTHER", "BUY", "WHAT")
    modal = grammar.statement(
        _clause(tense="present", time=Part(), modal=grammar.lexicon.words("verb_modal")[0]),
        negated=False,
    )
    assert " ".join(modal.english) == "my brother wants to buy the red car"
    store = Part(("the", "store"), ("STORE",))
    went = grammar.statement(
        _clause(
            shape="motion",
            verb=grammar.lexicon.words("verb_motion")[0],
            obj=Part(),
            obj_category="",
            place=store,
            preposition="to",
        ),
        negated=False,
    )
    assert " ".join(went.english) == "yesterday my brother went to the store"
    assert went.glosses == ("YESTERDAY", "STORE", "MY", "BROTHER", "GO")
    tired = Part(("tired",), ("TIRED",))
    was = grammar.statement(
        _clause(shape="predicate", verb=None, obj=Part(), obj_category="", adjective=tired),
        negated=True,
    )
    assert " ".join(was.english) == "yesterday my brother was not tired"
    assert was.glosses == ("YESTERDAY", "MY", "BROTHER", "TIRED", "NOT")


def test_distinct_words_get_distinct_signs() -> None:
    lexicon = load_lexicon()
    assert len(lexicon.glosses()) > 2000
    signs = make_corpus(SIZES["demo"], seed=0).signs
    assert set(lexicon.glosses()) <= set(signs)
    assert len({s.key for s in signs.values()}) == len(signs)
    demo = make_corpus(SIZES["demo"], seed=0).lexicon.glosses()
    assert len({signs[g].key[1:] for g in demo}) == len(demo)  # small lexicons: coarsely distinct
    assert signs[NEGATION].head_shake and signs[QUESTION_MARKER].facial == "brows_raised"


def test_hand_shapes_are_distinct() -> None:
    shapes = np.stack(list(HANDSHAPES.values()))  # (S, SHAPE_DIMS)
    assert len(shapes) >= 20
    views = [
        hand_points(shapes, np.tile(o, (len(shapes), 1)))[..., :2] for o in ORIENTATIONS.values()
    ]
    points = np.concatenate(views, axis=1)  # (S, 21 * views, 2)
    distance = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1).mean(-1))
    np.fill_diagonal(distance, np.inf)
    assert distance.min() > 0.02  # hand lengths; detector jitter is about 0.01


def test_unsigned_words_are_refused_in_the_lexicon() -> None:
    with pytest.raises(ValueError, match="unsigned"):
        parse_lexicon(MINI_LEXICON.replace("[place]\nstore", "[place]\nthe store"))
