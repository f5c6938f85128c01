"""Sentence grammar: picks the vocabulary and produces gloss sequences with their English."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from . import words as W
from .spec import Spec

KINDS = ("stmt", "neg", "yn", "wh")
YN_MARK = "[yn]"  # yes/no questions are marked by brows only; the transcription notes it
CLASS_WEIGHTS = {
    "people": 0.12,
    "things": 0.34,
    "verbs": 0.26,
    "adjectives": 0.12,
    "places": 0.08,
    "numbers": 0.08,
}
CLASS_MINIMUM = {"people": 2, "things": 3, "verbs": 3, "adjectives": 1, "places": 1, "numbers": 1}


@dataclass(frozen=True)
class Sentence:
    """One sentence: glosses in signing order, each gloss's role, the kind and the English."""

    glosses: tuple[str, ...]
    roles: tuple[str, ...]
    kind: str
    english: str

    def transcription(self) -> str:
        """The glosses as written in glosses.tsv: signs, then "[yn]" on yes/no questions."""
        return " ".join(self.glosses + ((YN_MARK,) if self.kind == "yn" else ()))


def text_bucket(text: str) -> float:
    """A stable number in [0, 1) from a hash of the text (independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def _allocate(spec: Spec) -> dict[str, int]:
    v = spec.vocab_size
    fixed = {
        "negation": 1,
        "wh": 3 if v < 45 else 4,
        "times": min(len(W.TIMES), 2 + v // 30),
        "pronouns": min(len(W.PRONOUNS), 2 + v // 40),
        "article": int(spec.sign_articles),
    }
    rest = v - sum(fixed.values())
    pools = {
        "people": len(W.PEOPLE),
        "things": len(W.THINGS),
        "verbs": len(W.VERBS),
        "adjectives": len(W.ADJECTIVES),
        "places": len(W.PLACES),
        "numbers": len(W.NUMBERS),
    }
    raw = {k: rest * w for k, w in CLASS_WEIGHTS.items()}
    counts = {k: max(CLASS_MINIMUM[k], int(raw[k])) for k in raw}
    order = sorted(raw, key=lambda k: raw[k] - int(raw[k]), reverse=True)
    i = 0
    while sum(counts.values()) < rest:
        k = order[i % len(order)]
        if counts[k] < pools[k]:
            counts[k] += 1
        i += 1
    while sum(counts.values()) > rest:
        k = max(counts, key=lambda c: counts[c] - CLASS_MINIMUM[c])
        counts[k] -= 1
    for k in counts:  # overflow of a small pool goes to the big ones
        spill = counts[k] - pools[k]
        if spill > 0:
            counts[k] = pools[k]
            for big in ("things", "verbs", "adjectives", "people"):
                take = min(spill, pools[big] - counts[big])
                counts[big] += take
                spill -= take
    return {**fixed, **counts}


class Grammar:
    """The vocabulary of one language and a sampler of its sentences."""

    def __init__(self, spec: Spec, rng: np.random.Generator) -> None:
        self.spec = spec
        n = _allocate(spec)
        self.counts = n

        def pick(pool: list, k: int) -> list:
            idx = rng.choice(len(pool), size=k, replace=False)
            return [pool[i] for i in sorted(idx)]

        self.pronouns = W.PRONOUNS[: n["pronouns"]]
        self.people = pick(W.PEOPLE, n["people"])
        self.things = pick(W.THINGS, n["things"])
        transitive = [v for v in W.VERBS if v[4]]
        intransitive = [v for v in W.VERBS if not v[4]]
        n_trans = min(len(transitive), max(2, round(0.72 * n["verbs"])))
        n_intr = min(len(intransitive), n["verbs"] - n_trans)
        n_trans = n["verbs"] - n_intr
        self.transitive = pick(transitive, n_trans)
        self.intransitive = pick(intransitive, n_intr)
        self.adjectives = pick(W.ADJECTIVES, n["adjectives"])
        self.places = pick(W.PLACES, n["places"])
        self.numbers = W.NUMBERS[: n["numbers"]]
        self.times = W.TIMES[: n["times"]]
        self.wh = W.WH_WORDS[: n["wh"]]

        vocab = [g for g, _, _ in self.pronouns]
        vocab += [W.person_gloss(p) for p in self.people]
        vocab += [W.thing_gloss(s) for s, _ in self.things]
        vocab += [v[0] for v in self.transitive + self.intransitive]
        vocab += [W.adjective_gloss(a) for a in self.adjectives]
        vocab += [g for g, _ in self.places]
        vocab += [g for g, _, _ in self.numbers]
        vocab += [g for g, _, _ in self.times]
        vocab += [g for g, _ in self.wh]
        vocab.append(W.NEGATION)
        if spec.sign_articles:
            vocab.append(W.ARTICLE)
        if len(vocab) != spec.vocab_size or len(set(vocab)) != len(vocab):
            raise AssertionError(f"vocabulary has {len(vocab)} signs, wanted {spec.vocab_size}")
        self.vocabulary: list[str] = vocab
        self.mix = np.asarray(spec.sentence_mix, dtype=float) / sum(spec.sentence_mix)

    # ------------------------------------------------------------------ sampling
    def sample(self, rng: np.random.Generator) -> Sentence:
        lo, hi = self.spec.sentence_length
        best = None
        for _ in range(200):
            s = self._one(rng)
            if lo <= len(s.glosses) <= hi:
                return s
            if best is None or abs(len(s.glosses) - (lo + hi) / 2) < abs(
                len(best.glosses) - (lo + hi) / 2
            ):
                best = s
        assert best is not None
        return best

    def _one(self, rng: np.random.Generator) -> Sentence:
        kind = KINDS[int(rng.choice(4, p=self.mix))]
        wh = None
        if kind == "wh":
            wh = self.wh[int(rng.integers(len(self.wh)))]
        art = self.spec.sign_articles

        # subject
        subj: list[tuple[str, str]] = []
        if wh is not None and wh[0] == "WHO":
            subj_text, third = "", True
        elif rng.random() < 0.35:
            g, subj_text, third = self.pronouns[int(rng.integers(len(self.pronouns)))]
            subj = [(g, "subj")]
        else:
            word = self.people[int(rng.integers(len(self.people)))]
            subj_text, third = "the " + word, True
            subj = ([(W.ARTICLE, "art")] if art else []) + [(W.person_gloss(word), "subj")]

        # verb and object
        want_object = (wh is not None and wh[0] == "WHAT") or rng.random() < 0.72
        verbs = self.transitive if want_object or not self.intransitive else self.intransitive
        vgloss, base, s3, past, transitive = verbs[int(rng.integers(len(verbs)))]
        obj: list[tuple[str, str]] = []
        obj_text = ""
        if transitive and not (wh is not None and wh[0] == "WHAT"):
            sing, plur = self.things[int(rng.integers(len(self.things)))]
            adj = (
                self.adjectives[int(rng.integers(len(self.adjectives)))]
                if rng.random() < 0.3
                else None
            )
            num = self.numbers[int(rng.integers(len(self.numbers)))] if rng.random() < 0.2 else None
            obj = ([(W.ARTICLE, "art")] if art and num is None else []) + [
                (W.thing_gloss(sing), "obj")
            ]
            if adj is not None:
                obj.append((W.adjective_gloss(adj), "adj"))
            adj_text = adj + " " if adj else ""
            if num is not None:
                obj.append((num[0], "num"))
                obj_text = f"{num[1]} {adj_text}{plur if num[2] > 1 else sing}"
            else:
                obj_text = f"the {adj_text}{sing}"

        place = None
        if not (wh is not None and wh[0] == "WHERE") and rng.random() < 0.3:
            place = self.places[int(rng.integers(len(self.places)))]
        time = self.times[int(rng.integers(len(self.times)))] if rng.random() < 0.45 else None
        tense = time[2] if time else "present"

        # glosses in signing order
        t_part = [(time[0], "time")] if time else []
        p_part = [(place[0], "place")] if place else []
        v_part = [(vgloss, "verb")] + ([(W.NEGATION, "neg")] if kind == "neg" else [])
        order = self.spec.word_order
        if order == "SOV":
            parts = t_part + p_part + subj + obj + v_part
        elif order == "SVO":
            parts = t_part + p_part + subj + v_part + obj
        elif order == "OSV":
            parts = t_part + p_part + obj + subj + v_part
        else:  # topic: the object phrase comes first, then the rest
            parts = obj + t_part + p_part + subj + v_part
        if wh is not None:
            parts.append((wh[0], "wh"))

        # English
        tail = " ".join(
            x for x in (obj_text, place[1] if place else "", time[1] if time else "") if x
        )
        aux = {"past": "did", "future": "will", "present": "does" if third else "do"}[tense]
        finite = {"past": past, "future": "will " + base, "present": s3 if third else base}[tense]
        if kind == "stmt":
            body = f"{subj_text} {finite} {tail}"
        elif kind == "neg":
            body = f"{subj_text} {aux} not {base} {tail}"
        elif kind == "yn":
            body = f"{aux} {subj_text} {base} {tail}"
        elif wh is not None and wh[0] == "WHO":
            body = f"who {finite} {tail}"
        else:
            assert wh is not None
            body = f"{wh[1]} {aux} {subj_text} {base} {tail}"
        body = " ".join(body.split())
        english = body[0].upper() + body[1:] + ("?" if kind in ("yn", "wh") else ".")
        glosses = tuple(g for g, _ in parts)
        roles = tuple(r for _, r in parts)
        return Sentence(glosses, roles, kind, english)
