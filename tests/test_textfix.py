import json
from pathlib import Path

import pytest

from conftest import make_how2sign_folder, shared_data
from sign2text.cli import main
from sign2text.config import REPAIR_NAMES
from sign2text.data.dataset import PreparedSplit
from sign2text.data.readers.how2sign import read_table
from sign2text.text.textfix import CONFIGS, repair

MOJIBAKE = "youâ\x80\x99re"  # UTF-8 of "you’re" read as Latin-1, as in How2Sign's test table


@pytest.mark.parametrize(
    ("text", "mojibake", "everything"),
    [
        (f"So if {MOJIBAKE} going", "So if you’re going", "So if you're going"),
        ("thereâ\x80\x99s a cafÃ©", "there’s a café", "there's a café"),
        ("you’re “here”", "you’re “here”", 'you\'re "here"'),
        ("Plain text stays, naïve café.", "Plain text stays, naïve café.", None),
        ("MORGEN REGEN ueberall", "MORGEN REGEN ueberall", None),
    ],
)
def test_repair_undoes_mojibake_and_only_on_request_more(
    text: str, mojibake: str, everything: str | None
) -> None:
    assert repair(text) == repair(text, "mojibake") == mojibake
    assert repair(text, "all") == (everything or mojibake)
    assert repair(text, "none") == text


def test_the_modes_are_the_ones_the_config_accepts() -> None:
    assert tuple(CONFIGS) == REPAIR_NAMES


def test_every_mojibake_row_of_the_real_how2sign_test_table_is_repaired() -> None:
    rows = read_table(shared_data("how2sign", "how2sign_realigned_test.csv"))
    broken = [r.sentence for r in rows if "â\x80" in r.sentence]
    assert broken, "the real test table is known to hold mojibake"
    for sentence in broken:
        fixed = repair(sentence)
        assert "â" not in fixed and "\x80" not in fixed
        assert fixed.count("’") >= sentence.count("â\x80\x99")  # each broken ’ became ’
        assert repair(sentence, "all").count("'") >= sentence.count("â\x80\x99")  # or '
    clean = [r.sentence for r in rows if r.sentence.isascii()]
    assert all(repair(sentence) == sentence for sentence in clean)


@pytest.mark.parametrize(
    ("mode", "first", "second", "fixes"),
    [
        ("mojibake", "says you’re word0", "says “quoted” word1", {"mojibake": 1}),
        ("all", "says you're word0", 'says "quoted" word1', {"mojibake": 1, "uncurl_quotes": 2}),
        ("none", f"says {MOJIBAKE} word0", "says “quoted” word1", {}),
    ],
)
def test_prepare_repairs_sentences_as_asked_and_says_what_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: str, first, second, fixes
) -> None:
    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 3, "val": 1})
    table = root / "how2sign_realigned_train.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("says", f"says {MOJIBAKE}")
    lines[2] = lines[2].replace("says", "says “quoted”")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")

    argv = ["prepare", "how2sign", str(root), "--out", str(tmp_path / "out"), "--workers", "1"]
    assert main([*argv, "--repair-text", mode]) == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    clips = PreparedSplit(tmp_path / "out", "train").clips
    assert first in clips[0].sentence and second in clips[1].sentence
    changed = len([f for f in (first, second) if MOJIBAKE not in f and "“" not in f])
    assert report["text_repair"] == {"mode": mode, "sentences": changed, "fixes": fixes}
    assert [c["after"] for c in report["repaired_sentences"]] == [
        c.sentence for c in clips[:changed]
    ]
    out = capsys.readouterr().out
    kinds = ", ".join(f"{kind} {n}" for kind, n in fixes.items())
    shown = f"repaired sentences: {changed}" + (f" ({kinds}; text.repair {mode})" if fixes else "")
    assert shown in out
