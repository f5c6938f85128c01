"""Evaluation of a trained run: decode a split, score it, and score it against ablations."""

from __future__ import annotations

import csv
import functools
import io
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from sign2text import atomic
from sign2text.bootstrap import bootstrap_interval
from sign2text.config import DecodeConfig
from sign2text.data import common
from sign2text.data.ablation import AblatedInputs, derangement
from sign2text.data.dataset import (
    BucketBatchSampler,
    PreparedSplit,
    TranslationDataset,
    collate_packed,
)
from sign2text.data.frames import target_fps
from sign2text.evaluation.sanity import best_constant_sentence, warnings_for
from sign2text.evaluation.sentences import predictions_tsv, scored
from sign2text.metrics import corpus_scores, gloss_wer
from sign2text.model.checkpoint import Loaded
from sign2text.model.inference import Reader, infer
from sign2text.run_folder import BEST, GLOSSES, METRICS, PREDICTIONS, RunFolder

log = logging.getLogger(__name__)

INTERVAL_METRICS = ("bleu4", "chrf", "wer")
BOOTSTRAP_SAMPLES = 1000


@dataclass
class Decoded:
    """Hypotheses for every clip, and the references' negative log-likelihood."""

    hypotheses: list[str]
    nll: float
    tokens: int
    glosses: list[str] | None = None  # recognised, with a recognition head (CTC beam)
    glosses_greedy: list[str] | None = None  # the same, greedy CTC decoding


def decode_dataset(
    reader: Reader,
    dataset: Dataset,
    lengths: list[int],
    *,
    options: DecodeConfig,
    batch_size: int = 64,
    device: torch.device | str = "cpu",
    progress: bool = False,
    label: str = "decoding",
) -> Decoded:
    """Decode every clip of `dataset` and sum the NLL of its references; the progress bar
    (`progress`) is labelled `label` and counts clips."""
    sampler = BucketBatchSampler(lengths, batch_size, shuffle=False)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=collate_packed)
    hypotheses: dict[int, str] = {}
    glosses: dict[int, tuple[str, str]] = {}  # (beam, greedy)
    nll, tokens = 0.0, 0
    bar = tqdm(total=len(lengths), desc=label, unit="clip", disable=not progress)
    with bar:
        for batch in loader:
            batch = batch.to(device).padded()  # padding made on the device
            references = (batch.tokens_in, batch.tokens_out)
            out = infer(reader, batch.keypoints, batch.frame_mask, options, references)
            nll, tokens = nll + out.nll, tokens + out.tokens
            items = batch.items.tolist()
            hypotheses.update(zip(items, out.hypotheses, strict=True))
            if out.glosses is not None and out.glosses_greedy is not None:
                pairs = zip(out.glosses, out.glosses_greedy, strict=True)
                glosses.update(zip(items, pairs, strict=True))
            bar.update(len(out.hypotheses))
    decoded = Decoded([hypotheses[i] for i in range(len(hypotheses))], nll, tokens)
    if glosses:
        decoded.glosses = [glosses[i][0] for i in range(len(glosses))]
        decoded.glosses_greedy = [glosses[i][1] for i in range(len(glosses))]
    return decoded


def _recognition(
    decoded: Decoded, references: list[str], names: list[str], width: int
) -> tuple[dict[str, Any], str]:
    """Gloss WER of the recognition head (beam and greedy CTC decoding), and `glosses.tsv`."""
    if decoded.glosses is None or decoded.glosses_greedy is None:
        return {}, ""
    figures = {
        "gloss_wer": gloss_wer(decoded.glosses, references),
        "gloss_wer_greedy": gloss_wer(decoded.glosses_greedy, references),
        "gloss_ctc_beam_size": width,
        "clips_with_glosses": sum(bool(r.strip()) for r in references),
    }
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n")
    writer.writerow(["clip", "reference glosses", "recognised glosses"])
    writer.writerows(zip(names, references, decoded.glosses, strict=True))
    return figures, buffer.getvalue()


def _numbers(scores: dict[str, Any]) -> dict[str, Any]:
    """`corpus_scores` without its signature string: the figures an ablation reports."""
    return {k: v for k, v in scores.items() if k != "bleu_signature"}


def _scores(hypotheses: list[str], references: list[str]) -> dict[str, Any]:
    return _numbers(corpus_scores(hypotheses, references))


def _ablations(
    decode: Callable[..., Decoded],
    dataset: TranslationDataset,
    references: list[str],
    training_sentences: list[str],
    split: str,
) -> dict[str, dict[str, Any]]:
    """Scores of what a model must beat: every clip's keypoints swapped with another clip's,
    all-zero keypoints, and the best constant training sentence."""
    swapped = AblatedInputs(dataset, derangement(len(dataset)))
    zeros = AblatedInputs(dataset)
    constant, constant_scores = best_constant_sentence(training_sentences, references)
    swapped_out = decode(swapped, swapped.lengths, label=f"decoding {split} swapped-input")
    zeros_out = decode(zeros, zeros.lengths, label=f"decoding {split} all-zero-input")
    return {
        "swapped inputs": _scores(swapped_out.hypotheses, references),
        "all-zero inputs": _scores(zeros_out.hypotheses, references),
        "constant sentence": {**_numbers(constant_scores), "sentence": constant},
    }


