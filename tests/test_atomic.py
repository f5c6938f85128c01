from pathlib import Path

import pytest

from sign2text import atomic


def test_failed_file_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "history.json"
    atomic.write_json(target, {"a": 1})
    with pytest.raises(RuntimeError), atomic.atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text().strip().startswith("{")
    assert [p.name for p in tmp_path.iterdir()] == ["history.json"]


def test_failed_folder_write_leaves_nothing_and_keeps_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "prepared"
    with pytest.raises(RuntimeError), atomic.atomic_dir(target) as tmp:
        (tmp / "train.npy").write_bytes(b"x")
        raise RuntimeError("crash")
    assert not target.exists()
    with atomic.atomic_dir(target) as tmp:
        (tmp / "meta.json").write_text("{}")
    with pytest.raises(RuntimeError), atomic.atomic_dir(target) as tmp:
        raise RuntimeError("crash")
    assert (target / "meta.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prepared"]
