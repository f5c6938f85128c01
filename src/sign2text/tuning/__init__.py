"""Hyper-parameter search with Optuna: search spaces, workers, reports."""
