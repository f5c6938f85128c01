"""Keypoints in: readers for every format, `prepare`, datasets and batches, model input."""
