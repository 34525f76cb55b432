"""Geometric layers: oracles (NumPy, OpenCV, Keras 3's own layers) and the battery every layer passes."""

import math

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import smooth_images

import keras_aug
from keras_aug.layers import (
    RandomAffine,
    RandomFlip,
    RandomPadCrop,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)

H, W = 16, 20
LAYERS = {
    "flip": lambda **kw: RandomFlip(**kw),
    "translation": lambda **kw: RandomTranslation(0.3, 0.3, **kw),
    "pad_crop": lambda **kw: RandomPadCrop(4, **kw),
    "rotation": lambda **kw: RandomRotation(0.5, **kw),
    "zoom": lambda **kw: RandomZoom(0.4, **kw),
    "affine": lambda **kw: RandomAffine(degrees=30, translate=0.1, scale=(0.8, 1.2), shear=10, **kw),
    "perspective": lambda **kw: keras_aug.layers.RandomPerspective(factor=(1.0, 1.0), scale=0.5, **kw),
    "shear": lambda **kw: keras_aug.layers.RandomShear(0.3, 0.3, **kw),
}


@pytest.fixture(scope="module")
def batch():
    return smooth_images(8, H, W, 3, seed=11)


def max_diff(a, b) -> float:
    return float(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)).max())


# ------------------------------------------------------------------------------------------------
# Oracles
# ------------------------------------------------------------------------------------------------


def test_flip_matches_numpy(batch):
    np.testing.assert_array_equal(RandomFlip("horizontal", p=1.0)(batch).numpy(), batch[:, :, ::-1])
    np.testing.assert_array_equal(RandomFlip("vertical", p=1.0)(batch).numpy(), batch[:, ::-1])
    out = RandomFlip("horizontal", seed=3)(np.repeat(batch[:1], 16, 0)).numpy()
    flipped = [np.array_equal(o, batch[0, :, ::-1]) for o in out]
    assert all(f or np.array_equal(o, batch[0]) for f, o in zip(flipped, out, strict=True))
    assert 0 < sum(flipped) < 16  # p=0.5 by default, drawn per sample


def test_rotation_quarter_turn_matches_np_rot90():
    img = smooth_images(2, 12, 12, 3, seed=2)
    for interpolation in ("nearest", "bilinear"):
        out = RandomRotation((0.25, 0.25), interpolation=interpolation, fill_mode="constant")(img).numpy()
        np.testing.assert_array_equal(out, np.rot90(img, 1, axes=(1, 2)))


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (lambda: RandomRotation((0.1, 0.1)), lambda: keras.layers.RandomRotation((0.1, 0.1))),
        (lambda: RandomRotation((-0.4, -0.4)), lambda: keras.layers.RandomRotation((-0.4, -0.4))),
        (lambda: RandomZoom((-0.5, -0.5)), lambda: keras.layers.RandomZoom((-0.5, -0.5))),
        (
            lambda: RandomZoom((0.3, 0.3), (-0.2, -0.2)),
            lambda: keras.layers.RandomZoom((0.3, 0.3), (-0.2, -0.2)),
        ),
        (
            lambda: RandomTranslation((0.25, 0.25), (-0.1, -0.1)),
            lambda: keras.layers.RandomTranslation((0.25, 0.25), (-0.1, -0.1)),
        ),
    ],
)
@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_same_arguments_mean_the_same_as_keras(batch, ours, theirs, fill_mode):
    """Swapping the import from keras.layers gives the same geometry (fixed factors, float images)."""
    x = batch.astype(np.float32)
    mine = ours()
    mine.fill_mode = fill_mode
    keras_layer = theirs()
    keras_layer.fill_mode = fill_mode
    assert max_diff(mine(x), keras_layer(x, training=True)) < 1.5  # 8-bit fixed-point weights vs float kernel


def test_translation_matches_numpy_slicing(batch):
    layer = RandomTranslation((0.25, 0.25), (-0.25, -0.25), fill_mode="constant", interpolation="nearest")
    dy, dx = int(0.25 * H), int(-0.25 * W)
    expected = np.zeros_like(batch)
    expected[:, dy:, : W + dx] = batch[:, : H - dy, -dx:]
    np.testing.assert_array_equal(layer(batch).numpy(), expected)


