"""A prepared dataset's fingerprint: a hash that changes when its clips, sentences or splits do.

It covers `meta.json` (layout, frame rate, splits), every `<split>.jsonl` index whole (clip
names, frame counts and offsets, sentences, signers) and, of every `<split>.npy`, its size and
its first and last mebibyte: cheap on How2Sign's many gigabytes, and any re-preparation that
changes which clips, sentences or frame counts a split holds changes it. Keypoint values changed
in place in the middle of an array, with nothing else changed, are not covered. Tokenizer files
(written by training on demand) and `report.json` are left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sign2text.errors import InputError

SAMPLE_BYTES = 1 << 20  # of every keypoint array: this many bytes from its start and its end
COVERS = "meta.json, <split>.jsonl, <split>.npy size + first and last MiB"


@dataclass(frozen=True)
class Fingerprint:
    """The hash and what it was taken over."""

    sha256: str
    files: list[str]  # in the order hashed
    covers: str = COVERS

    def to_dict(self) -> dict[str, object]:
        return {"sha256": self.sha256, "covers": self.covers, "files": list(self.files)}


def _sample(path: Path) -> bytes:
    """`path`'s size, first and last SAMPLE_BYTES (the whole file when smaller than two)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if size <= 2 * SAMPLE_BYTES:
            return str(size).encode() + handle.read()
        head = handle.read(SAMPLE_BYTES)
        handle.seek(size - SAMPLE_BYTES)
        return str(size).encode() + head + handle.read()


def fingerprint(folder: str | Path) -> Fingerprint:
    """The fingerprint of the prepared dataset in `folder` (see the module's docstring)."""
    folder = Path(folder)
    meta = folder / "meta.json"
    if not meta.is_file():
        raise InputError(folder, "not a prepared dataset (no meta.json)", "run `sign2text prepare`")
    digest = hashlib.sha256()
    files = [meta]
    for index in sorted(folder.glob("*.jsonl")):
        files += [index, index.with_suffix(".npy")]
    names = []
    try:
        for path in files:
            if not path.exists():
                continue
            data = _sample(path) if path.suffix == ".npy" else path.read_bytes()
            digest.update(f"{path.name}\0{len(data)}\0".encode())
            digest.update(data)
            names.append(path.name)
    except OSError as error:
        raise InputError(folder, f"cannot be read ({error})", "check its permissions") from error
    return Fingerprint(digest.hexdigest(), names)
