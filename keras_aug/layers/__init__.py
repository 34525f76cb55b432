"""Keras layers: per-sample random augmentation over one base class.

Example:
>>> import keras, keras_aug
>>> model = keras.Sequential([keras_aug.layers.RandomFlip(), keras_aug.layers.RandomRotation(0.1)])
"""

from keras_aug.layers.base import BaseAugmentation
from keras_aug.layers.geometric import (
    BaseGeometric,
    RandomAffine,
    RandomFlip,
    RandomPadCrop,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)

__all__ = [
    "BaseAugmentation",
    "BaseGeometric",
    "RandomAffine",
    "RandomFlip",
    "RandomPadCrop",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
]
