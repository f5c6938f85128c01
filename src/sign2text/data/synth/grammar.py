"""A small grammar that writes an English sentence and its gloss sequence together.

The gloss order is the synthetic sign language's, not English's: the time phrase comes first,
then the topic (a place, an object noun phrase), then the comment (subject, verb), with
adjectives and numbers after their noun, NOT after the verb and the question marker or the
wh-sign last. Articles, auxiliaries, copulas, "to" and prepositions are never signed. The English
is a function of the glosses (tense comes from the time phrase, articles are always "the"), so
translating is a matter of reordering and inserting, never of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .lexicon import Lexicon, Word

CLAUSE_KINDS = ("statement", "negation", "yes_no", "wh")
NEGATION = "NOT"
QUESTION_MARKER = "QM"

# Pronoun -> agreement class: "1s" (I), "3s" (he, she, noun phrases), "pl" (you, we, they).
_AGREEMENT = {"I": "1s", "he": "3s", "she": "3s"}
_BE_PRESENT = {"1s": "am", "3s": "is"}
_BE_PAST = {"1s": "was", "3s": "was"}
_TIME_TENSE = {"time_past": "past", "time_future": "future", "last": "past", "next": "future"}


@dataclass(frozen=True)
class Part:
    """A piece of a sentence: its English words and its glosses."""

    english: tuple[str, ...] = ()
    glosses: tuple[str, ...] = ()

    def __add__(self, other: Part) -> Part:
        return Part(self.english + other.english, self.glosses + other.glosses)


@dataclass(frozen=True)
class Sentence:
    """One English sentence, its glosses, and where each clause lies among the glosses."""

    english: str
    glosses: tuple[str, ...]
    clauses: tuple[tuple[int, int, str], ...]  # (first gloss, end gloss, clause kind)


@dataclass(frozen=True)
class Clause:
    """The content of one clause before it is said as a statement, a question..."""

    shape: str  # "transitive", "intransitive", "motion" or "predicate"
    tense: str  # "present", "past" or "future"
    time: Part  # empty when the clause has no time phrase
    subject: Part
    agreement: str  # "1s", "3s" or "pl"
    verb: Word | None  # None for predicates
    modal: Word | None  # "want" in "wants to buy"
    obj: Part  # object noun phrase (transitive)
    obj_category: str  # "object", "food", "animal" or "person"; "" without an object
    place: Part  # place noun phrase, without its preposition
    preposition: str
    adjective: Part  # predicate adjective


def _say(words: str) -> tuple[str, ...]:
    return tuple(words.split())


def _word(word: Word) -> Part:
    return Part(_say(word.text), (word.gloss,))


class Grammar:
    """Draws clauses from a lexicon and says them as English and glosses."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        objects = {"verb_thing": ("object", "food", "animal"), "verb_object": ("object",)}
        objects |= {"verb_food": ("food",), "verb_animal": ("animal",)}
        objects |= {"verb_person": ("person",)}
        self.objects = {
            verbs: tuple(c for c in cats if lexicon.words(c))
            for verbs, cats in objects.items()
            if lexicon.words(verbs) and any(lexicon.words(c) for c in cats)
        }

    # -- drawing -------------------------------------------------------------------------
    def _pick(self, rng: np.random.Generator, category: str) -> Word:
        words = self.lexicon.words(category)
        return words[int(rng.integers(len(words)))]

    def _has(self, *categories: str) -> bool:
        return all(self.lexicon.words(c) for c in categories)

    def time_phrase(self, rng: np.random.Generator) -> tuple[Part, str]:
        """A time phrase and the tense it sets: "yesterday", "next week", "every morning"."""
        options = [c for c in ("time_past", "time_future") if self._has(c)]
        modifiers = self.lexicon.words("time_modifier")
        options += [w.text for w in modifiers if w.text != "every" and self._has("time_cycle")]
        if any(w.text == "every" for w in modifiers):
            options.append("every")
        choice = options[int(rng.integers(len(options)))]
        if choice.startswith("time_"):
            return _word(self._pick(rng, choice)), _TIME_TENSE[choice]
        modifier = next(w for w in modifiers if w.text == choice)
        nouns = self.lexicon.words("time_cycle")
        if choice == "every":
            nouns += self.lexicon.words("time_daypart")
        noun = nouns[int(rng.integers(len(nouns)))]
        return _word(modifier) + _word(noun), _TIME_TENSE.get(choice, "present")

    def _determiner(self, rng: np.random.Generator, noun: Word, numbers: bool) -> Part:
        """ "the", a possessive or a number before `noun`, signed as NOUN or POSS NOUN..."""
        roll = rng.random()
        if roll < 0.3 and self._has("possessive"):
            return _word(self._pick(rng, "possessive")) + _word(noun)
        if roll < 0.5 and numbers and self._has("number"):
            number = self._pick(rng, "number")
            return Part(_say(f"{number.text} {noun.plural}"), (noun.gloss, number.gloss))
        return Part(("the", *_say(noun.text)), (noun.gloss,))

    def noun_phrase(self, rng: np.random.Generator, category: str) -> Part:
        """An object, food, animal or person noun phrase; adjectives follow the noun in signs."""
        noun = self._pick(rng, category)
        phrase = self._determiner(rng, noun, numbers=category in ("object", "animal"))
        if category == "person" or not self._has("adjective") or rng.random() >= 0.3:
            return phrase
        adjective = self._pick(rng, "adjective")
        english = list(phrase.english)
        english.insert(len(english) - len(_say(noun.text)), adjective.text)
        glosses = list(phrase.glosses)
        glosses.insert(glosses.index(noun.gloss) + 1, adjective.gloss)
        return Part(_say(" ".join(english)), tuple(glosses))

    def subject(self, rng: np.random.Generator) -> tuple[Part, str]:
        """A subject and its agreement class."""
        if self._has("pronoun") and (rng.random() < 0.4 or not self._has("person")):
            pronoun = self._pick(rng, "pronoun")
            return _word(pronoun), _AGREEMENT.get(pronoun.text, "pl")
        return self.noun_phrase(rng, "person"), "3s"

    def _place(self, rng: np.random.Generator) -> tuple[Part, str]:
        place = self._pick(rng, "place")
        if self._has("possessive") and rng.random() < 0.2:
            return _word(self._pick(rng, "possessive")) + _word(place), place.preposition
        return Part(("the", *_say(place.text)), (place.gloss,)), place.preposition

    def clause(self, rng: np.random.Generator) -> Clause:
        """A clause with a random shape, subject, verb and optional time phrase and place."""
        shapes = []
        if self.objects:
            shapes += ["transitive"] * 3
        if self._has("verb_intrans"):
            shapes.append("intransitive")
        if self._has("verb_motion", "place"):
            shapes.append("motion")
        if self._has("adj_person") or self._has("adjective", "object"):
            shapes.append("predicate")
        shape = shapes[int(rng.integers(len(shapes)))]
        timed = self._has("time_modifier") or self._has("time_past") or self._has("time_future")
        time, tense = (
            self.time_phrase(rng) if timed and rng.random() < 0.45 else (Part(), "present")
        )
        subject, agreement = self.subject(rng)
        verb = modal = None
        obj = place = adjective = Part()
        preposition = obj_category = ""
        if shape == "predicate":
            if self._has("adj_person") and (rng.random() < 0.6 or not self._has("adjective")):
                adjective = _word(self._pick(rng, "adj_person"))
            else:
                category = ("object", "animal", "food")[int(rng.integers(3))]
                category = category if self._has(category) else "object"
                noun = self._pick(rng, category)
                subject, agreement = self._determiner(rng, noun, numbers=False), "3s"
                adjective = _word(self._pick(rng, "adjective"))
        else:
            if shape == "transitive":
                verbs = sorted(self.objects)[int(rng.integers(len(self.objects)))]
                cats = self.objects[verbs]
                obj_category = cats[int(rng.integers(len(cats)))]
                obj = self.noun_phrase(rng, obj_category)
            else:
                verbs = "verb_intrans" if shape == "intransitive" else "verb_motion"
            verb = self._pick(rng, verbs)
            if self._has("verb_modal") and rng.random() < 0.15:
                modal = self._pick(rng, "verb_modal")
            wants_place = {"transitive": 0.15, "intransitive": 0.6, "motion": 1.0}[shape]
            if self._has("place") and rng.random() < wants_place:
                place, preposition = self._place(rng)
                preposition = "to" if shape == "motion" else preposition
        return Clause(shape, tense, time, subject, agreement, verb, modal, obj, obj_category,
                      place, preposition, adjective)  # fmt: skip

    # -- saying --------------------------------------------------------------------------
    def statement(self, c: Clause, negated: bool) -> Part:
        """ "Yesterday my brother did not buy the car." / YESTERDAY CAR MY BROTHER BUY NOT."""
        comment = c.adjective if c.verb is None else self._signed_verbs(c)
        glosses = c.time.glosses + c.place.glosses + c.obj.glosses + c.subject.glosses
        glosses += comment.glosses + ((NEGATION,) if negated else ())
        if c.verb is None:
            english = _be(c.tense, c.agreement, negated) + c.adjective.english
        else:
            english = _tensed(c, negated) + self._rest(c)
        return Part(c.time.english + c.subject.english + english, glosses)

    def yes_no(self, c: Clause) -> Part:
        """ "Did my brother buy the car yesterday?" / YESTERDAY CAR MY BROTHER BUY QM."""
        glosses = (*self.statement(c, negated=False).glosses, QUESTION_MARKER)
        return Part(self._inverted(c) + c.time.english, glosses)

    def wh_words(self, c: Clause) -> list[str]:
        """The wh-words the lexicon has that can question this clause."""
        fits = {"who", "why"}
        if c.time.english == ():
            fits.add("when")
        if c.verb is not None:
            fits.add("how")
            if c.shape != "transitive" or c.place.english:
                fits.add("where")
            if c.shape == "transitive" and c.obj_category != "person":
                fits.add("what")
        return [w.text for w in self.lexicon.words("wh") if w.text in fits]

    def wh(self, c: Clause, wh: str) -> Part:
        """ "What did my brother buy yesterday?" / YESTERDAY MY BROTHER BUY WHAT."""
        if wh == "what":
            c = replace(c, obj=Part())
        elif wh == "where":
            c = replace(c, place=Part())
        elif wh == "when":
            c = replace(c, time=Part(), tense="present")
        sign = (wh.upper(),)
        if wh == "who":
            asked = replace(c, subject=Part(), agreement="3s")  # "who" agrees like "he"
            glosses = self.statement(asked, negated=False).glosses + sign
            if c.verb is None:
                english = _be(c.tense, "3s", False) + c.adjective.english
            else:
                english = _tensed(asked, False) + self._rest(c)
            return Part(("who", *english, *c.time.english), glosses)
        glosses = self.statement(c, negated=False).glosses + sign
        return Part((wh, *self._inverted(c), *c.time.english), glosses)

    def _signed_verbs(self, c: Clause) -> Part:
        assert c.verb is not None
        modal = (c.modal.gloss,) if c.modal else ()
        return Part((), (*modal, c.verb.gloss))

    def _rest(self, c: Clause) -> tuple[str, ...]:
        """What follows the verb in English: "to buy" after a modal, object, place."""
        infinitive = ("to", *_say(c.verb.text)) if c.modal and c.verb else ()
        place = (c.preposition, *c.place.english) if c.place.english else ()
        return infinitive + c.obj.english + place

    def _inverted(self, c: Clause) -> tuple[str, ...]:
        """Auxiliary before the subject: "did my brother buy the car", "is my sister tired"."""
        if c.verb is None:
            aux = _be(c.tense, c.agreement, False)
            return (aux[0], *c.subject.english, *aux[1:], *c.adjective.english)
        head = c.modal or c.verb
        aux = {"past": "did", "future": "will"}.get(
            c.tense, "does" if c.agreement == "3s" else "do"
        )
        return (aux, *c.subject.english, *_say(head.text), *self._rest(c))

    # -- sentences -----------------------------------------------------------------------
    def sentence(self, rng: np.random.Generator, clauses: int) -> Sentence:
        """One sentence of `clauses` clauses; only single-clause sentences are questions."""
        if clauses == 1:
            return self._single(rng)
        parts: list[Part] = []
        spans = []
        start = 0
        for i in range(clauses):
            negated = rng.random() < 0.25
            part = self.statement(self.clause(rng), negated)
            if i > 0:
                conjunction = self._pick(rng, "conjunction")
                part = Part((",", conjunction.text), (conjunction.gloss,)) + part
            spans.append((start, start + len(part.glosses), "negation" if negated else "statement"))
            start += len(part.glosses)
            parts.append(part)
        whole = sum(parts, Part())
        return Sentence(_write(whole.english, "."), whole.glosses, tuple(spans))

    def _single(self, rng: np.random.Generator) -> Sentence:
        clause = self.clause(rng)
        kinds = ["statement", "statement", "negation"]
        if self._has("question"):
            kinds.append("yes_no")
        wh_words = self.wh_words(clause)
        if wh_words:
            kinds.append("wh")
        kind = kinds[int(rng.integers(len(kinds)))]
        if kind in ("statement", "negation"):
            part, stop = self.statement(clause, kind == "negation"), "."
        elif kind == "yes_no":
            part, stop = self.yes_no(clause), "?"
        else:
            part, stop = self.wh(clause, wh_words[int(rng.integers(len(wh_words)))]), "?"
        return Sentence(_write(part.english, stop), part.glosses, ((0, len(part.glosses), kind),))

    def category_usage(self, clauses: Sequence[float], sentences: int = 3000) -> dict[str, float]:
        """Glosses per sentence from each category, estimated on `sentences` sentences whose
        clause counts follow the probabilities `clauses` (of 1, 2, ... clauses). A gloss found in
        several categories counts for each in equal parts."""
        categories = self.lexicon.gloss_categories()
        usage = dict.fromkeys(self.lexicon.categories, 0.0)
        rng = np.random.default_rng(0)
        for _ in range(sentences):
            sentence = self.sentence(rng, 1 + int(rng.choice(len(clauses), p=clauses)))
            for gloss in sentence.glosses:
                for category in categories[gloss]:
                    usage[category] += 1 / (len(categories[gloss]) * sentences)
        return usage


