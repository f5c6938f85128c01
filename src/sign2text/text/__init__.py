"""Sentences: tokenizers and text repair."""
