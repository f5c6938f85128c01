from pathlib import Path

import pytest

from conftest import make_how2sign_folder, shared_data
from sign2text.data.dataset import PreparedSplit
from sign2text.data.prepare import prepare_how2sign
from sign2text.data.readers.how2sign import read_table
from sign2text.text.textfix import repair

MOJIBAKE = "youâ\x80\x99re"  # UTF-8 of "you’re" read as Latin-1, as in How2Sign's test table


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"So if {MOJIBAKE} going", "So if you're going"),
        ("thereâ\x80\x99s a cafÃ©", "there's a café"),
        ("you’re “here”", 'you\'re "here"'),
        ("Plain text stays, naïve café.", "Plain text stays, naïve café."),
        ("MORGEN REGEN ueberall", "MORGEN REGEN ueberall"),
    ],
)
def test_repair_undoes_mojibake_and_leaves_clean_text(text: str, expected: str) -> None:
    assert repair(text) == expected


def test_every_mojibake_row_of_the_real_how2sign_test_table_is_repaired() -> None:
    rows = read_table(shared_data("how2sign", "how2sign_realigned_test.csv"))
    broken = [r.sentence for r in rows if "â\x80" in r.sentence]
    assert broken, "the real test table is known to hold mojibake"
    for sentence in broken:
        fixed = repair(sentence)
        assert "â" not in fixed and "\x80" not in fixed
        assert fixed.count("'") >= sentence.count("â\x80\x99")  # each broken ’ became '
    clean = [r.sentence for r in rows if r.sentence.isascii()]
    assert all(repair(sentence) == sentence for sentence in clean)


@pytest.mark.parametrize("repair_text", [True, False])
def test_prepare_repairs_sentences_and_lists_them_in_the_report(
    tmp_path: Path, repair_text: bool
) -> None:
    root = tmp_path / "h2s"
    make_how2sign_folder(root, {"train": 3, "val": 1})
    table = root / "how2sign_realigned_train.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("says", f"says {MOJIBAKE}")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = prepare_how2sign(
        root, tmp_path / "out", workers=1, progress=False, repair_text=repair_text
    )
    sentence = PreparedSplit(tmp_path / "out", "train").clips[0].sentence
    if repair_text:
        assert sentence == "Sentence 0 of train says you're word0 here."
        [change] = report["repaired_sentences"]
        assert change["after"] == sentence and MOJIBAKE in change["before"]
    else:
        assert MOJIBAKE in sentence
        assert report["repaired_sentences"] == []
