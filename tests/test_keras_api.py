"""Keras 3's image-layer API on keras_aug layers, with Keras itself as the oracle.

- a layer subclassed the Keras way (``get_random_transformation`` + ``transform_*``) behaves the same on
  ``keras.layers.RandomFlip`` and on ``keras_aug.layers.RandomFlip``;
- ``data_format="channels_first"`` gives Keras' channels-first output for deterministic settings;
- ``Normalization`` adapts like Keras' on PyDatasets and non-image data with any ``axis``.
"""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import requires_keras, requires_keras_version

import keras_aug

H, W = 6, 8


def _even(batch_size):
    return keras.ops.equal(keras.ops.mod(keras.ops.arange(batch_size), 2), 0)


class _KerasWayFlip:
    """A Keras-style subclass body: flip the even samples left-right (images, masks and boxes)."""

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        shape = keras.ops.shape(images)
        return {"flip": _even(shape[0]), "width": keras.ops.cast(shape[2], "float32")}

    def transform_images(self, images, transformation, training=True):
        flip = keras.ops.reshape(transformation["flip"], [-1, 1, 1, 1])
        return keras.ops.where(flip, keras.ops.flip(images, axis=2), images)

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self.transform_images(segmentation_masks, transformation, training)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        boxes = keras.ops.cast(bounding_boxes["boxes"], "float32")
        x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
        flip = keras.ops.reshape(transformation["flip"], [-1, 1])
        width = transformation["width"]
        x1, x2 = keras.ops.where(flip, width - x2, x1), keras.ops.where(flip, width - x1, x2)
        return {**bounding_boxes, "boxes": keras.ops.stack([x1, y1, x2, y2], axis=-1)}


class KerasFlip(_KerasWayFlip, keras.layers.RandomFlip):
    pass


class OurFlip(_KerasWayFlip, keras_aug.layers.RandomFlip):
    pass


def _data():
    rng = np.random.default_rng(0)
    return {
        "images": rng.uniform(0, 255, (3, H, W, 3)).astype(np.float32),
        "segmentation_masks": rng.integers(0, 4, (3, H, W, 1)).astype(np.int32),
        "labels": np.arange(3, dtype=np.float32),
        "bounding_boxes": {
            "boxes": np.array([[[1, 1, 3, 4]], [[2, 0, 8, 6]], [[0, 2, 5, 3]]], np.float32),
            "labels": np.ones((3, 1), np.float32),
        },
    }


def _numpy(structure):
    return tf.nest.map_structure(lambda t: np.asarray(t), structure)


@requires_keras("RandomFlip", "transform_bounding_boxes")
def test_a_keras_way_subclass_behaves_as_on_keras():
    expected = _numpy(KerasFlip(bounding_box_format="xyxy")(_data()))
    layer = OurFlip(bounding_box_format="xyxy")
    assert layer.p == 1.0  # the Keras-way transformation decides every sample, as in Keras
    got = _numpy(layer(_data()))
    for key in ("images", "segmentation_masks", "labels"):
        np.testing.assert_allclose(got[key], expected[key], atol=1e-6)
    np.testing.assert_allclose(got["bounding_boxes"]["boxes"], expected["bounding_boxes"]["boxes"], atol=1e-6)
    in_data = next(iter(tf.data.Dataset.from_tensors(_data()).map(layer)))
    np.testing.assert_allclose(in_data["images"].numpy(), expected["images"], atol=1e-6)


def test_a_keras_way_subclass_must_override_what_reads_its_transformation():
    class Half(keras_aug.layers.RandomRotation):  # Keras' way: its own transformation, its own images
        def get_random_transformation(self, data, training=True, seed=None):
            return {"scale": 0.5}

        def transform_images(self, images, transformation, training=True):
            return images * transformation["scale"]

    data = _data()
    layer = Half(0.1)
    out = layer({"images": data["images"], "labels": data["labels"]})
    np.testing.assert_allclose(out["images"].numpy(), data["images"] * 0.5)
    np.testing.assert_array_equal(out["labels"].numpy(), data["labels"])  # labels: the base's pass-through
    with pytest.raises(NotImplementedError, match="transform_segmentation_masks"):
        layer({"images": data["images"], "segmentation_masks": data["segmentation_masks"]})


