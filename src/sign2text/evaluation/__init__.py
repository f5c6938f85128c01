"""Scores: metrics, evaluation of a run with its ablations, scoring files."""
