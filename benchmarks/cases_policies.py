"""Policy cases: RandAugment and AugMix against Keras 3; TrivialAugmentWide and AutoAugment against
albumentations spelled with the same operations (albumentations has no such policies: a ``OneOf`` over
its transforms for the same operations at torchvision's magnitudes is the closest comparable pipeline).
"""

from __future__ import annotations

import albumentations as A
import keras

from benchmarks.harness import Case, keras_layer_fn
from keras_aug.layers import policies
from keras_aug.ops import policies as policy_ops


def _ka(layer_cls, *args, **kwargs):
    return lambda: keras_layer_fn(layer_cls(*args, **kwargs))


def _albumentations_op(name: str, level: float, size: int = 224):
    """One of torchvision's operations as an albumentations transform (TrivialAugmentWide's wide ranges)."""
    shear, shift, degrees, enhance = 0.99 * 45.0 * level, 32.0 * level / size, 135.0 * level, 0.99 * level
    return {
        "Identity": lambda: A.NoOp(),
        "ShearX": lambda: A.Affine(shear={"x": (-shear, shear), "y": 0}, p=1.0),
        "ShearY": lambda: A.Affine(shear={"x": 0, "y": (-shear, shear)}, p=1.0),
        "TranslateX": lambda: A.Affine(translate_percent={"x": (-shift, shift), "y": 0}, p=1.0),
        "TranslateY": lambda: A.Affine(translate_percent={"x": 0, "y": (-shift, shift)}, p=1.0),
        "Rotate": lambda: A.Affine(rotate=(-degrees, degrees), p=1.0),
        "Brightness": lambda: A.RandomBrightnessContrast((-enhance, enhance), 0.0, p=1.0),
        "Color": lambda: A.ColorJitter(0, 0, (1 - enhance, 1 + enhance), 0, p=1.0),
        "Contrast": lambda: A.RandomBrightnessContrast(0.0, (-enhance, enhance), p=1.0),
        "Sharpness": lambda: A.Sharpen(p=1.0),
        "Posterize": lambda: A.Posterize(num_bits=(2, 8), p=1.0),
        "Solarize": lambda: A.Solarize(threshold_range=(0.0, 1.0), p=1.0),
        "AutoContrast": lambda: A.AutoContrast(p=1.0),
        "Equalize": lambda: A.Equalize(p=1.0),
        "Invert": lambda: A.InvertImg(p=1.0),
    }[name]()


def _albumentations_trivial():
    names = [spec.name for spec in policy_ops.SPACES["trivial_augment_wide"]]
    return A.OneOf([_albumentations_op(name, 0.5) for name in names], p=1.0)


def _albumentations_auto_augment():
    pairs = policy_ops.AUTO_AUGMENT_POLICIES["imagenet"]
    return A.OneOf(
        [
            A.Sequential([A.OneOf([_albumentations_op(name, 0.5)], p=prob) for name, prob, _ in pair], p=1.0)
            for pair in pairs
        ],
        p=1.0,
    )


CASES = [
    Case(
        "rand_augment",
        keras_aug=_ka(policies.RandAugment),
        keras=lambda: keras_layer_fn(keras.layers.RandAugment()),
    ),
    Case(
        "aug_mix",
        keras_aug=_ka(policies.AugMix),
        keras=lambda: keras_layer_fn(keras.layers.AugMix()),
    ),
    Case(
        "trivial_augment_wide",
        keras_aug=_ka(policies.TrivialAugmentWide),
        albumentations=_albumentations_trivial,
    ),
    Case(
        "auto_augment",
        keras_aug=_ka(policies.AutoAugment),
        albumentations=_albumentations_auto_augment,
    ),
]
