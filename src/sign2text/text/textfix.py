"""Repairing sentence text before it becomes training targets or references.

Real tables carry mojibake: How2Sign's test table has "youâ\\x80\\x99re" (UTF-8 bytes of a curly
apostrophe decoded as Latin-1) where "you're" was meant. ftfy undoes such double decoding; it
also straightens curly quotes, so "you're" and "you’re" become one word for the tokenizer.
"""

from __future__ import annotations

import ftfy


def repair(sentence: str) -> str:
    """`sentence` with mojibake undone, quotes straightened and Unicode in NFC form."""
    return ftfy.fix_text(sentence, normalization="NFC")
