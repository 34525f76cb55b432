"""Colour-space cases: hue, saturation, colour degeneration, colour jitter and grayscale.

Keras' ``RandomSaturation`` factor ``f`` is a saturation multiplier ``f / (1 - f)``: (0.3, 0.7) is
about (0.43, 2.33), which albumentations' ``ColorJitter(saturation=...)`` takes directly. Hue: Keras'
``factor`` 0.1 turns the hue by up to 0.05 of a turn, OpenCV's 8-bit hue by up to 9 (of 180).
"""

from __future__ import annotations

import albumentations as A

from benchmarks.harness import Case, keras_layer, keras_layer_fn
from keras_aug.layers import colorspace

_SATURATION = (0.3, 0.7)
_ALBU_SATURATION = (0.3 / 0.7, 0.7 / 0.3)


def _ka(layer_cls, *args, **kwargs):
    return lambda: keras_layer_fn(layer_cls(*args, **kwargs))


_JITTER = {
    "brightness_factor": 0.2,
    "contrast_factor": 0.2,
    "saturation_factor": _SATURATION,
    "hue_factor": 0.1,
}

CASES = [
    Case(
        "hue",
        keras_aug=_ka(colorspace.RandomHue, 0.1),
        keras=keras_layer("RandomHue", 0.1),
        albumentations=lambda: A.HueSaturationValue(9, 0, 0, p=1.0),
    ),
    Case(
        "saturation",
        keras_aug=_ka(colorspace.RandomSaturation, _SATURATION),
        keras=keras_layer("RandomSaturation", _SATURATION),
        albumentations=lambda: A.ColorJitter(0, 0, _ALBU_SATURATION, 0, p=1.0),
    ),
    Case(
        "color_degeneration",
        keras_aug=_ka(colorspace.RandomColorDegeneration, 0.5),
        keras=keras_layer("RandomColorDegeneration", 0.5),
    ),
    Case(
        "color_jitter",
        keras_aug=_ka(colorspace.RandomColorJitter, **_JITTER),
        keras=keras_layer("RandomColorJitter", **_JITTER),
        albumentations=lambda: A.ColorJitter(0.2, 0.2, _ALBU_SATURATION, 0.05, p=1.0),
    ),
    Case(
        "grayscale",
        keras_aug=_ka(colorspace.RandomGrayscale, 1.0),
        keras=keras_layer("RandomGrayscale", 1.0),
        albumentations=lambda: A.ToGray(p=1.0),
    ),
]
