"""Marionette: a 2-D forward-kinematics puppet that signs a synthetic language."""

from .spec import PRESETS, Spec
from .writer import write_language

__all__ = ["PRESETS", "Spec", "write_language"]
