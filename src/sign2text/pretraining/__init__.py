"""Self-supervised pretraining of the keypoint encoder on clips without sentences: what is
hidden (`masking`), the two objectives (`masking`'s regression, `clusters`), its data, module,
records and `pretrain(config, run_dir)`."""

from sign2text.pretraining.fit import pretrain

__all__ = ["pretrain"]
