"""Repairing sentence text before it becomes training targets or references.

Real tables carry mojibake: How2Sign's test table has "youâ\\x80\\x99re" (UTF-8 bytes of a curly
apostrophe decoded as Latin-1) where "you’re" was meant. By default only such encoding damage is
undone (ftfy's encoding fixes), so references stay comparable with published scores; `all` also
applies ftfy's other fixes (curly quotes straightened, ligatures split, NFC form), which makes
"you're" and "you’re" one word for the tokenizer but changes references that were not broken.
"""

from __future__ import annotations

import ftfy

# ftfy's fixes of encoding damage; every other fix of TextFixerConfig is off in "mojibake"
_ENCODING_FIXES = (
    "fix_encoding",
    "restore_byte_a0",
    "replace_lossy_sequences",
    "decode_inconsistent_utf8",
    "fix_c1_controls",
    "fix_surrogates",
)
_OTHER_FIXES = (
    "unescape_html",
    "remove_terminal_escapes",
    "fix_latin_ligatures",
    "fix_character_width",
    "uncurl_quotes",
    "fix_line_breaks",
    "remove_control_chars",
)
CONFIGS: dict[str, ftfy.TextFixerConfig | None] = {
    "mojibake": ftfy.TextFixerConfig(**dict.fromkeys(_OTHER_FIXES, False), normalization=None),
    "all": ftfy.TextFixerConfig(normalization="NFC"),
    "none": None,  # the text byte for byte
}
MODES = tuple(CONFIGS)  # what `text.repair` may name


def explain(sentence: str, mode: str = "mojibake") -> tuple[str, tuple[str, ...]]:
    """`sentence` repaired as `mode` says, and the kinds of change made ("mojibake" for any
    encoding fix, else ftfy's name of the fix, e.g. "uncurl_quotes", or "NFC")."""
    config = CONFIGS[mode]
    if config is None:
        return sentence, ()
    fixed, steps = ftfy.fix_and_explain(sentence, config)
    return fixed, tuple(dict.fromkeys(_kind(action, parameter) for action, parameter in steps))


def _kind(action: str, parameter: str) -> str:
    """The kind of change an ftfy explanation step made."""
    if action == "normalize" or (action == "apply" and parameter not in _ENCODING_FIXES):
        return parameter  # "NFC", "uncurl_quotes", ...
    return "mojibake"  # encode / decode / transcode, or an encoding fix


def repair(sentence: str, mode: str = "mojibake") -> str:
    """`sentence` with mojibake undone (`mode` "mojibake"), with every ftfy fix ("all"), or as
    it is ("none")."""
    return explain(sentence, mode)[0]
