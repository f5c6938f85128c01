"""The demo: synthetic data -> prepare -> train -> evaluate, on a CPU in minutes."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sign2text import config as configuration
from sign2text.data.prepare import prepare_how2sign
from sign2text.data.synth import write_dataset
from sign2text.evaluation.evaluate import evaluate
from sign2text.presets import resolve
from sign2text.training import train

log = logging.getLogger(__name__)


def run_demo(
    data_dir: str | Path = "data/demo",
    runs_dir: str | Path = "runs",
    config_path: str | Path = "demo",
    overrides: list[str] | None = None,
    size: str = "demo",
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the whole path on synthetic data; returns the figures the CLI prints."""
    started = time.perf_counter()
    data_dir, runs_dir = Path(data_dir), Path(runs_dir)
    config = configuration.load(resolve(config_path), overrides)
    if not (data_dir / "synth_info.json").exists():
        log.info("writing the synthetic %s dataset to %s", size, data_dir)
        write_dataset(data_dir, size=size, seed=0, workers=workers)
    prepared = data_dir / "prepared"
    if not (prepared / "meta.json").exists():
        log.info("preparing %s", data_dir)
        prepare_how2sign(
            data_dir,
            prepared,
            tokenizer=config.text.tokenizer,
            vocab_size=config.text.vocab_size,
            workers=workers,
            progress=progress,
        )
    config = replace(config, data=replace(config.data, prepared=str(prepared)))
    run_dir = runs_dir / f"{config.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    trained = train(config, run_dir, progress=progress)
    metrics = evaluate(run_dir, "test", progress=progress)
    return {
        "run_dir": str(run_dir),
        "parameters": trained["parameters"],
        "epochs": trained["epochs"],
        "train_seconds": trained["seconds"],
        "total_seconds": time.perf_counter() - started,
        "metrics": metrics,
    }
