"""The built-in English lexicon: words by category, their inflections, and per-size subsets."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources

# Closed classes are small and carry the grammar; open classes are the content words.
CLOSED_CATEGORIES = (
    "pronoun", "possessive", "wh", "conjunction", "negation", "question", "number",
    "time_modifier", "time_cycle", "time_daypart", "time_past", "time_future",
)  # fmt: skip
OPEN_CATEGORIES = (
    "person", "animal", "food", "object", "place", "adjective", "adj_person",
    "verb_thing", "verb_object", "verb_food", "verb_animal", "verb_person", "verb_motion",
    "verb_intrans", "verb_modal",
)  # fmt: skip
CATEGORIES = CLOSED_CATEGORIES + OPEN_CATEGORIES
NOUN_CATEGORIES = ("person", "animal", "food", "object", "time_cycle")
VERB_CATEGORIES = tuple(c for c in OPEN_CATEGORIES if c.startswith("verb_"))

# English words that signing leaves out: articles, auxiliaries, copulas, "to", prepositions.
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "do", "does", "did", "will", "to", "at", "in", "on", "of", "for", "with",
    "from", "be", "is", "am", "are", "was", "were",
})  # fmt: skip


@dataclass(frozen=True)
class Word:
    """One lexicon entry: its English forms and the gloss of its sign."""

    category: str
    text: str  # base form as written in English, e.g. "buy", "ice cream", "Monday"
    gloss: str  # the sign's name, e.g. "BUY", "ICE-CREAM"
    plural: str = ""  # nouns
    past: str = ""  # verbs
    third: str = ""  # verbs: third person singular present
    preposition: str = ""  # places: "at", "in" or "on"


@dataclass(frozen=True)
class Lexicon:
    """Words by category, in priority order (the first words of a category are kept first)."""

    categories: dict[str, tuple[Word, ...]]

    def words(self, category: str) -> tuple[Word, ...]:
        """The words of `category` (empty when the subset left it out)."""
        return self.categories.get(category, ())

    def glosses(self) -> tuple[str, ...]:
        """Every distinct gloss, sorted."""
        return tuple(sorted({w.gloss for ws in self.categories.values() for w in ws}))

    def gloss_categories(self) -> dict[str, frozenset[str]]:
        """For each gloss, the categories it belongs to."""
        found: dict[str, set[str]] = {}
        for category, words in self.categories.items():
            for word in words:
                found.setdefault(word.gloss, set()).add(category)
        return {gloss: frozenset(cats) for gloss, cats in found.items()}

    def subset(self, size: int, shares: Mapping[str, float]) -> Lexicon:
        """About `size` glosses: the first words of each category, in proportion to `shares`.

        Every category with a positive share keeps at least one word and at most all of its
        words; giving categories shares in proportion to how often the grammar draws from them
        makes every word about equally frequent.
        """
        kept = {c: w for c, w in shares.items() if w > 0 and self.categories.get(c)}
        if size >= sum(len(self.categories[c]) for c in kept):
            return Lexicon({c: self.categories[c] for c in kept})

        def counts(scale: float) -> dict[str, int]:
            return {c: min(len(self.categories[c]), max(1, round(scale * w)))
                    for c, w in kept.items()}  # fmt: skip

        low, high = 0.0, size / min(kept.values())
        for _ in range(60):  # bisect the scale whose counts add up to `size`
            mid = (low + high) / 2
            low, high = (mid, high) if sum(counts(mid).values()) < size else (low, mid)
        return Lexicon({c: self.categories[c][:k] for c, k in counts(high).items()})

    def by_priority(self, shares: Mapping[str, float]) -> tuple[str, ...]:
        """Every gloss once, in the order that growing subsets with `shares` take them in."""
        ranked = sorted(
            ((rank + 0.5) / shares[c] if shares.get(c, 0) > 0 else math.inf, n, rank, word.gloss)
            for n, c in enumerate(self.categories)
            for rank, word in enumerate(self.categories[c])
        )
        return tuple(dict.fromkeys(gloss for *_, gloss in ranked))


def to_gloss(text: str) -> str:
    """The gloss of an English word or multi-word unit: "ice cream" -> "ICE-CREAM"."""
    return "-".join(text.upper().split())


def plural_of(noun: str) -> str:
    """Regular English plural (irregular ones are written in the lexicon file)."""
    if noun.endswith(("s", "sh", "ch", "x", "z")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def past_of(verb: str) -> str:
    """Regular English past tense (irregular and doubled ones are in the lexicon file)."""
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


def third_person_of(verb: str) -> str:
    """Regular third person singular present: "watch" -> "watches", "try" -> "tries"."""
    return plural_of(verb) if not verb.endswith("o") else verb + "es"


def _parse_entry(category: str, line: str) -> Word:
    """One line of the lexicon file: "text" or "text|form|form" (forms depend on category)."""
    text, *forms = (f.strip() for f in line.split("|"))
    word = Word(category, text, to_gloss(text))
    if category in NOUN_CATEGORIES:
        return replace(word, plural=forms[0] if forms else plural_of(text))
    if category in VERB_CATEGORIES:
        past = forms[0] if forms else past_of(text)
        third = forms[1] if len(forms) > 1 else third_person_of(text)
        return replace(word, past=past, third=third)
    if category == "place":
        return replace(word, preposition=forms[0] if forms else "at")
    if forms:
        raise ValueError(f"lexicon: {category} entry {line!r} takes no extra forms")
    return word


def parse_lexicon(text: str) -> Lexicon:
    """Parse the lexicon format: "[category]" headers, one entry per line, "#" comments."""
    categories: dict[str, list[Word]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            current = line.strip("[]")
            if current not in CATEGORIES:
                raise ValueError(f"lexicon line {number}: unknown category {current!r}")
            categories.setdefault(current, [])
            continue
        if current is None:
            raise ValueError(f"lexicon line {number}: entry before any [category]")
        word = _parse_entry(current, line)
        if any(part.lower() in FUNCTION_WORDS for part in word.text.split()):
            raise ValueError(f"lexicon line {number}: {word.text!r} is an unsigned word")
        if any(w.text == word.text for w in categories[current]):
            raise ValueError(f"lexicon line {number}: {word.text!r} repeated in {current}")
        categories[current].append(word)
    missing = [c for c in CATEGORIES if not categories.get(c)]
    if missing:
        raise ValueError(f"lexicon: categories without words: {missing}")
    return Lexicon({c: tuple(categories[c]) for c in CATEGORIES})


@functools.cache
def load_lexicon() -> Lexicon:
    """The lexicon shipped with the package (lexicon.txt beside this module)."""
    text = resources.files(__package__).joinpath("lexicon.txt").read_text(encoding="utf-8")
    return parse_lexicon(text)
