"""The layer contract on inputs and on ``p``, for every exported augmentation layer.

Masks, labels and boxes that do not belong to the images are refused with the key's name; a dict
without images is refused; integer boxes work; with ``p < 1`` each sample is either exactly the input
or exactly what the same seeded layer with ``p = 1`` makes of it (the parameters are drawn the same).
"""

import inspect

import numpy as np
import pytest
import tensorflow as tf

import keras_aug
from keras_aug.layers import BaseAugmentation

L = keras_aug.layers
B, H, W = 4, 8, 8


def _flips():
    return [L.RandomFlip("horizontal", p=1.0), L.RandomFlip("vertical", p=1.0)]


#: every exported augmentation layer; ``p`` is passed by the tests
LAYERS = {
    "AugMix": lambda **kw: L.AugMix(**kw),
    "AutoAugment": lambda **kw: L.AutoAugment("svhn", **kw),
    "RandAugment": lambda **kw: L.RandAugment(num_ops=3, factor=0.9, **kw),
    "TrivialAugmentWide": lambda **kw: L.TrivialAugmentWide(**kw),
    "AutoContrast": lambda **kw: L.AutoContrast(**kw),
    "ContrastLimitedAdaptiveHistogramEqualization": lambda **kw: (
        L.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=2.0, tile_grid_size=(2, 2), **kw)
    ),
    "CutMix": lambda **kw: L.CutMix(num_classes=3, **kw),
    "Equalization": lambda **kw: L.Equalization(**kw),
    "Equalize": lambda **kw: L.Equalize(**kw),
    "MixUp": lambda **kw: L.MixUp(num_classes=3, **kw),
    "RandomAffine": lambda **kw: L.RandomAffine(degrees=30, **kw),
    "RandomBrightness": lambda **kw: L.RandomBrightness((0.2, 0.4), **kw),
    "RandomBrightnessContrast": lambda **kw: L.RandomBrightnessContrast((0.2, 0.4), 0.0, **kw),
    "RandomCLAHE": lambda **kw: L.RandomCLAHE(tile_grid_size=(2, 2), **kw),
    "RandomColorDegeneration": lambda **kw: L.RandomColorDegeneration((0.5, 0.9), **kw),
    "RandomColorJitter": lambda **kw: L.RandomColorJitter(None, 0.2, 0.2, (0.2, 0.3), (0.2, 0.4), **kw),
    "RandomGrayscale": lambda **kw: L.RandomGrayscale(1.0, **kw),
    "RandomHue": lambda **kw: L.RandomHue((0.2, 0.4), **kw),
    "RandomSaturation": lambda **kw: L.RandomSaturation((0.1, 0.3), **kw),
    "RandomContrast": lambda **kw: L.RandomContrast((0.5, 0.9), **kw),
    "RandomCutout": lambda **kw: L.RandomCutout((1, 1), (2, 4), (2, 4), fill=255, **kw),
    "RandomErasing": lambda **kw: L.RandomErasing(
        factor=(1, 1), scale=(0.2, 0.5), fill_value=(0, 128, 255), **kw
    ),
    "RandomGaussianBlur": lambda **kw: L.RandomGaussianBlur(
        factor=(1, 1), kernel_size=5, sigma=(0.5, 2.0), **kw
    ),
    "RandomInvert": lambda **kw: L.RandomInvert(factor=(1, 1), **kw),
    "RandomPosterization": lambda **kw: L.RandomPosterization((1, 3), **kw),
    "RandomSharpness": lambda **kw: L.RandomSharpness((0.8, 1.0), **kw),
    "Solarization": lambda **kw: L.Solarization((0.0, 0.2), (0.3, 0.6), **kw),
    "RandomElasticTransform": lambda **kw: L.RandomElasticTransform(alpha=(8.0, 9.0), sigma=2.0, **kw),
    "RandomFlip": lambda **kw: L.RandomFlip("horizontal", **kw),
    "RandomGamma": lambda **kw: L.RandomGamma((50, 70), **kw),
    "RandomPadCrop": lambda **kw: L.RandomPadCrop(2, **kw),
    "RandomPerspective": lambda **kw: L.RandomPerspective(factor=(1.0, 1.0), scale=0.5, **kw),
    "RandomRotation": lambda **kw: L.RandomRotation((0.2, 0.3), **kw),
    "RandomShear": lambda **kw: L.RandomShear((0.2, 0.4), (0.2, 0.4), **kw),
    "RandomTranslation": lambda **kw: L.RandomTranslation((0.2, 0.4), (0.2, 0.4), **kw),
    "RandomZoom": lambda **kw: L.RandomZoom((0.5, 0.6), **kw),
    "CenterCrop": lambda **kw: L.CenterCrop(5, 6, **kw),
    "RandomCrop": lambda **kw: L.RandomCrop(5, 6, **kw),
    "Resizing": lambda **kw: L.Resizing(5, 6, **kw),
    "RandomResizedCrop": lambda **kw: L.RandomResizedCrop(5, 6, **kw),
    "Pipeline": lambda **kw: L.Pipeline(_flips(), **kw),
    "RandomApply": lambda **kw: L.RandomApply(L.RandomFlip("horizontal", p=1.0), **kw),
    "OneOf": lambda **kw: L.OneOf(_flips(), **kw),
    "SomeOf": lambda **kw: L.SomeOf(_flips(), n=1, **kw),
}
ABSTRACT = {"BaseAugmentation", "BaseGeometric"}
#: layers without random parameters: ``p`` cannot change what they do
DETERMINISTIC = {"CenterCrop", "Resizing"}


