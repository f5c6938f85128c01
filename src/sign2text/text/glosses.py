"""Gloss vocabularies: the sign names a recognition (CTC) head predicts, id 0 the CTC blank.

Glosses are white-space separated names as corpora write them (PHOENIX's `orth`, DGS glosses,
our synthetic language's); the vocabulary is the sorted set of the training split's glosses,
so it does not depend on clip order. A gloss unseen in training has no id and is left out of
a target (it counts as a deletion when recognition is scored against the reference).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BLANK = 0  # the CTC blank: no gloss at this encoder step


@dataclass(frozen=True)
class GlossVocabulary:
    """Gloss names by id; id 0 is the blank."""

    glosses: tuple[str, ...]  # ids 1 .. len(glosses)

    @classmethod
    def of(cls, sequences: Iterable[str]) -> GlossVocabulary:
        """The vocabulary of the glosses in `sequences` (each white-space separated)."""
        return cls(tuple(sorted({g for sequence in sequences for g in sequence.split()})))

    def __len__(self) -> int:
        """Output classes of a recognition head: the glosses and the blank."""
        return len(self.glosses) + 1

    def encode(self, sequence: str) -> list[int]:
        """Ids of a white-space separated gloss sequence; unknown glosses are left out."""
        ids = {g: i for i, g in enumerate(self.glosses, start=1)}
        return [ids[g] for g in sequence.split() if g in ids]

    def decode(self, ids: Sequence[int]) -> str:
        """The gloss sequence of ids (the blank and unknown ids are skipped)."""
        return " ".join(self.glosses[i - 1] for i in ids if 0 < i <= len(self.glosses))
