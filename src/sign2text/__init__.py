"""sign2text: sign-language-to-text translation from body, hand and face keypoints.

The Python API (`sign2text.api`, imported on first use so that `import sign2text` is cheap):
`load_config`, `synth`, `prepare`, `train`, `evaluate`, and `load` (a checkpoint, ready to
`translate` clips, files, videos and NumPy arrays).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

API = ("load_config", "synth", "prepare", "train", "evaluate", "load")
__all__ = [*API, "__version__"]


def __getattr__(name: str) -> Any:
    """`sign2text.train` and the rest of API, from `sign2text.api` when first asked for."""
    if name in API:
        from sign2text import api

        return vars(api)[name]
    raise AttributeError(f"module 'sign2text' has no attribute {name!r}")