def test_pad_crop_outputs_are_windows_of_the_padded_image(batch):
    out = RandomPadCrop(3, seed=5)(batch).numpy()
    offsets = set()
    for img, res in zip(batch, out, strict=True):
        padded = np.pad(img, [(3, 3), (3, 3), (0, 0)])
        matches = [
            (oy, ox)
            for oy in range(7)
            for ox in range(7)
            if np.array_equal(padded[oy : oy + H, ox : ox + W], res)
        ]
        assert matches, "every output must be a crop of the zero-padded input"
        offsets.add(matches[0])
    assert len(offsets) > 1


def test_zoom_matches_opencv_resize_of_centre(batch):
    """Zoom in by 2 (Keras factor -0.5) = the centre half of the image upscaled, as cv2.warpAffine does it."""
    out = RandomZoom((-0.5, -0.5), fill_mode="constant")(batch.astype(np.float32)).numpy()
    cx, cy = (W - 1) / 2, (H - 1) / 2
    inverse = np.array([[0.5, 0, cx - 0.5 * cx], [0, 0.5, cy - 0.5 * cy]], np.float32)
    for img, res in zip(batch, out, strict=True):
        cv = cv2.warpAffine(
            img.astype(np.float32), inverse, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        )
        assert np.abs(res - cv).mean() < 0.5 and max_diff(res, cv) < 4


def test_affine_matches_opencv_with_hand_built_matrix(batch):
    layer = RandomAffine(
        degrees=(30, 30), translate=0.0, scale=(1.25, 1.25), shear=(10, 10), fill_mode="constant"
    )
    out = layer(batch.astype(np.float32)).numpy()
    a, s, k = math.radians(30), 1.25, math.tan(math.radians(10))
    c = np.array([(W - 1) / 2, (H - 1) / 2])
    rotate = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]])  # counter-clockwise, y down
    forward = rotate @ (s * np.eye(2)) @ np.array([[1, k], [0, 1]])  # shear first, then zoom, then rotate
    inverse = np.linalg.inv(forward)
    matrix = np.hstack([inverse, (c - inverse @ c)[:, None]]).astype(np.float32)
    for img, res in zip(batch, out, strict=True):
        cv = cv2.warpAffine(
            img.astype(np.float32), matrix, (W, H), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        )
        assert np.abs(res - cv).mean() < 0.6


# ------------------------------------------------------------------------------------------------
# The battery: every layer
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LAYERS)
def test_same_seed_same_output_eager_graph_xla_and_tf_data(batch, name):
    outputs = {
        "eager": LAYERS[name](seed=42)(batch),
        "graph": tf.function(LAYERS[name](seed=42))(batch),
        "xla": tf.function(LAYERS[name](seed=42), jit_compile=True)(batch),
        "tf.data": next(iter(tf.data.Dataset.from_tensors(batch).map(LAYERS[name](seed=42)))),
    }
    for where, out in outputs.items():
        assert out.dtype == tf.uint8 and out.shape == batch.shape, where
        diff = np.abs(out.numpy().astype(int) - outputs["eager"].numpy().astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01, where
    assert not np.array_equal(outputs["eager"].numpy(), LAYERS[name](seed=43)(batch).numpy())


@pytest.mark.parametrize("name", LAYERS)
def test_samples_in_a_batch_get_different_parameters(batch, name):
    same = np.repeat(batch[:1], 8, axis=0)
    out = LAYERS[name](seed=0, **({"p": 1.0} if name != "flip" else {}))(same).numpy()
    assert len({o.tobytes() for o in out}) > 2


@pytest.mark.parametrize("name", LAYERS)
def test_sequential_inference_is_identity_and_training_augments(batch, name):
    model = keras.Sequential([keras.Input((H, W, 3), dtype="uint8"), LAYERS[name](seed=1)])
    np.testing.assert_array_equal(model(batch, training=False).numpy(), batch)
    np.testing.assert_array_equal(model.predict(batch, verbose=0), batch)
    assert not np.array_equal(model(batch, training=True).numpy(), batch)


@pytest.mark.parametrize("name", LAYERS)
def test_config_and_keras_file_round_trip(batch, name, tmp_path):
    layer = LAYERS[name](seed=9)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(batch).numpy(), LAYERS[name](seed=9)(batch).numpy())
    model = keras.Sequential([keras.Input((H, W, 3)), layer])
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].get_config() == layer.get_config()
    assert isinstance(loaded.layers[0], type(layer))
    x = batch.astype(np.float32)
    np.testing.assert_array_equal(loaded(x, training=False).numpy(), x)


