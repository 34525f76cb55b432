"""Projective and shear cases: RandomPerspective and RandomShear next to Keras 3 and albumentations."""

from __future__ import annotations

import math

import albumentations as A
import cv2

import keras_aug
from benchmarks.harness import Case, keras_layer, keras_layer_fn


def _layer(layer_cls, *args, **kwargs):
    return lambda: keras_layer_fn(layer_cls(*args, **kwargs))


_SHEAR_DEGREES = math.degrees(math.atan(0.3))  # Keras' factor is the tangent of the shear angle

CASES = [
    Case(
        # factor=(1, 1): every sample warped (Keras draws its probability from U(factor)).
        "perspective",
        keras_aug=_layer(keras_aug.layers.RandomPerspective, factor=(1.0, 1.0), scale=0.5),
        keras=keras_layer("RandomPerspective", factor=(1.0, 1.0), scale=0.5),
        albumentations=lambda: A.Perspective(
            scale=(0.05, 0.1), keep_size=True, border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0
        ),
    ),
    Case(
        "shear",
        keras_aug=_layer(keras_aug.layers.RandomShear, 0.3, 0.3),
        keras=keras_layer("RandomShear", 0.3, 0.3),
        albumentations=lambda: A.Affine(
            shear={"x": (-_SHEAR_DEGREES, _SHEAR_DEGREES), "y": (-_SHEAR_DEGREES, _SHEAR_DEGREES)},
            border_mode=cv2.BORDER_REFLECT,
            p=1.0,
        ),
    ),
]