def test_keras_methods_called_on_a_layer_reuse_one_transformation():
    data = _data()
    layer = keras_aug.layers.RandomRotation(0.3, seed=7, bounding_box_format="xyxy")
    expected = _numpy(layer.__class__.from_config(layer.get_config())(data))
    transformation = layer.get_random_transformation(data)
    images = layer.transform_images(data["images"], transformation)
    masks = layer.transform_segmentation_masks(data["segmentation_masks"], transformation)
    boxes = layer.transform_bounding_boxes(data["bounding_boxes"], transformation)
    np.testing.assert_allclose(images.numpy(), expected["images"], atol=1e-3)
    np.testing.assert_array_equal(masks.numpy(), expected["segmentation_masks"])
    np.testing.assert_allclose(boxes["boxes"].numpy(), expected["bounding_boxes"]["boxes"], atol=1e-4)
    assert layer.get_random_transformation(data, training=False) is None
    with pytest.raises(ValueError, match="seed"):
        layer.get_random_transformation(data, seed=3)


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("RandomRotation", {"factor": (0.5, 0.5)}),
        ("RandomZoom", {"height_factor": (-0.5, -0.5), "width_factor": (0.25, 0.25)}),
        ("RandomTranslation", {"height_factor": (0.2, 0.2), "width_factor": (-0.25, -0.25)}),
    ],
)
@requires_keras_version(
    "3.6", "warps channels-first images with its own errors (ImageProjectiveTransformV3 transform shape)"
)
def test_channels_first_matches_keras(name, kwargs):
    images = np.random.default_rng(1).uniform(0, 255, (2, 3, H, W)).astype(np.float32)  # [B, C, H, W]
    expected = getattr(keras.layers, name)(data_format="channels_first", **kwargs)(images)
    layer = getattr(keras_aug.layers, name)(data_format="channels_first", **kwargs)
    np.testing.assert_allclose(layer(images).numpy(), np.asarray(expected), atol=1e-3)
    np.testing.assert_allclose(layer(images[0]).numpy(), np.asarray(expected)[0], atol=1e-3)
    assert keras_aug.layers.RandomRotation(0.1, data_format="channels_first").get_config()["data_format"] == (
        "channels_first"
    )


def test_channels_first_moves_masks_with_the_images():
    rng = np.random.default_rng(2)
    masks = rng.integers(0, 5, (2, 1, H, W)).astype(np.int32)
    layer = keras_aug.layers.RandomFlip("horizontal", p=1.0, data_format="channels_first")
    out = layer({"images": masks.astype(np.float32), "segmentation_masks": masks})
    np.testing.assert_array_equal(out["segmentation_masks"].numpy(), masks[..., ::-1])
    np.testing.assert_array_equal(out["images"].numpy(), masks[..., ::-1].astype(np.float32))


@requires_keras_version("3.6", "cannot adapt Normalization on a PyDataset (UnboundLocalError)")
@pytest.mark.parametrize("element", ["x", "x_y", "x_y_w"])
def test_normalization_adapts_on_a_pydataset_like_keras(element):
    batches = [np.random.default_rng(i).uniform(0, 9, (4, 5, 3)).astype(np.float32) for i in range(3)]

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return len(batches)

        def __getitem__(self, index):
            x = batches[index]
            return {"x": x, "x_y": (x, np.zeros(4)), "x_y_w": (x, np.zeros(4), np.ones(4))}[element]

    ours, theirs = keras_aug.layers.Normalization(), keras.layers.Normalization()
    ours.adapt(Batches())
    theirs.adapt(Batches())
    np.testing.assert_allclose(np.asarray(ours.mean), np.asarray(theirs.mean), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(ours.variance), np.asarray(theirs.variance), rtol=1e-4)
    np.testing.assert_allclose(ours(batches[0]).numpy(), np.asarray(theirs(batches[0])), atol=1e-5)


@pytest.mark.parametrize("axis", [None, 1, (1, 2), -2])
def test_normalization_any_axis_on_features_like_keras(axis):
    x = np.random.default_rng(3).normal(5, 2, (16, 4, 3)).astype(np.float32)
    ours, theirs = keras_aug.layers.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
    ours.adapt(x)
    theirs.adapt(x)
    np.testing.assert_allclose(np.asarray(ours.mean), np.asarray(theirs.mean), rtol=1e-5)
    np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), atol=1e-4)
    mean, variance = np.asarray(theirs.mean).squeeze(), np.asarray(theirs.variance).squeeze()
    back = keras_aug.layers.Normalization(axis=axis, invert=True, mean=mean, variance=variance)
    np.testing.assert_allclose(back(ours(x)).numpy(), x, atol=1e-4)
    assert ours(x.astype(np.float64)).dtype == tf.float64  # keras_aug keeps float dtypes (Keras: float32)
