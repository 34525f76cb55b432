"""Keras layers: per-sample random augmentation over one base class.

Example:
>>> import keras, keras_aug
>>> model = keras.Sequential([keras_aug.layers.RandomFlip(), keras_aug.layers.RandomRotation(0.1)])
"""

from keras_aug.layers.base import BaseAugmentation
from keras_aug.layers.color import (
    RandomBrightness,
    RandomBrightnessContrast,
    RandomContrast,
    RandomGamma,
)
from keras_aug.layers.colorspace import (
    RandomColorDegeneration,
    RandomColorJitter,
    RandomGrayscale,
    RandomHue,
    RandomSaturation,
)
from keras_aug.layers.compose import OneOf, Pipeline, RandomApply, SomeOf
from keras_aug.layers.crops import CenterCrop, MaxNumBoundingBoxes, RandomCrop, RandomResizedCrop, Resizing
from keras_aug.layers.elastic import RandomElasticTransform
from keras_aug.layers.geometric import (
    BaseGeometric,
    RandomAffine,
    RandomFlip,
    RandomPadCrop,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from keras_aug.layers.histogram import Equalize, RandomCLAHE
from keras_aug.layers.mix import CutMix, MixUp, RandomCutout
from keras_aug.layers.normalization import Normalization
from keras_aug.layers.policies import AugMix, AutoAugment, RandAugment, TrivialAugmentWide
from keras_aug.layers.tone import (
    AutoContrast,
    ContrastLimitedAdaptiveHistogramEqualization,
    Equalization,
    RandomErasing,
    RandomGaussianBlur,
    RandomInvert,
    RandomPosterization,
    RandomSharpness,
    Rescaling,
    Solarization,
)
from keras_aug.layers.warps import RandomPerspective, RandomShear

__all__ = [
    "AugMix",
    "AutoAugment",
    "AutoContrast",
    "BaseAugmentation",
    "BaseGeometric",
    "CenterCrop",
    "ContrastLimitedAdaptiveHistogramEqualization",
    "CutMix",
    "Equalization",
    "Equalize",
    "MaxNumBoundingBoxes",
    "MixUp",
    "Normalization",
    "OneOf",
    "Pipeline",
    "RandAugment",
    "RandomAffine",
    "RandomApply",
    "RandomBrightness",
    "RandomBrightnessContrast",
    "RandomCLAHE",
    "RandomColorDegeneration",
    "RandomColorJitter",
    "RandomContrast",
    "RandomCrop",
    "RandomCutout",
    "RandomElasticTransform",
    "RandomErasing",
    "RandomFlip",
    "RandomGamma",
    "RandomGaussianBlur",
    "RandomGrayscale",
    "RandomHue",
    "RandomInvert",
    "RandomPadCrop",
    "RandomPerspective",
    "RandomPosterization",
    "RandomResizedCrop",
    "RandomRotation",
    "RandomSaturation",
    "RandomSharpness",
    "RandomShear",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "Solarization",
    "SomeOf",
    "TrivialAugmentWide",
]
