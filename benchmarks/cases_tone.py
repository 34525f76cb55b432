"""Tone and filter cases: the Keras-named tone layers against Keras 3 and albumentations.

Every contender augments every image (Keras' probability ``factor=(1, 1)``, albumentations ``p=1``), with
the closest settings each library has: posterize to 4 bits, solarize at half the range, blur 5x5 with
sigma in (0.5, 2), erase one rectangle with a constant fill. ``A.Sharpen`` is an unsharp-mask kernel,
not PIL's Sharpness (same cost class: one 3x3 or 5x5 filter and a blend); ``A.AutoContrast`` uses
``method="pil"``, PIL's rule.
"""

from __future__ import annotations

import albumentations as A
import keras

from benchmarks.harness import Case, keras_layer, keras_layer_fn
from keras_aug import layers


def _ours(make):
    return lambda: keras_layer_fn(make())


def _keras(make):
    return lambda: keras_layer_fn(make())


CASES = [
    Case(
        "invert",
        keras_aug=_ours(lambda: layers.RandomInvert(factor=(1, 1))),
        keras=_keras(lambda: keras.layers.RandomInvert(factor=(1, 1))),
        albumentations=lambda: A.InvertImg(p=1.0),
    ),
    Case(
        "solarize",
        keras_aug=_ours(lambda: layers.Solarization(threshold_factor=(0.5, 0.5))),
        keras=_keras(lambda: keras.layers.Solarization(threshold_factor=(0.5, 0.5))),
        albumentations=lambda: A.Solarize(threshold_range=(0.5, 0.5), p=1.0),
    ),
    Case(
        "posterize",
        keras_aug=_ours(lambda: layers.RandomPosterization((4, 4))),
        keras=_keras(lambda: keras.layers.RandomPosterization(factor=(4, 4))),
        albumentations=lambda: A.Posterize(num_bits=4, p=1.0),
    ),
    Case(
        "autocontrast",
        keras_aug=_ours(layers.AutoContrast),
        keras=keras_layer("AutoContrast"),
        albumentations=lambda: A.AutoContrast(method="pil", p=1.0),
    ),
    Case(
        "equalization",
        keras_aug=_ours(layers.Equalization),
        keras=keras_layer("Equalization"),
        albumentations=lambda: A.Equalize(mode="cv", p=1.0),
    ),
    Case(
        "sharpness",
        keras_aug=_ours(lambda: layers.RandomSharpness((0.6, 1.0))),
        keras=_keras(lambda: keras.layers.RandomSharpness((0.6, 1.0))),
        albumentations=lambda: A.Sharpen(alpha=(0.2, 0.5), kernel_size=3, p=1.0),
    ),
    Case(
        "gaussian_blur",
        keras_aug=_ours(lambda: layers.RandomGaussianBlur((1, 1), 5, (0.5, 2.0))),
        keras=_keras(lambda: keras.layers.RandomGaussianBlur((1, 1), 5, (0.5, 1.0))),  # Keras: sigma <= 1
        albumentations=lambda: A.GaussianBlur(blur_limit=(5, 5), sigma_limit=(0.5, 2.0), p=1.0),
    ),
    Case(
        "erasing",
        keras_aug=_ours(lambda: layers.RandomErasing((1, 1), (0.02, 0.33), fill_value=0)),
        keras=_keras(lambda: keras.layers.RandomErasing((1, 1), (0.02, 0.33), fill_value=0)),
        albumentations=lambda: A.Erasing(scale=(0.02, 0.33), fill=0, p=1.0),
    ),
]
