"""Readers: turn keypoint files of each supported format into `Clip` arrays."""
