"""Crop and resize cases (output size differs from the input): 224x224 outputs, as in ImageNet training."""

from __future__ import annotations

import albumentations as A
import cv2
import keras

import keras_aug
from benchmarks.harness import Case, keras_layer_fn

_SCALE, _RATIO = (0.08, 1.0), (3 / 4, 4 / 3)

CASES = [
    Case(
        "random_resized_crop",
        keras_aug=lambda: keras_layer_fn(keras_aug.layers.RandomResizedCrop(224, 224, _SCALE, _RATIO)),
        albumentations=lambda: A.RandomResizedCrop(
            (224, 224), scale=_SCALE, ratio=_RATIO, interpolation=cv2.INTER_LINEAR, p=1.0
        ),
        size=320,
    ),
    Case(
        "center_crop",
        keras_aug=lambda: keras_layer_fn(keras_aug.layers.CenterCrop(224, 224)),
        keras=lambda: keras_layer_fn(keras.layers.CenterCrop(224, 224)),
        albumentations=lambda: A.CenterCrop(224, 224, p=1.0),
        size=256,
    ),
    Case(
        "random_crop",
        keras_aug=lambda: keras_layer_fn(keras_aug.layers.RandomCrop(224, 224)),
        keras=lambda: keras_layer_fn(keras.layers.RandomCrop(224, 224)),
        albumentations=lambda: A.RandomCrop(224, 224, p=1.0),
        size=256,
    ),
    Case(
        "resizing",
        keras_aug=lambda: keras_layer_fn(keras_aug.layers.Resizing(224, 224)),
        keras=lambda: keras_layer_fn(keras.layers.Resizing(224, 224)),
        albumentations=lambda: A.Resize(224, 224, interpolation=cv2.INTER_LINEAR, p=1.0),
        size=320,
    ),
]
