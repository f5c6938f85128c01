"""sign2text: sign-language-to-text translation from body, hand and face keypoints."""

__version__ = "0.1.0"