@pytest.mark.parametrize("name", LAYERS)
def test_dtypes_ranks_and_unknown_shapes(batch, name):
    layer = LAYERS[name](seed=4)
    for dtype in (tf.uint8, tf.float32, tf.float16, tf.bfloat16):
        out = layer(tf.cast(batch, dtype))
        assert out.dtype == dtype and out.shape == batch.shape
    floats = layer(batch.astype(np.float32) / 255.0).numpy()
    assert floats.min() >= 0.0 and floats.max() <= 1.0 + 1e-6
    assert layer(batch[0]).shape == batch[0].shape
    for spec in ([None, H, W, 3], [None, None, None, 3]):
        fn = tf.function(layer, input_signature=[tf.TensorSpec(spec, tf.uint8)])
        assert fn(batch).shape == batch.shape
        assert fn.get_concrete_function().structured_outputs.shape.as_list() == spec


@pytest.mark.parametrize("name", LAYERS)
def test_masks_follow_the_image_and_keep_their_labels(name):
    masks = np.zeros((4, H, W, 1), np.int32)
    masks[:, 3:9, 4:12] = 2
    masks[:, 10:14, 2:7] = 5
    images = np.repeat((masks * 40).astype(np.uint8), 3, axis=-1)
    kwargs = {} if name in ("flip", "pad_crop") else {"interpolation": "nearest", "fill_mode": "constant"}
    layer = LAYERS[name](seed=8, **kwargs)
    out = layer({"images": images, "segmentation_masks": masks, "labels": np.arange(4), "meta": np.ones(4)})
    assert out["segmentation_masks"].dtype == tf.int32
    assert set(np.unique(out["segmentation_masks"])) <= {0, 2, 5}
    np.testing.assert_array_equal(out["images"].numpy()[..., :1], out["segmentation_masks"].numpy() * 40)
    np.testing.assert_array_equal(out["labels"], np.arange(4))
    np.testing.assert_array_equal(out["meta"], np.ones(4))
    squeezed = layer({"images": images, "segmentation_masks": masks[..., 0]})["segmentation_masks"]
    assert squeezed.shape == masks.shape[:3]


@pytest.mark.parametrize("name", LAYERS)
def test_probability_zero_is_identity(batch, name):
    np.testing.assert_array_equal(LAYERS[name](p=0.0)(batch).numpy(), batch)


def test_tuple_inputs_pass_labels_through(batch):
    images, labels = RandomRotation(0.1)((batch, np.arange(8)))
    assert images.shape == batch.shape
    np.testing.assert_array_equal(labels, np.arange(8))


@pytest.mark.parametrize(
    "build,argument",
    [
        (lambda: RandomRotation(0.7), "factor"),
        (lambda: RandomRotation((0.1, float("nan"))), "factor"),
        (lambda: RandomTranslation(float("inf"), 0.1), "height_factor"),
        (lambda: RandomTranslation(1.5, 0.1), "height_factor"),
        (lambda: RandomTranslation(0.1, "a"), "width_factor"),
        (lambda: RandomZoom(-1.0), "height_factor"),
        (lambda: RandomFlip("diagonal"), "mode"),
        (lambda: RandomFlip(p=1.5), "p"),
        (lambda: RandomRotation(0.1, fill_mode="mirror"), "fill_mode"),
        (lambda: RandomRotation(0.1, interpolation="cubic"), "interpolation"),
        (lambda: RandomPadCrop(-1), "padding"),
        (lambda: RandomAffine(degrees=200), "degrees"),
        (lambda: RandomAffine(scale=(0, 1)), "scale"),
        (lambda: RandomRotation(0.1, data_format="channels_middle"), "data_format"),
        (lambda: RandomFlip(seed="x"), "seed"),
    ],
)
def test_bad_arguments_raise_at_construction(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


def test_reversed_pairs_are_sorted_like_keras():
    # One rule for every range argument (keras_aug.validation.check_range): a reversed pair is sorted.
    assert RandomRotation((0.3, 0.1)).factor == (0.1, 0.3)
    assert RandomZoom((0.2, -0.1)).height_factor == (-0.1, 0.2)


def test_bad_inputs_raise_clear_errors(batch):
    with pytest.raises(ValueError, match="images"):
        RandomFlip()(batch[0, 0])
    with pytest.raises(ValueError, match="numeric"):
        RandomFlip()(tf.constant([[["a"]]]))
    with pytest.raises(ValueError, match="images"):
        RandomFlip()({"pixels": batch})


def test_jit_compiled_model_keeps_xla_and_trains(batch):
    model = keras.Sequential(
        [
            keras.Input((H, W, 3)),
            keras_aug.layers.RandomFlip(),
            keras_aug.layers.RandomAffine(),
            keras_aug.layers.RandomPadCrop(2),
            keras.layers.Flatten(),
            keras.layers.Dense(2),
        ]
    )
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=True)
    model.fit(batch.astype(np.float32), np.arange(8) % 2, epochs=1, batch_size=4, verbose=0)
    assert model.jit_compile is True


