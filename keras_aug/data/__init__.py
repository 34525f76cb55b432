"""tf.data transforms that work on whole batches (use them after ``dataset.batch()``).

Example:
>>> import keras_aug
>>> mixer = keras_aug.data.MixBatches(mixup_alpha=0.2, cutmix_alpha=1.0, num_classes=10)
"""

from keras_aug.data.mix import MixBatches, mix_batches

__all__ = ["MixBatches", "mix_batches"]
