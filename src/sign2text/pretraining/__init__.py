"""Self-supervised pretraining of the keypoint encoder: masked keypoint modelling on clips
without sentences (`masking`), its data, module, records and `pretrain(config, run_dir)`."""

from sign2text.pretraining.fit import pretrain

__all__ = ["pretrain"]
