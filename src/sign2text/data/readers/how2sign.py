"""How2Sign's re-aligned sentence tables: tab-separated, one row per sentence clip."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sign2text.errors import InputError

REQUIRED_COLUMNS = ("SENTENCE_NAME", "SENTENCE")
COLUMNS = ("VIDEO_ID", "VIDEO_NAME", "SENTENCE_ID", "SENTENCE_NAME", "START_REALIGNED",
           "END_REALIGNED", "SENTENCE")  # fmt: skip


@dataclass(frozen=True)
class SentenceRow:
    """One row of a sentence table."""

    name: str  # SENTENCE_NAME: also the name of the clip's keypoint folder
    sentence: str
    signer: str  # VIDEO_ID when the table has it: clips of one video share a signer


def table_path(root: Path, split: str) -> Path:
    """Where How2Sign keeps the table of `split`."""
    return root / f"how2sign_realigned_{split}.csv"


def read_table(path: str | Path) -> list[SentenceRow]:
    """Read a sentence table, rejecting missing columns, duplicate names and bad encodings."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as error:
        raise InputError(path, "the sentence table does not exist", "check the folder") from error
    except UnicodeDecodeError as error:
        raise InputError(
            path,
            f"not UTF-8 (byte {error.start}: {error.object[error.start : error.start + 1]!r})",
            "re-save the table as UTF-8, e.g. `iconv -f cp1252 -t utf-8`",
        ) from error
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError(
            path,
            f"missing column(s) {', '.join(missing)}; the header is {header}",
            "the table must be tab-separated with How2Sign's columns",
        )
    rows: list[SentenceRow] = []
    seen: dict[str, int] = {}
    for line, record in enumerate(reader, start=2):
        name = (record.get("SENTENCE_NAME") or "").strip()
        sentence = (record.get("SENTENCE") or "").strip()
        if not name:
            raise InputError(path, f"line {line} has no SENTENCE_NAME", "fix or delete the row")
        if name in seen:
            raise InputError(
                path,
                f"SENTENCE_NAME {name!r} appears twice (lines {seen[name]} and {line})",
                "keep one row per clip",
            )
        seen[name] = line
        signer = (record.get("VIDEO_ID") or name).strip()
        rows.append(SentenceRow(name=name, sentence=sentence, signer=signer))
    return rows


GLOSS_COLUMNS = ("glosses", "GLOSSES")  # either spelling names a gloss table's gloss column


def read_gloss_table(path: str | Path) -> dict[str, str]:
    """Glosses by SENTENCE_NAME from a tab-separated side table (columns SENTENCE_NAME and
    glosses, white-space separated), as `sign2text synth` writes `synth_glosses.tsv`."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError as error:
        raise InputError(path, "the gloss table does not exist", "check the path") from error
    except UnicodeDecodeError as error:
        raise InputError(
            path, f"not UTF-8 (byte {error.start})", "re-save the table as UTF-8"
        ) from error
    reader = csv.DictReader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    header = reader.fieldnames or []
    column = next((c for c in GLOSS_COLUMNS if c in header), None)
    if "SENTENCE_NAME" not in header or column is None:
        raise InputError(
            path,
            f"a gloss table needs the columns SENTENCE_NAME and glosses; the header is {header}",
            "write it tab-separated: SENTENCE_NAME<TAB>glosses",
        )
    return {
        (record.get("SENTENCE_NAME") or "").strip(): " ".join((record.get(column) or "").split())
        for record in reader
        if (record.get("SENTENCE_NAME") or "").strip()
    }
