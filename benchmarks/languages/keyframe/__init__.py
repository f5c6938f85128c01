"""The "keyframe" sign language: a 3-D skeleton through a pinhole camera, How2Sign on disk."""

from .corpus import write_language
from .spec import PRESETS, Spec

__all__ = ["PRESETS", "Spec", "write_language"]
