"""The translator, its decoding and the one inference path; portable checkpoints."""
