"""Geometric cases: flip, translation, pad-crop, rotation, zoom and the fused affine."""

from __future__ import annotations

import albumentations as A
import cv2
import keras

import keras_aug
from benchmarks.harness import Case, keras_layer_fn


def _ka(layer_cls, *args, **kwargs):
    return lambda: keras_layer_fn(layer_cls(*args, **kwargs))


def _keras(layer_cls, *args, **kwargs):
    return lambda: keras_layer_fn(layer_cls(*args, **kwargs))


_REFLECT = cv2.BORDER_REFLECT  # TF's "reflect" repeats the edge pixel, like OpenCV's BORDER_REFLECT

CASES = [
    Case(
        "flip",
        keras_aug=_ka(keras_aug.layers.RandomFlip, "horizontal_and_vertical"),
        keras=_keras(keras.layers.RandomFlip, "horizontal_and_vertical"),
        albumentations=lambda: A.Compose([A.HorizontalFlip(p=0.5), A.VerticalFlip(p=0.5)]),
    ),
    Case(
        "translation",
        keras_aug=_ka(keras_aug.layers.RandomTranslation, 0.2, 0.2, p=1.0),
        keras=_keras(keras.layers.RandomTranslation, 0.2, 0.2),
        albumentations=lambda: A.Affine(translate_percent=(-0.2, 0.2), border_mode=_REFLECT, p=1.0),
    ),
    Case(
        "pad_crop",
        keras_aug=_ka(keras_aug.layers.RandomPadCrop, 16),
        albumentations=lambda: A.Compose(
            [A.PadIfNeeded(256, 256, border_mode=cv2.BORDER_CONSTANT, fill=0), A.RandomCrop(224, 224)]
        ),
    ),
    Case(
        "rotation",
        keras_aug=_ka(keras_aug.layers.RandomRotation, 0.5),
        keras=_keras(keras.layers.RandomRotation, 0.5),
        albumentations=lambda: A.Rotate(limit=180, border_mode=_REFLECT, p=1.0),
    ),
    Case(
        "zoom",
        keras_aug=_ka(keras_aug.layers.RandomZoom, 0.3),
        keras=_keras(keras.layers.RandomZoom, 0.3),
        albumentations=lambda: A.Affine(scale=(1 / 1.3, 1 / 0.7), border_mode=_REFLECT, p=1.0),
    ),
    Case(
        "affine",
        keras_aug=_ka(keras_aug.layers.RandomAffine, degrees=30, translate=0.1, scale=(0.8, 1.2), shear=10),
        keras=lambda: (
            lambda layers: (
                lambda images: layers[2](
                    layers[1](layers[0](images, training=True), training=True), training=True
                )
            )
        )(
            [
                keras.layers.RandomRotation(30 / 360),
                keras.layers.RandomTranslation(0.1, 0.1),
                keras.layers.RandomZoom(0.2),
            ]
        ),
        albumentations=lambda: A.Affine(
            rotate=(-30, 30),
            translate_percent=(-0.1, 0.1),
            scale=(0.8, 1.2),
            shear=(-10, 10),
            border_mode=_REFLECT,
            p=1.0,
        ),
    ),
]