def _images(batch=B) -> np.ndarray:
    """Distinct, asymmetric images (no flip, shift or equalization leaves them as they are)."""
    values = np.arange(batch * H * W * 3).reshape(batch, H, W, 3) * 7
    return (values % 251).astype(np.uint8)


def test_every_exported_augmentation_layer_is_covered():
    exported = {
        name
        for name in L.__all__
        if inspect.isclass(getattr(L, name)) and issubclass(getattr(L, name), BaseAugmentation)
    }
    assert exported - ABSTRACT == set(LAYERS)


# -- refused inputs ---------------------------------------------------------------------------------


def _boxes(batch):
    return {
        "boxes": np.tile([[[1.0, 1.0, 4.0, 4.0]]], (batch, 1, 1)),
        "labels": np.zeros([batch, 1], np.int32),
    }


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize(
    "key, value",
    [
        ("segmentation_masks", np.zeros([B + 1, H, W, 1], np.int32)),
        ("labels", np.zeros([B - 1], np.int32)),
        ("bounding_boxes", _boxes(B + 1)),
    ],
)
def test_other_batch_sizes_are_refused_by_name(name, key, value):
    layer = LAYERS[name](p=1.0, seed=0)
    with pytest.raises(ValueError, match=f"`{key}.*must have the batch size of the images"):
        layer({"images": _images(), key: value})


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_masks_of_another_size_are_refused(name):
    layer = LAYERS[name](p=1.0, seed=0)
    with pytest.raises(ValueError, match="`segmentation_masks` must have the height"):
        layer({"images": _images(), "segmentation_masks": np.zeros([B, H + 2, W, 1], np.int32)})
    with pytest.raises(ValueError, match="`segmentation_masks` must have the width"):
        layer({"images": _images()[0], "segmentation_masks": np.zeros([H, W - 1], np.int32)})


@pytest.mark.parametrize("name", [*sorted(LAYERS), "Normalization"])
def test_dict_without_images_is_refused(name):
    layer = L.Normalization(mean=0.0, std=1.0) if name == "Normalization" else LAYERS[name](seed=0)
    with pytest.raises(ValueError, match="must contain an 'images' key"):
        layer({"pixels": _images()})


