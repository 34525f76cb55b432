"""Color cases: brightness/contrast (RGB and gray), brightness, contrast, gamma and normalization."""

from __future__ import annotations

import albumentations as A
import keras

from benchmarks.harness import Case, keras_layer_fn
from keras_aug.layers import color

_IMAGENET_MEAN = [123.675, 116.28, 103.53]
_IMAGENET_STD = [58.395, 57.12, 57.375]


def _ka(layer_cls, *args, **kwargs):
    return lambda: keras_layer_fn(layer_cls(*args, **kwargs))


def _keras_brightness_then_contrast():
    brightness, contrast = keras.layers.RandomBrightness(0.2), keras.layers.RandomContrast(0.2)
    return lambda images: contrast(brightness(images, training=True), training=True)


def _inference(make_layer):
    def factory():
        layer = make_layer()
        layer.build(
            (None, None, None, 3)
        )  # eagerly: Keras' layer keeps tensors from the trace it was built in
        return lambda images: layer(images)

    return factory


def _brightness_contrast(name: str, channels: int) -> Case:
    return Case(
        name,
        keras_aug=_ka(color.RandomBrightnessContrast, 0.2, 0.2, p=1.0),
        keras=_keras_brightness_then_contrast,
        albumentations=lambda: A.RandomBrightnessContrast(0.2, 0.2, p=1.0),
        channels=channels,
    )


CASES = [
    _brightness_contrast("brightness_contrast", 3),
    _brightness_contrast("brightness_contrast_gray", 1),
    Case(
        "brightness",
        keras_aug=_ka(color.RandomBrightness, 0.2),
        keras=lambda: keras_layer_fn(keras.layers.RandomBrightness(0.2)),
        albumentations=lambda: A.RandomBrightnessContrast(0.2, 0.0, p=1.0),
    ),
    Case(
        "contrast_keras",  # per-channel mean, as Keras; albumentations' contrast is a plain multiply
        keras_aug=_ka(color.RandomContrast, 0.2),
        keras=lambda: keras_layer_fn(keras.layers.RandomContrast(0.2)),
    ),
    Case(
        "gamma",
        keras_aug=_ka(color.RandomGamma, (80, 120), p=1.0),
        albumentations=lambda: A.RandomGamma((80, 120), p=1.0),
    ),
    Case(
        "normalization",  # uint8 in, float32 out
        keras_aug=_inference(lambda: color.Normalization(_IMAGENET_MEAN, _IMAGENET_STD)),
        keras=_inference(
            lambda: keras.layers.Normalization(mean=_IMAGENET_MEAN, variance=[s * s for s in _IMAGENET_STD])
        ),
    ),
]
