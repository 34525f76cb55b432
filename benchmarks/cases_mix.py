"""Mixing and deformation cases: Cutout, MixUp, CutMix, the tf.data batch mixer and elastic distortion.

MixUp/CutMix functions build one-hot labels for the batch and return ``(images, labels)``, so label
mixing is timed too. Elastic cases use the same ``sigma`` for every library (the filter size sets the
cost); ``alpha`` differs because each library scales its noise differently (see keras_aug.ops.elastic),
and is picked so that pixels move by about 1.5 px RMS in all three.
"""

from __future__ import annotations

import albumentations as A
import cv2
import keras
import tensorflow as tf

from benchmarks.harness import Case
from keras_aug.data.mix import MixBatches
from keras_aug.layers.elastic import RandomElasticTransform
from keras_aug.layers.mix import CutMix, MixUp, RandomCutout

NUM_CLASSES = 10


def _one_hot(images):
    return tf.one_hot(tf.range(tf.shape(images)[0]) % NUM_CLASSES, NUM_CLASSES)


def _tuple_mixer(make):
    def factory():
        layer = make()
        return lambda images: layer((images, _one_hot(images)), training=True)

    return factory


def _keras_dict_mixer(make):
    def factory():
        layer = make()

        def fn(images):
            out = layer({"images": images, "labels": _one_hot(images)}, training=True)
            return out["images"], out["labels"]

        return fn

    return factory


def _layer(make):
    def factory():
        layer = make()
        return lambda images: layer(images, training=True)

    return factory


def _batch_mixer():
    transform = MixBatches(mixup_alpha=0.8, cutmix_alpha=1.0, num_classes=NUM_CLASSES, seed=0)
    return lambda images: transform(images, _one_hot(images))


def _keras_elastic_scale(sigma: float, size: int = 224) -> tuple[float, float]:
    """Keras draws ``sigma = 0.05 * min(H, W) * scale``; a fixed range pins the same sigma as the others."""
    scale = sigma / (0.05 * size)
    return (scale, scale)


CASES = [
    Case(
        "cutout",
        keras_aug=_layer(lambda: RandomCutout((1, 1), (0.1, 0.5), (0.1, 0.5), fill=0, p=1.0, seed=0)),
        keras=_layer(
            lambda: keras.layers.RandomErasing(factor=(1.0, 1.0), scale=(0.02, 0.25), fill_value=0.0)
        ),
        albumentations=lambda: A.CoarseDropout(
            num_holes_range=(1, 1), hole_height_range=(0.1, 0.5), hole_width_range=(0.1, 0.5), fill=0, p=1.0
        ),
    ),
    Case(
        "cutout_8_random",
        keras_aug=_layer(lambda: RandomCutout((1, 8), (8, 32), (8, 32), fill="random", p=1.0, seed=0)),
        albumentations=lambda: A.CoarseDropout(
            num_holes_range=(1, 8), hole_height_range=(8, 32), hole_width_range=(8, 32), fill="random", p=1.0
        ),
    ),
    Case(
        "mixup",
        keras_aug=_tuple_mixer(lambda: MixUp(alpha=0.2, seed=0)),
        keras=_keras_dict_mixer(lambda: keras.layers.MixUp(alpha=0.2, seed=0)),
    ),
    Case(
        "cutmix",
        keras_aug=_tuple_mixer(lambda: CutMix(alpha=1.0, seed=0)),
        keras=_keras_dict_mixer(lambda: keras.layers.CutMix(factor=1.0, seed=0)),
    ),
    Case("mix_batches", keras_aug=_batch_mixer),
    Case(
        "elastic",
        keras_aug=_layer(lambda: RandomElasticTransform(alpha=112.0, sigma=11.2, seed=0)),
        keras=_layer(
            lambda: keras.layers.RandomElasticTransform(
                factor=(1.0, 1.0), scale=_keras_elastic_scale(11.2), seed=0
            )
        ),
        albumentations=lambda: A.ElasticTransform(
            alpha=300.0, sigma=11.2, border_mode=cv2.BORDER_REFLECT, p=1.0
        ),
    ),
    Case(
        "elastic_simard",
        keras_aug=_layer(lambda: RandomElasticTransform(alpha=34.0, sigma=4.0, seed=0)),
        keras=_layer(
            lambda: keras.layers.RandomElasticTransform(
                factor=(1.0, 1.0), scale=_keras_elastic_scale(4.0), seed=0
            )
        ),
        albumentations=lambda: A.ElasticTransform(
            alpha=120.0, sigma=4.0, border_mode=cv2.BORDER_REFLECT, p=1.0
        ),
    ),
]
