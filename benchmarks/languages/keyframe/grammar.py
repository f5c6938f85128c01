"""Sentences: a small grammar that yields English and its gloss sequence together."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from . import words as W
from .spec import Spec

KINDS = ("statement", "negation", "yn", "wh")
T = TypeVar("T")


@dataclass(frozen=True)
class Vocabulary:
    """The words a language has; every gloss is one sign."""

    animates: tuple[W.Noun, ...]
    things: tuple[W.Noun, ...]
    transitive: tuple[W.Verb, ...]
    intransitive: tuple[W.Verb, ...]
    adjectives: tuple[W.Adjective, ...]
    numbers: tuple[str, ...]
    pronouns: tuple[str, ...]
    times: tuple[str, ...]
    wh: tuple[str, ...]

    def glosses(self) -> list[tuple[str, str]]:
        """(gloss, class) of every sign, NOT included."""
        out = [(n.gloss, "noun") for n in (*self.animates, *self.things)]
        out += [(v.gloss, "verb") for v in (*self.transitive, *self.intransitive)]
        out += [(a.gloss, "adjective") for a in self.adjectives]
        out += [(g, "number") for g in self.numbers]
        out += [(g, "pronoun") for g in self.pronouns]
        out += [(g, "time") for g in self.times]
        out += [(g, "wh") for g in self.wh]
        return [*out, (W.NEGATION, "negation")]

    def sizes(self) -> dict[str, int]:
        """How many signs of each class."""
        sizes: dict[str, int] = {}
        for _, kind in self.glosses():
            sizes[kind] = sizes.get(kind, 0) + 1
        return sizes


def vocabulary(size: int) -> Vocabulary:
    """The first words of each class, in proportions that sum to `size` signs."""

    def share(fraction: float, low: int, high: int) -> int:
        return int(np.clip(round(size * fraction), low, high))

    wh, pronouns, numbers, times = (
        share(0.03, 3, 6),
        share(0.03, 3, 6),
        share(0.04, 2, 9),
        share(0.05, 3, 10),
    )
    content = size - 1 - wh - pronouns - numbers - times
    transitive = max(4, round(content * 0.2))
    intransitive = max(2, round(content * 0.1))
    adjectives = max(4, round(content * 0.25))
    nouns = content - transitive - intransitive - adjectives
    animates = max(4, round(nouns * 0.4))
    return Vocabulary(
        animates=tuple(W.ANIMATES[:animates]),
        things=tuple(W.THINGS[: nouns - animates]),
        transitive=tuple(W.TRANSITIVE[:transitive]),
        intransitive=tuple(W.INTRANSITIVE[:intransitive]),
        adjectives=tuple(W.ADJECTIVES[:adjectives]),
        numbers=W.NUMBERS[:numbers],
        pronouns=tuple(W.PRONOUNS)[:pronouns],
        times=tuple(W.TIMES)[:times],
        wh=W.WH[:wh],
    )


@dataclass(frozen=True)
class Sentence:
    """A sentence: its glosses (manual signs, then `nm:yn` for a yes/no question), its English,
    and its non-manual spans `(marker, first, end)` over the manual glosses."""

    glosses: tuple[str, ...]
    english: str
    kind: str
    marks: tuple[tuple[str, int, int], ...] = field(default=())

    @property
    def manual(self) -> tuple[str, ...]:
        return tuple(g for g in self.glosses if g != W.YN_MARK)


@dataclass
class _Phrase:
    glosses: list[str]
    english: str  # subject form
    object_english: str
    agreement: str  # 1s, 3s, pl


def _pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    return items[int(rng.integers(len(items)))]


def _noun_phrase(
    v: Vocabulary,
    spec: Spec,
    rng: np.random.Generator,
    kind: str,
    pronoun_share: float,
    bare: bool = False,
) -> _Phrase:
    if kind == "any":
        kind = "animate" if rng.random() < 0.5 else "thing"
    if kind == "animate" and not bare and rng.random() < pronoun_share:
        gloss = _pick(rng, v.pronouns)
        subject, obj, agreement = W.PRONOUNS[gloss]
        return _Phrase([gloss], subject, obj, agreement)
    pool = (
        v.animates if kind == "animate" else tuple(n for n in v.things if kind != "food" or n.food)
    )
    noun: W.Noun = _pick(rng, pool or v.things)
    glosses, words = [noun.gloss], []
    if bare:
        return _Phrase(glosses, noun.plural, noun.plural, "pl")
    if rng.random() < spec.adjective_share:
        fits = [a for a in v.adjectives if a.applies in ("any", noun.kind)]
        if fits:
            adjective: W.Adjective = _pick(rng, fits)
            glosses.append(adjective.gloss)
            words.append(adjective.word)
    if v.numbers and rng.random() < spec.number_share:
        number = _pick(rng, v.numbers)
        glosses.append(number)
        text = " ".join([W.NUMBER_WORDS[number], *words, noun.plural])
        return _Phrase(glosses, text, text, "pl")
    text = " ".join(["the", *words, noun.singular])
    return _Phrase(glosses, text, text, "3s")


def _be(agreement: str, tense: str) -> str:
    if tense == "past":
        return "were" if agreement == "pl" else "was"
    return {"1s": "am", "3s": "is"}.get(agreement, "are")


def _do(agreement: str, tense: str) -> str:
    if tense == "past":
        return "did"
    return "does" if agreement == "3s" else "do"


def _finite(verb: W.Verb, agreement: str, tense: str) -> str:
    if tense == "past":
        return verb.past
    if tense == "future":
        return "will " + verb.base
    return verb.third if agreement == "3s" else verb.base


def _english(
    kind: str,
    wh: str | None,
    subject: _Phrase | None,
    predicate: W.Verb | W.Adjective,
    obj: _Phrase | None,
    tense: str,
    time: str,
) -> str:
    """English of one sentence; `subject` is None for WHO, `obj` None for WHAT and no object."""
    when = f" {time}" if time else ""
    future = tense == "future"
    if isinstance(predicate, W.Adjective):
        a = predicate.word
        if wh == "WHO":
            return f"who will be {a}{when}?" if future else f"who {_be('3s', tense)} {a}{when}?"
        assert subject is not None
        s, be = subject.english, _be(subject.agreement, tense)
        if kind == "statement":
            return f"{s} will be {a}{when}." if future else f"{s} {be} {a}{when}."
        if kind == "negation":
            return f"{s} will not be {a}{when}." if future else f"{s} {be} not {a}{when}."
        lead = f"{wh.lower()} " if wh else ""
        return f"{lead}will {s} be {a}{when}?" if future else f"{lead}{be} {s} {a}{when}?"
    verb = predicate
    o = f" {obj.object_english}" if obj is not None else ""
    if wh == "WHO":
        return f"who {_finite(verb, '3s', tense)}{o}{when}?"
    assert subject is not None
    s = subject.english
    aux = "will" if future else _do(subject.agreement, tense)
    if kind == "statement":
        return f"{s} {_finite(verb, subject.agreement, tense)}{o}{when}."
    if kind == "negation":
        return f"{s} {aux} not {verb.base}{o}{when}."
    if wh == "WHAT":
        return f"what {aux} {s} {verb.base}{when}?"
    if wh == "HOW-MANY":
        assert obj is not None
        return f"how many {obj.english} {aux} {s} {verb.base}{when}?"
    lead = f"{wh.lower()} " if wh else ""
    return f"{lead}{aux} {s} {verb.base}{o}{when}?"


def _order(
    spec: Spec,
    time: list[str],
    subject: list[str],
    obj: list[str],
    predicate: list[str],
    wh: list[str],
) -> tuple[list[str], tuple[int, int] | None]:
    """Glosses in the language's word order, and the topic's span (TTC only)."""
    order = spec.word_order
    topic: tuple[int, int] | None = None
    if order == "SOV":
        parts = [time, subject, obj, predicate]
    elif order == "SVO":
        parts = [subject, predicate, obj, time]
    elif order == "OSV":
        parts = [time, obj, subject, predicate]
    else:  # time, topic, comment: the object is the topic, else the subject
        first, second = (obj, subject) if obj else (subject, [])
        parts = [time, first, second, predicate]
        if first:
            topic = (len(time), len(time) + len(first))
    glosses = [g for part in parts for g in part] + wh
    return glosses, topic


def sample_sentence(v: Vocabulary, spec: Spec, rng: np.random.Generator) -> Sentence:
    """One random sentence of the language (not yet checked for length or split)."""
    kind = KINDS[int(rng.choice(4, p=np.asarray(spec.sentence_types) / sum(spec.sentence_types)))]
    frame = rng.choice(3, p=[0.5, 0.25, 0.25])  # transitive, intransitive, adjective
    predicate: W.Verb | W.Adjective
    if frame == 0:
        predicate = _pick(rng, v.transitive)
    elif frame == 1:
        predicate = _pick(rng, v.intransitive)
    else:
        predicate = _pick(rng, v.adjectives)
    transitive = isinstance(predicate, W.Verb) and bool(predicate.takes)
    wh = None
    if kind == "wh":
        allowed = [w for w in v.wh if transitive or w not in ("WHAT", "HOW-MANY")]
        wh = _pick(rng, allowed)
    time_gloss = None
    if v.times and wh != "WHEN" and rng.random() < spec.time_share:
        time_gloss = _pick(rng, v.times)
    phrase, tense = W.TIMES[time_gloss] if time_gloss else ("", "present")

    subject_kind = "animate"
    if isinstance(predicate, W.Adjective):
        subject_kind = predicate.applies
    subject = None if wh == "WHO" else _noun_phrase(v, spec, rng, subject_kind, 0.25)
    obj = None
    if transitive and wh != "WHAT":
        assert isinstance(predicate, W.Verb)
        obj = _noun_phrase(v, spec, rng, predicate.takes, 0.15, bare=wh == "HOW-MANY")
        for _ in range(3):
            if subject is None or obj.glosses[0] != subject.glosses[0]:
                break
            obj = _noun_phrase(v, spec, rng, predicate.takes, 0.15, bare=wh == "HOW-MANY")

    head = [predicate.gloss]
    verb_part = [W.NEGATION, *head] if kind == "negation" else head
    glosses, topic = _order(
        spec,
        [time_gloss] if time_gloss else [],
        subject.glosses if subject else [],
        obj.glosses if obj else [],
        verb_part,
        [wh] if wh else [],
    )
    english = _english(kind, wh, subject, predicate, obj, tense, phrase)
    english = english[0].upper() + english[1:]
    n = len(glosses)
    marks: list[tuple[str, int, int]] = []
    if topic and kind in ("statement", "negation"):
        marks.append(("topic", *topic))
    if kind == "negation":
        start = glosses.index(W.NEGATION)
        marks.append(("neg", start, start + 2))
    if kind == "yn":
        marks.append(("yn", 0, n))
    if kind == "wh":
        marks.append(("wh", 0, n))
    if kind == "yn":
        glosses = [*glosses, W.YN_MARK]
    return Sentence(tuple(glosses), english, kind, tuple(marks))


def bucket(english: str) -> str:
    """Which split a sentence belongs to, from a hash of its English: 80/10/10."""
    value = int.from_bytes(hashlib.sha256(english.encode()).digest()[:4], "big") % 100
    return "train" if value < 80 else "val" if value < 90 else "test"


class SentenceSource:
    """Draws sentences for each split, keeping glosses -> English a function."""

    def __init__(self, v: Vocabulary, spec: Spec, rng: np.random.Generator) -> None:
        self.v, self.spec, self.rng = v, spec, rng
        self.english_of: dict[tuple[str, ...], str] = {}
        self.train: list[Sentence] = []
        self.train_glosses: set[str] = set()

    def _fresh(self, split: str) -> Sentence:
        low, high = self.spec.sentence_glosses
        for _ in range(20000):
            s = sample_sentence(self.v, self.spec, self.rng)
            if not low <= len(s.manual) <= high or bucket(s.english) != split:
                continue
            if self.english_of.get(s.glosses, s.english) != s.english:
                continue  # the same glosses would mean two things
            if split != "train" and not set(s.manual) <= self.train_glosses:
                continue  # val/test only use signs that train shows
            self.english_of[s.glosses] = s.english
            return s
        raise RuntimeError(f"no {split} sentence found: loosen sentence_glosses")

    def draw(self, split: str) -> Sentence:
        """A sentence for `split`; val/test reuse a train sentence at `eval_seen_share`."""
        if split != "train" and self.train and self.rng.random() < self.spec.eval_seen_share:
            return _pick(self.rng, self.train)
        s = self._fresh(split)
        if split == "train":
            self.train.append(s)
            self.train_glosses.update(s.manual)
        return s