def test_dataset_map_on_image_label_tuples(batch):
    """dataset.map(layer) calls layer(images, labels): labels must not be taken for `training`."""
    ds = tf.data.Dataset.from_tensor_slices((batch, np.arange(8))).batch(4)
    images, labels = next(iter(ds.map(RandomRotation(0.2, seed=0))))
    assert images.shape == (4, H, W, 3) and not np.array_equal(images.numpy(), batch[:4])
    np.testing.assert_array_equal(labels, np.arange(4))
    weighted = tf.data.Dataset.from_tensor_slices((batch, np.arange(8), np.ones(8))).batch(4)
    images, labels, weights = next(iter(weighted.map(RandomFlip(p=1.0))))
    np.testing.assert_array_equal(images.numpy(), batch[:4, ::-1, ::-1])
    np.testing.assert_array_equal(weights, np.ones(4))


# ------------------------------------------------------------------------------------------------
# Engine choice by matrix kind: a projective matrix is never warped as affine
# ------------------------------------------------------------------------------------------------

# A 4x4 image holding 10 * row + col, warped by [[1, 0, 0], [0, 1, 0], [0.5, 0, 1]] with nearest sampling:
# output (x, y) reads input (x / k, y / k), k = 0.5 x + 1, rounded half away from zero (worked out by hand;
# e.g. x=2, y=1: k=2, reads (1, 0.5) -> row 1, col 1 = 11). Read as affine (six entries) it is the identity.
PROJECTIVE = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.0, 1.0]]
PROJECTIVE_EXPECTED = [[0, 1, 1, 1], [10, 11, 11, 1], [20, 11, 11, 11], [30, 21, 21, 11]]


class ProjectiveLayer(keras_aug.layers.geometric.BaseGeometric):
    """A layer returning a projective matrix without declaring ``matrix_kind`` (the base says affine)."""

    def get_matrix(self, batch_size, height, width, seed):
        return tf.tile(tf.constant(PROJECTIVE)[tf.newaxis], [batch_size, 1, 1])


def _grid_image():
    return (10 * np.arange(4)[:, None] + np.arange(4)[None, :]).astype(np.uint8)[None, :, :, None]


@pytest.mark.parametrize("graph", [False, True])
def test_projective_matrix_from_a_layer_is_warped_projectively(graph):
    layer = ProjectiveLayer(interpolation="nearest", fill_mode="constant", p=1.0, seed=0)
    call = lambda x: layer({"images": x, "segmentation_masks": x}, training=True)  # noqa: E731
    if graph:
        call = tf.function(call, input_signature=[tf.TensorSpec([None, 4, 4, 1], tf.uint8)])
    out = call(tf.constant(_grid_image()))
    np.testing.assert_array_equal(out["images"][0, :, :, 0], PROJECTIVE_EXPECTED)
    np.testing.assert_array_equal(out["segmentation_masks"][0, :, :, 0], PROJECTIVE_EXPECTED)


@pytest.mark.parametrize("kind", ["translation", "scale", "affine", "projective"])
def test_warp_takes_the_engine_of_the_matrices_kind_whatever_it_expected(kind):
    warp = keras_aug.ops.warp
    traced = tf.function(
        lambda x, m: warp(x, m, "nearest", "constant", kind=kind),
        input_signature=[tf.TensorSpec([1, 4, 4, 1], tf.uint8), tf.TensorSpec([None, 3, 3], tf.float32)],
    )
    for run in (lambda x, m: warp(x, m, "nearest", "constant", kind=kind), traced):
        out = run(tf.constant(_grid_image()), tf.constant([PROJECTIVE]))
        np.testing.assert_array_equal(out[0, :, :, 0], PROJECTIVE_EXPECTED)
