"""Clip listings: which keypoint files make a dataset, with their sentence, split and signer.

Two kinds of listing are read here. A manifest is a CSV, TSV or JSONL table with the columns
`path` (a keypoint file or an OpenPose clip folder, absolute or relative to the manifest's
folder), `sentence`, `split` (train, val or test; dev means val) and, optionally, `signer`,
`name` (default: the file's stem), `layout` (a known layout, for arrays that carry no point
names) and `glosses` (white-space separated, or a JSON list; for a recognition head). A `.pose`
folder holds `.pose` files in `train/`, `val/` (or `dev/`) and `test/` subfolders (or
directly, as train) with a JSON metadata file beside each holding its sentence. TSV cells are
not quoted (a sentence may contain quotes); CSV cells follow CSV quoting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from sign2text.data.layouts import LAYOUTS
from sign2text.errors import InputError

REQUIRED_COLUMNS = ("path", "sentence", "split")
OPTIONAL_COLUMNS = ("signer", "name", "layout", "glosses")
SPLITS = {"train": "train", "val": "val", "dev": "val", "test": "test"}  # listed -> sign2text
DELIMITERS = {".csv": ",", ".tsv": "\t"}  # the other manifest format is .jsonl
METADATA_SUFFIXES = ("_metadata.json", ".json")  # what follows a clip's id in its metadata file


@dataclass(frozen=True)
class ListedClip:
    """One clip a listing names."""

    path: Path  # absolute
    sentence: str
    split: str  # train | val | test
    name: str
    signer: str
    layout: str  # a LAYOUTS name for arrays without point names, or ""
    listed_in: Path  # the manifest, or the clip's metadata file
    line: int = 0  # its line in the manifest; 0 when listed by a folder
    glosses: str = ""  # white-space separated, where the listing gives them

    def error(self, problem: str, fix: str = "") -> InputError:
        """An InputError naming the listing (and line) this clip came from."""
        return _listing_error(self.listed_in, self.line, problem, fix)


def _listing_error(listing: Path, line: int, problem: str, fix: str = "") -> InputError:
    return InputError(listing, f"line {line}: {problem}" if line else problem, fix)


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise InputError(path, "the manifest does not exist", "check the path") from error
    except OSError as error:
        raise InputError(path, f"cannot be read ({error.strerror})") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(
            path,
            f"line {line} is not UTF-8 (byte {data[error.start : error.start + 1]!r})",
            "re-save the manifest as UTF-8, e.g. `iconv -f cp1252 -t utf-8`",
        ) from error


def _missing_columns(path: Path, where: str, present: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise InputError(
            path,
            f"{where}missing column(s) {', '.join(missing)}; found {present}",
            f"a manifest needs {', '.join(REQUIRED_COLUMNS)} "
            f"(and may have {', '.join(OPTIONAL_COLUMNS)})",
        )


def _table_records(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        _missing_columns(path, "", header)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise InputError(
                    path,
                    f"line {reader.line_num} has {len(cells)} cells, the header has {len(header)}",
                    "quote cells that contain the delimiter, or fix the row",
                )
            yield reader.line_num, dict(zip(header, cells, strict=True))
    except csv.Error as error:
        raise InputError(
            path, f"line {reader.line_num}: {error}", "fix the row's quoting"
        ) from error


def _cell(path: Path, line: int, key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise InputError(path, f"line {line}: {key!r} is {type(value).__name__}, not text")


def _jsonl_records(path: Path, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise InputError(
                path, f"line {line} is not valid JSON ({error})", "write one object a line"
            ) from error
        if not isinstance(record, dict):
            raise InputError(path, f"line {line} is not a JSON object", "write one object a line")
        _missing_columns(path, f"line {line}: ", list(record))
        yield line, {key: _cell(path, line, key, value) for key, value in record.items()}


def _listed(manifest: Path, line: int, record: dict[str, str]) -> ListedClip:
    """One manifest row, checked."""
    split = record["split"].strip().lower()
    if split not in SPLITS:
        raise _listing_error(
            manifest, line, f"unknown split {record['split']!r}", f"use one of {sorted(SPLITS)}"
        )
    listed = record["path"].strip()
    if not listed:
        raise _listing_error(
            manifest, line, "the path is empty", "give the keypoint file or clip folder"
        )
    path = Path(listed) if Path(listed).is_absolute() else manifest.parent / listed
    try:
        found = path.exists()
    except OSError as error:  # e.g. a name too long for the file system
        raise _listing_error(
            manifest, line, f"the path cannot be used ({error.strerror})"
        ) from error
    if not found:
        raise _listing_error(
            manifest,
            line,
            f"{listed} does not exist",
            f"relative paths start at the manifest's folder, {manifest.parent}",
        )
    layout = (record.get("layout") or "").strip()
    if layout and layout not in LAYOUTS:
        raise _listing_error(
            manifest, line, f"unknown layout {layout!r}", f"use one of {sorted(LAYOUTS)} or none"
        )
    name = (record.get("name") or "").strip() or (path.name if path.is_dir() else path.stem)
    signer = (record.get("signer") or "").strip() or name
    listed = record.get("glosses") or ""  # JSONL may give a list
    glosses = " ".join(listed if isinstance(listed, list) else listed.split())
    return ListedClip(
        path,
        record["sentence"].strip(),
        SPLITS[split],
        name,
        signer,
        layout,
        manifest,
        line,
        glosses,
    )


def _check_unique_names(clips: list[ListedClip]) -> None:
    """Reject two clips with one name: prepared clips are found by name."""
    first: dict[str, ListedClip] = {}
    for clip in clips:
        if clip.name in first:
            other = first[clip.name]
            where = f"line {other.line}" if other.line else str(other.listed_in)
            raise clip.error(
                f"the name {clip.name!r} is already used by {where}",
                "give each clip its own name (a `name` column in a manifest)",
            )
        first[clip.name] = clip


def read_manifest(path: str | Path) -> list[ListedClip]:
    """Read and check a manifest: columns, splits, files and names."""
    path = Path(path).absolute()
    suffix = path.suffix.lower()
    if suffix not in (*DELIMITERS, ".jsonl"):
        raise InputError(path, f"unknown manifest type {suffix!r}", "use .csv, .tsv or .jsonl")
    text = _decode(path)
    records = (
        _jsonl_records(path, text)
        if suffix == ".jsonl"
        else _table_records(path, text, DELIMITERS[suffix])
    )
    clips = [_listed(path, line, record) for line, record in records]
    if not clips:
        raise InputError(path, "the manifest lists no clips", "add one row per clip")
    _check_unique_names(clips)
    return clips


def _metadata_file(pose: Path) -> Path | None:
    """`<id>_metadata.json` or `<id>.json` beside `<id>.pose` or `<id>_<variant>.pose`."""
    ids = [pose.stem]
    if "_" in pose.stem:
        ids.append(pose.stem.rsplit("_", 1)[0])  # DGS samples: <id>_original.pose
    for clip_id in ids:
        for suffix in METADATA_SUFFIXES:
            candidate = pose.with_name(clip_id + suffix)
            if candidate.is_file():
                return candidate
    return None


def _clip_id(metadata: Path) -> str:
    suffix = next(s for s in METADATA_SUFFIXES if metadata.name.endswith(s))
    return metadata.name.removesuffix(suffix)


def _metadata_sentence(path: Path, language: str) -> tuple[str, str]:
    """(sentence, signer) from a metadata file: `sentence.<language>` or `<language>`."""
    try:
        document = orjson.loads(path.read_bytes())
    except (orjson.JSONDecodeError, OSError) as error:
        raise InputError(path, f"not readable JSON ({error})", "fix or remove it") from error
    if not isinstance(document, dict):
        raise InputError(path, "not a JSON object", "fix or remove it")
    holder = document.get("sentence")
    texts = holder if isinstance(holder, dict) else document
    if language not in texts:
        keys = sorted(k for k, v in texts.items() if isinstance(v, str))
        raise InputError(path, f"no {language!r} text", f"choose a language from {keys}")
    sentence = texts[language]
    signer = document.get("signer")
    return (
        sentence.strip() if isinstance(sentence, str) else "",
        signer if isinstance(signer, str) else "",
    )


def list_pose_folder(
    root: str | Path, language: str = "english", pattern: str = "*.pose"
) -> list[ListedClip]:
    """The `.pose` files of a folder, split by subfolder, with sentences from their metadata.

    A file without a metadata file is listed with an empty sentence (and skipped by `prepare`).
    """
    root = Path(root).absolute()
    if not root.is_dir():
        raise InputError(root, "the folder does not exist", "check the path")
    folders = {p: SPLITS[p.name] for p in sorted(root.iterdir()) if p.is_dir() and p.name in SPLITS}
    clips = []
    for folder, split in (folders or {root: "train"}).items():
        for pose in sorted(folder.glob(pattern)):
            metadata = _metadata_file(pose)
            sentence, signer = _metadata_sentence(metadata, language) if metadata else ("", "")
            name = _clip_id(metadata) if metadata else pose.stem
            clips.append(
                ListedClip(pose, sentence, split, name, signer or name, "", metadata or pose)
            )
    if not clips:
        raise InputError(root, f"no {pattern} files", "point at a folder of .pose files")
    _check_unique_names(clips)
    return clips
