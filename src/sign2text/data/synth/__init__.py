"""The synthetic sign language: a fair, learnable translation task written in How2Sign's format.

`write_dataset` writes OpenPose JSON frames and How2Sign CSVs that the real-data reader reads;
`generate_clips` makes the same clips in memory for tests and benchmarks.
"""

from .corpus import SynthClip, generate_clips, sample_lengths
from .sizes import SIZES, SPLITS, SynthSize
from .writer import write_dataset

__all__ = ["SIZES", "SPLITS", "SynthClip", "SynthSize", "generate_clips", "sample_lengths",
           "write_dataset"]  # fmt: skip
