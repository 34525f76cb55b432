"""Histogram cases: CLAHE on gray and RGB images, against albumentations (OpenCV) and Keras 3."""

from __future__ import annotations

import albumentations as A
import keras

from benchmarks.harness import Case, keras_layer_fn
from keras_aug.layers.histogram import RandomCLAHE


def _keras_clahe():
    return keras_layer_fn(keras.layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=4.0))


def _keras_aug_clahe():
    return keras_layer_fn(RandomCLAHE(clip_limit=(4, 4), tile_grid_size=(8, 8)))


CASES = [
    Case(
        "clahe_gray",
        keras_aug=_keras_aug_clahe,
        keras=_keras_clahe,
        albumentations=lambda: A.CLAHE(clip_limit=(4, 4), p=1.0),
        channels=1,
    ),
    Case(
        "clahe_rgb",
        keras_aug=_keras_aug_clahe,
        keras=_keras_clahe,
        albumentations=lambda: A.CLAHE(clip_limit=(4, 4), p=1.0),
    ),
]