def _intervals(hypotheses: list[str], references: list[str]) -> dict[str, list[float]]:
    """95% bootstrap intervals of INTERVAL_METRICS."""
    intervals = {}
    for name in INTERVAL_METRICS:
        interval = bootstrap_interval(hypotheses, references, name, BOOTSTRAP_SAMPLES)
        intervals[name] = [interval.low, interval.high]
    return intervals


def _model_figures(loaded: Loaded, options: DecodeConfig) -> dict[str, Any]:
    """Which model and decoding produced the hypotheses."""
    return {
        "epoch": loaded.info.get("epoch"),
        "parameters": loaded.info.get("parameters"),
        "decoding": {
            "beam_size": options.beam_size,
            "length_penalty": options.length_penalty,
            "no_repeat_ngram": options.no_repeat_ngram,
        },
    }


def _perplexity(loaded: Loaded, decoded: Decoded) -> dict[str, Any]:
    """The model's perplexity on the references, and the tokens it is counted in."""
    return {
        "perplexity": math.exp(decoded.nll / max(decoded.tokens, 1)),
        "perplexity_tokenizer": f"{loaded.tokenizer.kind} ({len(loaded.tokenizer)} tokens)",
    }


def evaluate(
    run_dir: str | Path,
    split: str = "test",
    *,
    checkpoint_name: str = BEST,
    options: DecodeConfig | None = None,
    batch_size: int = 64,
    device: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Decode `split` with a run's checkpoint; write `eval_<split>/metrics.json` and
    `predictions.tsv` (with each sentence's BLEU and WER, `sentences.py`). Also scores the
    ablations a model must beat (`_ablations`)."""
    run = RunFolder(Path(run_dir))
    target = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    loaded = run.load_checkpoint(checkpoint_name, target)
    config = loaded.config
    options = options or config.decode
    data = PreparedSplit(config.data.prepared, split, config.text.lowercase)
    dataset = TranslationDataset(
        data,
        loaded.tokenizer,
        loaded.points,
        config.data.max_frames,
        config.text.max_tokens,
        fps=target_fps(config.data.fps, config.data.max_fps, float(data.meta["fps"])),
        on_common=config.data.points == common.POINTS,
    )
    references = [data.clips[i].sentence for i in dataset.indices]
    names = [data.clips[i].name for i in dataset.indices]
    decode = functools.partial(
        decode_dataset,
        Reader.of(loaded),
        options=options,
        batch_size=batch_size,
        device=target,
        progress=progress,
    )
    decoded = decode(dataset, dataset.lengths, label=f"decoding {split}")
    scores = corpus_scores(decoded.hypotheses, references)
    gloss_references = [data.clips[i].glosses for i in dataset.indices]
    width = options.ctc_beam_size
    recognition, glosses_tsv = _recognition(decoded, gloss_references, names, width)
    train_split = PreparedSplit(config.data.prepared, "train", config.text.lowercase)
    training = [c.sentence for c in train_split.clips]
    # the ablations' glosses are not scored: greedy CTC decoding is enough there
    ablated = functools.partial(decode, options=replace(options, ctc_beam_size=1))
    ablations = _ablations(ablated, dataset, references, training, split)
    metrics = {
        "split": split,
        "clips": len(dataset),
        "checkpoint": str(run.checkpoint_file(checkpoint_name)),
        **_model_figures(loaded, options),
        **scores,
        **_perplexity(loaded, decoded),
        **recognition,
        "intervals_95": _intervals(decoded.hypotheses, references),
        "bootstrap_samples": BOOTSTRAP_SAMPLES,
        "references_lowercased": config.text.lowercase,  # text.lowercase: scored lower-cased
        "ablations": ablations,
        "warnings": warnings_for(scores, ablations),
    }
    out = run.evaluation(split)
    atomic.write_json(out / METRICS, metrics)
    predictions = scored(names, references, decoded.hypotheses)
    atomic.write_text(out / PREDICTIONS, predictions_tsv(predictions))
    if glosses_tsv:
        atomic.write_text(out / GLOSSES, glosses_tsv)
        log.info(
            "%s: gloss WER %.3f (CTC beam %d), %.3f (greedy)",
            split,
            recognition["gloss_wer"],
            width,
            recognition["gloss_wer_greedy"],
        )
    log.info(
        "%s: BLEU-4 %.2f, WER %.3f, perplexity %.2f; swapped inputs BLEU-4 %.2f",
        split,
        scores["bleu4"],
        scores["wer"],
        metrics["perplexity"],
        ablations["swapped inputs"]["bleu4"],
    )
    return metrics