def _be(tense: str, agreement: str, negated: bool) -> tuple[str, ...]:
    """The copula: "is", "were not", "will not be"."""
    if tense == "future":
        return ("will", "not", "be") if negated else ("will", "be")
    table = _BE_PAST if tense == "past" else _BE_PRESENT
    default = "were" if tense == "past" else "are"
    return (table.get(agreement, default), "not") if negated else (table.get(agreement, default),)


def _tensed(c: Clause, negated: bool) -> tuple[str, ...]:
    """The verb (or the modal) conjugated for tense, agreement and negation."""
    head = c.modal or c.verb
    assert head is not None
    if c.tense == "future":
        return ("will", "not", *_say(head.text)) if negated else ("will", *_say(head.text))
    if c.tense == "past":
        return ("did", "not", *_say(head.text)) if negated else _say(head.past)
    if negated:
        return ("does" if c.agreement == "3s" else "do", "not", *_say(head.text))
    return _say(head.third) if c.agreement == "3s" else _say(head.text)


def _write(words: tuple[str, ...], stop: str) -> str:
    """Join words into a capitalised sentence ending in `stop`; commas attach to the left."""
    text = " ".join(words).replace(" ,", ",") + stop
    return text[0].upper() + text[1:]


def english_words(sentence: str) -> int:
    """Number of English words in a sentence (punctuation does not count)."""
    return len(sentence.replace(",", " ").split())