def test_unknown_batch_sizes_are_checked_when_the_graph_runs():
    images = tf.TensorSpec([None, H, W, 3], tf.uint8)
    labels_spec = {"images": images, "labels": tf.TensorSpec([None], tf.int32)}
    masks_spec = {"images": images, "segmentation_masks": tf.TensorSpec([None, H, None, 1], tf.int32)}
    with_labels = tf.function(L.RandomBrightness(0.1, seed=0), input_signature=[labels_spec])
    with_masks = tf.function(L.RandomRotation(0.1, seed=0), input_signature=[masks_spec])
    with pytest.raises(tf.errors.InvalidArgumentError, match="`labels` must have the batch size"):
        with_labels({"images": _images(), "labels": np.zeros([B + 2], np.int32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="`segmentation_masks` must have the width"):
        with_masks({"images": _images(), "segmentation_masks": np.zeros([B, H, 3, 1], np.int32)})


# -- integer boxes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_integer_boxes_are_moved_and_keep_their_dtype(dtype):
    data = {"images": np.zeros([1, 8, 10, 3], np.uint8)}
    data["bounding_boxes"] = {"boxes": np.array([[[1, 2, 3, 5]]], dtype), "labels": np.array([[7]])}
    # xyxy (1, 2, 3, 5) flipped left-right in a width of 10: x -> 10 - x, so (7, 2, 9, 5)
    flipped = L.RandomFlip("horizontal", p=1.0, bounding_box_format="xyxy")(data)["bounding_boxes"]
    assert flipped["boxes"].dtype == tf.as_dtype(dtype)
    assert flipped["boxes"].numpy().tolist() == [[[7, 2, 9, 5]]]
    # xywh (1, 2, 3, 5) moved right by 2.4 px (0.24 of the width) rounds to (3, 2, 3, 5)
    shift = L.RandomTranslation((0.0, 0.0), (0.24, 0.24), bounding_box_format="xywh", fill_mode="constant")
    shifted = shift(data)["bounding_boxes"]
    assert shifted["boxes"].dtype == tf.as_dtype(dtype)
    assert shifted["boxes"].numpy().tolist() == [[[3, 2, 3, 5]]]
    unchanged = L.RandomBrightness(0.5, bounding_box_format="xyxy")(data)["bounding_boxes"]
    assert unchanged["boxes"].numpy().tolist() == [[[1, 2, 3, 5]]]


# -- the p contract ---------------------------------------------------------------------------------


def _with_labels(name, images):
    if name in ("MixUp", "CutMix"):
        return {"images": images, "labels": np.arange(len(images)) % 3}
    return {"images": images}


def _samples(out, name):
    images = out["images"].numpy()
    labels = out["labels"].numpy() if name in ("MixUp", "CutMix") else [None] * len(images)
    return list(zip(images, labels, strict=True))


def _same(a, b) -> bool:
    return np.array_equal(a[0], b[0]) and (a[1] is None or np.array_equal(a[1], b[1]))


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_each_sample_is_either_untouched_or_augmented_as_with_p_1(name):
    images = _images(16)
    inputs = _samples(
        {"images": tf.constant(images), "labels": tf.constant(np.eye(3)[np.arange(16) % 3])}, name
    )
    layer = LAYERS[name](p=0.5, seed=5)
    if layer.changes_size:  # crops and resizes: a sample not picked gets the layer's inference output
        inputs = _samples(LAYERS[name](seed=5)(_with_labels(name, images), training=False), name)
    everything = _samples(LAYERS[name](p=1.0, seed=5)(_with_labels(name, images)), name)
    some = _samples(layer(_with_labels(name, images)), name)
    untouched = [_same(o, i) for o, i in zip(some, inputs, strict=True)]
    as_with_p_1 = [_same(o, e) for o, e in zip(some, everything, strict=True)]
    assert all(u or a for u, a in zip(untouched, as_with_p_1, strict=True))
    if name in DETERMINISTIC:
        assert all(untouched) and all(as_with_p_1)
        return
    # p = 0.5 per sample: both kinds occur (outside [2, 14] of binomial(16, 0.5): 4e-4)
    assert 2 <= sum(u and not a for u, a in zip(untouched, as_with_p_1, strict=True)) <= 14
    assert 2 <= sum(a and not u for u, a in zip(untouched, as_with_p_1, strict=True)) <= 14


def test_random_flip_p_is_per_axis():
    n, p = 2000, 0.3
    image = np.arange(4).reshape(1, 2, 2, 1)
    out = L.RandomFlip("horizontal_and_vertical", p=p, seed=3)(np.repeat(image, n, 0)).numpy()
    horizontal = (out[:, 0, 0, 0] == 1) | (out[:, 0, 0, 0] == 3)  # [[1, 0], [3, 2]] or [[3, 2], [1, 0]]
    vertical = out[:, 0, 0, 0] >= 2  # [[2, 3], [0, 1]] or [[3, 2], [1, 0]]
    for observed, expected in ((horizontal, p), (vertical, p), (horizontal & vertical, p * p)):
        sigma = np.sqrt(n * expected * (1 - expected))
        assert abs(observed.sum() - n * expected) < 5 * sigma


def test_random_flip_moves_clips_and_drops_boxes_like_the_other_geometric_layers():
    boxes = [[[1.0, 2.0, 3.0, 5.0], [-4.0, 1.0, 12.0, 3.0], [20.0, 1.0, 30.0, 3.0], [np.nan, 1.0, 2.0, 3.0]]]
    data = {"images": np.zeros([1, 8, 10, 3], np.uint8)}
    data["bounding_boxes"] = {"boxes": np.array(boxes, np.float32), "labels": np.array([[1, 2, 3, 4]])}
    out = L.RandomFlip("horizontal", p=1.0, bounding_box_format="xyxy")(data)["bounding_boxes"]
    # width 10: x -> 10 - x; the second box is clipped to the image, the outside and NaN boxes dropped
    expected = [[7.0, 2.0, 9.0, 5.0], [0.0, 1.0, 10.0, 3.0], [-1.0] * 4, [-1.0] * 4]
    np.testing.assert_array_equal(out["boxes"].numpy()[0], expected)
    assert out["labels"].numpy().tolist() == [[1, 2, -1, -1]]


def test_zero_channel_images_have_a_fingerprint():
    from keras_aug.ops import random as krandom

    a = krandom.fingerprint(tf.zeros([2, 4, 4, 0], tf.uint8))
    assert int(a) == int(krandom.fingerprint(tf.zeros([2, 1, 1, 1], tf.uint8)))  # both: one blank sample each
