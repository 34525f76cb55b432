"""Histogram cases: CLAHE on gray and RGB images, against albumentations (OpenCV) and Keras 3.

The 16-bit cases (512x512 uint16) put OpenCV itself in the albumentations column (albumentations'
``CLAHE`` takes uint8 only): ``cv2.createCLAHE(4, (8, 8)).apply`` per image in ``tf.numpy_function``.
``clahe_gray16`` spans all 65536 levels; ``clahe_gray12`` holds 12-bit data (the batch >> 4) in uint16,
as X-rays do, both at OpenCV's 16-bit semantics (65536 bins).
"""

from __future__ import annotations

import albumentations as A
import cv2
import keras
import numpy as np
import tensorflow as tf

from benchmarks.harness import Case, keras_layer_fn
from keras_aug.layers.histogram import RandomCLAHE


def _keras_clahe():
    return keras_layer_fn(keras.layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=4.0))


def _keras_aug_clahe():
    return keras_layer_fn(RandomCLAHE(clip_limit=(4, 4), tile_grid_size=(8, 8)))


class _OpenCVCLAHE:
    """``cv2.createCLAHE(...).apply`` on a gray image, called like an albumentations transform.

    A new CLAHE object per image: ``tf.data`` runs the map in parallel, and one object's buffers would
    be shared between threads.
    """

    def __init__(self, shift: int = 0):
        self.shift = shift

    def __call__(self, *, image: np.ndarray) -> dict:
        clahe = cv2.createCLAHE(clipLimit=4.0, tileGridSize=(8, 8))
        return {"image": clahe.apply(np.right_shift(image[..., 0], self.shift))}


def _keras_aug_clahe_shifted(shift: int):
    layer = RandomCLAHE(clip_limit=(4, 4), tile_grid_size=(8, 8))
    return lambda images: layer(
        tf.bitwise.right_shift(images, tf.constant(shift, images.dtype)), training=True
    )


CASES = [
    Case(
        "clahe_gray",
        keras_aug=_keras_aug_clahe,
        keras=_keras_clahe,
        keras_in_model=False,
        albumentations=lambda: A.CLAHE(clip_limit=(4, 4), p=1.0),
        channels=1,
    ),
    Case(
        "clahe_rgb",
        keras_aug=_keras_aug_clahe,
        keras=_keras_clahe,
        keras_in_model=False,
        albumentations=lambda: A.CLAHE(clip_limit=(4, 4), p=1.0),
    ),
    Case(
        "clahe_gray16",
        keras_aug=_keras_aug_clahe,
        albumentations=_OpenCVCLAHE,
        channels=1,
        size=512,
        dtype="uint16",
    ),
    Case(
        "clahe_gray12",
        keras_aug=lambda: _keras_aug_clahe_shifted(4),
        albumentations=lambda: _OpenCVCLAHE(shift=4),
        channels=1,
        size=512,
        dtype="uint16",
    ),
]
