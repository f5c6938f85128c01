"""Reading, aligning and scoring hypothesis/reference files, and the errors bad files raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from sign2text.errors import InputError
from sign2text.evaluation.scoring import Line, format_scores, read_pair, read_text_file, score_files
from sign2text.metrics import corpus_scores
from test_metrics import REFERENCE_SCORES, SIGNATURE, assert_matches_reference, unisign_files

HYPOTHESES = ["the cat sat on the mat", "", "Hello, world!", "no no no"]
REFERENCES = ["the cat is on the mat", "a dog ran", "hello world", "yes"]
SAMPLES = ["clip_0.mp4", "clip, with comma.mp4", "-x_2-1-rgb_front.mp4", "clip_3.mp4"]


def write_plain(path: Path, sentences: list[str]) -> Path:
    path.write_text("".join(f"{sentence}\n" for sentence in sentences), encoding="utf-8")
    return path


def write_named(path: Path, label: str, samples: list[str], sentences: list[str]) -> Path:
    lines = [f"sample: {s}, {label}: {t}".rstrip() for s, t in zip(samples, sentences, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------- reading


def test_plain_file_round_trips(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "hyp.txt", HYPOTHESES)
    assert read_text_file(path) == [
        Line(number, None, None, text) for number, text in enumerate(HYPOTHESES, 1)
    ]


def test_named_file_round_trips(tmp_path: Path) -> None:
    path = write_named(tmp_path / "hyp.txt", "prediction", SAMPLES, HYPOTHESES)
    lines = read_text_file(path)
    assert [line.sample for line in lines] == SAMPLES
    assert [line.text for line in lines] == HYPOTHESES  # "prediction:" with nothing after is ""
    assert {line.label for line in lines} == {"prediction"}


def test_line_ends_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "hyp.txt"
    path.write_bytes("\ufeffsample: a, prediction: x y \r\nsample: b, prediction:\r\n".encode())
    assert [(line.sample, line.text) for line in read_text_file(path)] == [
        ("a", "x y "),
        ("b", ""),
    ]
    path.write_bytes(b"one\r\n\r\nthree")
    assert [line.text for line in read_text_file(path)] == ["one", "", "three"]
    path.write_bytes(b"")
    assert read_text_file(path) == []


def test_bad_utf8_after_byte_order_mark_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "hyp.txt"
    path.write_bytes(b"\xef\xbb\xbfab\xff\n")
    with pytest.raises(InputError, match=r"line 1 is not UTF-8 \(byte b'\\xff' at column 3\)"):
        read_text_file(path)


# ------------------------------------------------------------------------------ aligning


def test_named_files_align_by_sample(tmp_path: Path) -> None:
    order = [2, 0, 3, 1]
    hyp = write_named(
        tmp_path / "hyp.txt",
        "prediction",
        [SAMPLES[i] for i in order],
        [HYPOTHESES[i] for i in order],
    )
    ref = write_named(tmp_path / "ref.txt", "ground-truth", SAMPLES, REFERENCES)
    assert read_pair(hyp, ref) == (HYPOTHESES, REFERENCES)


def test_named_and_plain_files_score_alike(tmp_path: Path) -> None:
    named = score_files(
        write_named(tmp_path / "hyp.txt", "prediction", SAMPLES, HYPOTHESES),
        write_named(tmp_path / "ref.txt", "ground-truth", SAMPLES, REFERENCES),
    )
    plain = score_files(
        write_plain(tmp_path / "hyp_plain.txt", HYPOTHESES),
        write_plain(tmp_path / "ref_plain.txt", REFERENCES),
    )
    assert named == plain == {**corpus_scores(HYPOTHESES, REFERENCES), "sentences": 4}


# -------------------------------------------------------------------------------- errors


def test_bad_utf8_names_file_and_line(tmp_path: Path) -> None:
    hyp = tmp_path / "hyp.txt"
    hyp.write_bytes(b"fine\ncaf\xe9\n")
    ref = write_plain(tmp_path / "ref.txt", ["fine", "cafe"])
    with pytest.raises(InputError, match=r"hyp\.txt: line 2 is not UTF-8 .*iconv"):
        score_files(hyp, ref)


def test_missing_file(tmp_path: Path) -> None:
    ref = write_plain(tmp_path / "ref.txt", ["a"])
    with pytest.raises(InputError, match=r"nothing\.txt: cannot be read .*check the path"):
        score_files(tmp_path / "nothing.txt", ref)


def test_count_mismatch_names_files_and_line(tmp_path: Path) -> None:
    hyp = write_plain(tmp_path / "hyp.txt", ["a", "b"])
    ref = write_plain(tmp_path / "ref.txt", ["a", "b", "c"])
    with pytest.raises(
        InputError,
        match=r"hyp\.txt: has 2 sentences but .*ref\.txt has 3; line 3 of .*ref\.txt is the first",
    ):
        score_files(hyp, ref)


def test_unmatched_names_are_listed_with_lines(tmp_path: Path) -> None:
    hyp = write_named(tmp_path / "hyp.txt", "prediction", ["a", "b", "extra"], ["1", "2", "3"])
    ref = write_named(tmp_path / "ref.txt", "ground-truth", ["a", "missing", "b"], ["1", "", "2"])
    with pytest.raises(InputError) as raised:
        score_files(hyp, ref)
    message = str(raised.value)
    assert "1 sample(s) of" in message
    assert "hyp.txt are not in" in message
    assert "'extra' (line 3)" in message
    assert "ref.txt are not in" in message
    assert "'missing' (line 2)" in message


def test_duplicate_names(tmp_path: Path) -> None:
    hyp = write_named(tmp_path / "hyp.txt", "prediction", ["a", "b", "a"], ["1", "2", "3"])
    ref = write_named(tmp_path / "ref.txt", "ground-truth", ["a", "b"], ["1", "2"])
    with pytest.raises(InputError, match=r"hyp\.txt: sample 'a' appears twice \(lines 1 and 3\)"):
        score_files(hyp, ref)


def test_swapped_files(tmp_path: Path) -> None:
    hyp = write_named(tmp_path / "hyp.txt", "prediction", ["a"], ["1"])
    ref = write_named(tmp_path / "ref.txt", "ground-truth", ["a"], ["1"])
    with pytest.raises(InputError, match=r"ref\.txt: line 1 is labelled 'ground-truth'"):
        score_files(ref, hyp)


def test_malformed_named_line(tmp_path: Path) -> None:
    path = tmp_path / "hyp.txt"
    path.write_text("sample: a, prediction: x\nsample b prediction y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"hyp\.txt: line 2 is not `sample: NAME"):
        read_text_file(path)


def test_empty_reference_file(tmp_path: Path) -> None:
    hyp = write_plain(tmp_path / "hyp.txt", ["a"])
    ref = write_plain(tmp_path / "ref.txt", [])
    with pytest.raises(InputError, match=r"ref\.txt: holds no sentences"):
        score_files(hyp, ref)


# ------------------------------------------------------------------------------- scoring


def test_bootstrap_and_table(tmp_path: Path) -> None:
    hyp = write_plain(tmp_path / "hyp.txt", HYPOTHESES * 10)
    ref = write_plain(tmp_path / "ref.txt", REFERENCES * 10)
    scores = score_files(hyp, ref, bootstrap=200)
    assert scores["bootstrap_samples"] == 200
    for metric in ("bleu4", "chrf", "wer"):
        assert scores[f"{metric}_low"] <= scores[metric] <= scores[f"{metric}_high"]
    table = format_scores(scores)
    lines = table.splitlines()
    assert lines[0].split() == ["metric", "score", "95%", "interval", "(200", "resamples)"]
    assert any(line.startswith("BLEU-4 ") and " - " in line for line in lines)
    assert any(line.startswith("WER (normalised) ") for line in lines)
    assert lines[-1] == f"BLEU signature: {SIGNATURE}"
    score_end = lines[0].index("score") + len("score")
    assert {len(line) for line in lines[1:-1] if " - " not in line} == {score_end}
    intervals = [line[score_end:] for line in lines if " - " in line]
    assert len(intervals) == 3
    assert all(interval[:2] == "  " and interval[2].isdigit() for interval in intervals)


def test_table_without_bootstrap_shows_every_metric() -> None:
    table = format_scores(corpus_scores(HYPOTHESES, REFERENCES))
    labels = [line.rsplit(maxsplit=1)[0] for line in table.splitlines()[1:-1]]
    assert labels == [
        "BLEU-1",
        "BLEU-2",
        "BLEU-3",
        "BLEU-4",
        "chrF",
        "ROUGE-L",
        "WER",
        "WER (normalised)",
        "length ratio",
        "loop share",
    ]


@pytest.mark.parametrize("name", sorted(REFERENCE_SCORES))
def test_unisign_files_score_to_reference_table(name: str) -> None:
    scores = score_files(*unisign_files(name))
    assert_matches_reference(scores, REFERENCE_SCORES[name])
    assert scores["bleu_signature"] == SIGNATURE
