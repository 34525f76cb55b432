"""Crops and resizes (output size differs from the input): the ops against OpenCV, PIL, hand-computed cases and a
NumPy transcription of torchvision's ``RandomResizedCrop.get_params``; the layers against Keras 3 and the battery
(XLA, tf.data, Sequential, ``.keras`` round trip, dtypes, unknown shapes, masks and boxes)."""

import math

import cv2
import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import MODES, requires_keras, requires_keras_version, run, smooth_images
from PIL import Image
from scipy import stats

from keras_aug import ops
from keras_aug.layers import CenterCrop, MaxNumBoundingBoxes, RandomCrop, RandomResizedCrop, Resizing

H, W = 24, 30


@pytest.fixture(scope="module")
def batch():
    return smooth_images(4, H, W, 3, seed=3)


def _diff(a, b) -> np.ndarray:
    return np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))


# ------------------------------------------------------------------------------------------------ ops


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [(11, 13), (50, 41), (7, 60)])
def test_resize_matches_cv2_inter_linear_and_nearest_exact(batch, mode, size):
    """Half-pixel centres: cv2.INTER_LINEAR (torchvision's bilinear without antialias, TF's resize) and
    TF's nearest (torchvision's "nearest-exact", ``floor((j + 0.5) * scale)``)."""
    floats = batch.astype(np.float32)
    for images, interpolation, flag, tolerance in (
        (floats, "bilinear", cv2.INTER_LINEAR, 1e-3),
        (batch, "bilinear", cv2.INTER_LINEAR, 2),  # two passes with 8-bit weights vs OpenCV's one 11-bit
        (batch, "nearest", None, 0),
    ):
        out = run(ops.resize, mode, images, size=size, interpolation=interpolation)
        if flag is None:  # cv2.INTER_NEAREST_EXACT too, but it rounds exact ties (a 24 -> 11 row) down
            expected = tf.image.resize(images, size, "nearest").numpy()
        else:
            expected = np.stack([cv2.resize(i, size[::-1], interpolation=flag) for i in images])
        assert out.dtype == images.dtype and out.shape == expected.shape
        assert _diff(out, expected).max() <= tolerance
        assert _diff(out, expected).mean() <= 0.4 * tolerance


@pytest.mark.parametrize("size", [(10, 12), (6, 25), (40, 40)])
def test_resize_antialias_matches_pil_bilinear(batch, size):
    """antialias=True is PIL's (torchvision's) triangle filter widened by the downscale factor."""
    out = ops.resize(batch, size, antialias=True).numpy()
    expected = np.stack([np.asarray(Image.fromarray(i).resize(size[::-1], Image.BILINEAR)) for i in batch])
    assert _diff(out, expected).max() <= 1


def test_resize_int_size_is_the_smaller_edge(batch):
    """torchvision: size=int resizes the smaller edge to it and keeps the aspect ratio (int truncation)."""
    assert ops.resize(batch, 12).shape == (4, 12, 15, 3)
    assert ops.resize(np.zeros([2, 30, 7, 1]), 5).shape == (2, 21, 5, 1)


def test_crop_hand_computed_with_zero_padding():
    img = np.arange(1, 17, dtype=np.uint8).reshape(1, 4, 4, 1)
    imgs = np.concatenate([img, img + 100])
    out = ops.crop(imgs, [1, -1], [2, 3], 2, 3)[..., 0].numpy()
    assert out[0].tolist() == [[7, 8, 0], [11, 12, 0]]
    assert out[1].tolist() == [[0, 0, 0], [104, 0, 0]]


def test_center_crop_follows_torchvision_rounding_and_padding():
    img = np.arange(25, dtype=np.float32).reshape(1, 5, 5, 1)
    # torchvision: top = round((5 - 2) / 2)) = round(1.5) = 2 (half to even), left = round(1.0) = 1
    assert ops.center_crop(img, (2, 3))[0, ..., 0].numpy().tolist() == [[11, 12, 13], [16, 17, 18]]
    # smaller than the crop: padded by (8 - 5) // 2 = 1 before, 2 after
    padded = ops.center_crop(img, 8)[0, ..., 0].numpy()
    np.testing.assert_array_equal(padded[1:6, 1:6], img[0, ..., 0])
    assert padded[0].sum() == padded[6:].sum() == padded[:, 0].sum() == padded[:, 6:].sum() == 0


@pytest.mark.parametrize("mode", MODES)
def test_resized_crop_is_cv2_resize_of_each_samples_crop(batch, mode):
    boxes = np.array([[0, 0, 24, 30], [3, 5, 10, 20], [10, 1, 13, 7], [5, 5, 2, 3]], np.int32)
    for images, tolerance in ((batch.astype(np.float32), 1e-3), (batch, 2)):
        out = run(ops.resized_crop, mode, images, *boxes.T, size=(16, 12))
        for image, got, (t, left, h, w) in zip(images, out, boxes, strict=True):
            expected = cv2.resize(image[t : t + h, left : left + w], (12, 16), interpolation=cv2.INTER_LINEAR)
            assert _diff(got, expected).max() <= tolerance


def test_unknown_spatial_shapes_give_the_same_result(batch):
    spec = tf.TensorSpec([None, None, None, 3], tf.float32)
    fn = tf.function(lambda x: ops.resized_crop(x, [1, 2, 3, 4], 2, 15, 20, (9, 7)), input_signature=[spec])
    images = batch.astype(np.float32)
    assert fn.get_concrete_function().structured_outputs.shape.as_list()[1:] == [9, 7, 3]
    assert _diff(fn(images), ops.resized_crop(images, [1, 2, 3, 4], 2, 15, 20, (9, 7))).max() < 1e-3


def test_boxes_follow_crop_matrix(batch):
    matrix = ops.crop_matrix([4.0], [6.0], [8.0], [10.0], (16, 20))  # 2x magnification
    moved, labels = ops.move_boxes([[[6.0, 4.0, 11.0, 8.0], [0.0, 0.0, 3.0, 3.0]]], [[1, 2]], matrix, 16, 20)
    assert moved.numpy()[0, 0].tolist() == [0.0, 0.0, 10.0, 8.0]
    assert labels.numpy().tolist() == [[1, -1]]  # the second box is outside the crop


def _torchvision_get_params(height, width, scale, ratio, rng):
    """NumPy transcription of torchvision.transforms.v2.RandomResizedCrop.make_params (v1: get_params)."""
    area = height * width
    log_ratio = np.log(ratio)
    for _ in range(10):
        target_area = area * rng.uniform(scale[0], scale[1])
        aspect_ratio = math.exp(rng.uniform(log_ratio[0], log_ratio[1]))
        w = round(math.sqrt(target_area * aspect_ratio))
        h = round(math.sqrt(target_area / aspect_ratio))
        if 0 < w <= width and 0 < h <= height:
            return rng.integers(0, height - h + 1), rng.integers(0, width - w + 1), h, w
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w = width
        h = round(w / min(ratio))
    elif in_ratio > max(ratio):
        h = height
        w = round(h * max(ratio))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


@pytest.mark.parametrize("scale, ratio", [((0.08, 1.0), (3 / 4, 4 / 3)), ((0.6, 1.0), (0.3, 3.0))])
def test_random_resized_crop_sampling_matches_torchvision(scale, ratio):
    """Two-sample KS tests on area, aspect ratio and position against torchvision's loop (40x60 image: many
    candidates are rejected, so the tries and the fallback matter); same fallback rate."""
    n, height, width = 4000, 40, 60
    rng = np.random.default_rng(0)
    theirs = np.array(
        [_torchvision_get_params(height, width, scale, ratio, rng) for _ in range(n)], np.float64
    )
    ours = ops.sample_resized_crop(tf.constant([3, 4]), n, height, width, scale, ratio)
    ours = np.stack([v.numpy() for v in ours], -1)
    assert ((ours[:, 0] >= 0) & (ours[:, 0] + ours[:, 2] <= height)).all()
    assert ((ours[:, 1] >= 0) & (ours[:, 1] + ours[:, 3] <= width)).all()

    def features(p):
        return {"area": p[:, 2] * p[:, 3], "ratio": p[:, 3] / p[:, 2], "top": p[:, 0], "left": p[:, 1]}

    for name, ref in features(theirs).items():
        assert stats.ks_2samp(features(ours)[name], ref).pvalue > 1e-3, name
    fallback = lambda p: np.mean((p[:, 2] == height) | (p[:, 3] == width))  # noqa: E731
    assert abs(fallback(ours) - fallback(theirs)) < 0.03


def test_random_resized_crop_fallback_is_torchvision_centre_crop():
    # a square image cannot hold a crop of ratio 4..5 with 90% of its area: centred, w = W, h = round(W / 4)
    rng = np.random.default_rng(1)
    expected = _torchvision_get_params(20, 20, (0.9, 1.0), (4.0, 5.0), rng)
    ours = ops.sample_resized_crop(tf.constant([0, 1]), 3, 20, 20, (0.9, 1.0), (4.0, 5.0))
    assert (
        [v.numpy().tolist() for v in ours]
        == [[e] * 3 for e in expected]
        == [[7] * 3, [0] * 3, [5] * 3, [20] * 3]
    )


# --------------------------------------------------------------------------------------------- layers


@requires_keras("CenterCrop")
@pytest.mark.parametrize("size", [(10, 12), (24, 30), (9, 30), (30, 20), (40, 50)])
def test_center_crop_matches_keras(batch, size):
    """Keras' CenterCrop: (H - h) // 2 offsets, smart_resize when the image is smaller; at inference too."""
    x = batch.astype(np.float32)
    for training in (True, False):
        expected = keras.layers.CenterCrop(*size)(x, training=training)
        assert _diff(CenterCrop(*size)(x, training=training), expected).max() < 1e-3


@requires_keras("Resizing")
@pytest.mark.parametrize("option", ["stretch", "crop_to_aspect_ratio", "pad_to_aspect_ratio"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_matches_keras(batch, option, interpolation):
    x = batch.astype(np.float32)
    kwargs = {} if option == "stretch" else {option: True}
    for size in ((12, 20), (30, 15)):
        ours = Resizing(*size, interpolation=interpolation, fill_value=7.0, **kwargs)
        theirs = keras.layers.Resizing(*size, interpolation=interpolation, fill_value=7.0, **kwargs)
        assert _diff(ours(x, training=False), theirs(x, training=False)).max() < 1e-3
        out = ours(batch)
        assert out.dtype == tf.uint8 and _diff(out, theirs(x)).max() <= 1.5


def test_random_crop_crops_whole_pixels_per_sample(batch):
    same = np.repeat(batch[:1], 8, axis=0)
    out = RandomCrop(10, 12, seed=0)(same).numpy()
    windows = {(t, left) for t in range(H - 9) for left in range(W - 11)}
    found = [
        next((w for w in windows if np.array_equal(o, same[0, w[0] : w[0] + 10, w[1] : w[1] + 12])), None)
        for o in out
    ]
    assert None not in found and len(set(found)) > 3


@requires_keras_version("3.15", "resizes a too-small image differently in RandomCrop (the oracle is 3.15's)")
def test_random_crop_falls_back_like_keras_on_small_images(batch):
    small = batch[:, :8].astype(np.float32)  # smaller than the crop: Keras resizes the centred window
    expected = keras.layers.RandomCrop(10, 12)(small, training=True)
    assert _diff(RandomCrop(10, 12, seed=0)(small), expected).max() < 1e-3


@requires_keras("CenterCrop")
def test_random_crop_at_inference_is_keras_smart_resize(batch):
    x = batch.astype(np.float32)
    expected = keras.layers.CenterCrop(40, 40)(x)  # smart_resize: the largest centred 24x24 window, resized
    small = keras.layers.Resizing(10, 12, crop_to_aspect_ratio=True)(x)
    assert _diff(RandomCrop(40, 40)(x, training=False), expected).max() < 1e-3
    assert _diff(RandomCrop(10, 12)(x, training=False), small).max() < 1e-3


def _marked(n=4):
    """Images whose pixels hold their own coordinates, a mask of a rectangle and its box."""
    yy, xx = np.meshgrid(np.arange(H), np.arange(W), indexing="ij")
    images = np.stack([yy * 8, xx * 8, np.zeros_like(xx)], -1).astype(np.uint8)
    masks = np.zeros((H, W, 1), np.int32)
    masks[6:18, 8:20] = 3
    data = {
        "images": np.repeat(images[None], n, 0),
        "segmentation_masks": np.repeat(masks[None], n, 0),
        "bounding_boxes": {
            "boxes": np.tile([[[8.0, 6.0, 20.0, 18.0]]], (n, 1, 1)),
            "labels": np.full((n, 1), 4),
        },
    }
    return data


LAYERS = {
    "center_crop": lambda **kw: CenterCrop(12, 16, **kw),
    "random_crop": lambda **kw: RandomCrop(12, 16, **kw),
    "resizing": lambda **kw: Resizing(12, 16, **kw),
    "random_resized_crop": lambda **kw: RandomResizedCrop(12, 16, scale=(0.3, 1.0), **kw),
}


@pytest.mark.parametrize("name", LAYERS)
def test_masks_and_boxes_follow_the_window(name):
    """The mask (nearest) and the box land where the rectangle lands in the image; boxes in rel format use
    the output size."""
    layer = LAYERS[name](seed=2, bounding_box_format="xyxy")
    out = layer(_marked())
    assert out["images"].shape == (4, 12, 16, 3) and out["segmentation_masks"].shape == (4, 12, 16, 1)
    for mask, box, label in zip(
        out["segmentation_masks"].numpy(),
        out["bounding_boxes"]["boxes"].numpy(),
        out["bounding_boxes"]["labels"].numpy(),
        strict=True,
    ):
        rows, cols = np.nonzero(mask[..., 0] == 3)
        box = box[0]
        if label[0] == -1:
            assert rows.size == 0 or rows.size < 0.2 * mask.size
            continue
        assert abs(box[0] - cols.min()) <= 1 and abs(box[2] - cols.max() - 1) <= 1
        assert abs(box[1] - rows.min()) <= 1 and abs(box[3] - rows.max() - 1) <= 1
    relative = LAYERS[name](seed=2, bounding_box_format="rel_xyxy")
    data = _marked()
    data["bounding_boxes"]["boxes"] = data["bounding_boxes"]["boxes"] / [W, H, W, H]
    rel = relative(data)["bounding_boxes"]["boxes"].numpy()
    kept = out["bounding_boxes"]["labels"].numpy()[:, 0] != -1
    np.testing.assert_allclose(
        rel[kept] * [16, 12, 16, 12], out["bounding_boxes"]["boxes"].numpy()[kept], atol=1e-4
    )


def test_random_resized_crop_boxes_are_dropped_by_min_visibility():
    data = _marked(32)
    out = RandomResizedCrop(12, 16, scale=(0.1, 0.5), seed=1, min_visibility=0.6, bounding_box_format="xyxy")(
        data
    )
    labels = out["bounding_boxes"]["labels"].numpy()[:, 0]
    assert 0 < (labels == -1).sum() < 32 and set(labels) <= {-1, 4}


@pytest.mark.parametrize("name", LAYERS)
def test_same_seed_same_output_eager_graph_xla_and_tf_data(batch, name):
    outputs = {
        "eager": LAYERS[name](seed=42)(batch),
        "graph": tf.function(LAYERS[name](seed=42))(batch),
        "xla": tf.function(LAYERS[name](seed=42), jit_compile=True)(batch),
        "tf.data": next(iter(tf.data.Dataset.from_tensors(batch).map(LAYERS[name](seed=42)))),
    }
    for where, out in outputs.items():
        assert out.dtype == tf.uint8 and out.shape == (4, 12, 16, 3), where
        assert _diff(out, outputs["eager"]).max() <= 1, where


@pytest.mark.parametrize("name", LAYERS)
def test_sequential_inference_is_the_deterministic_window(batch, name):
    """Output size is the layer's at inference too: every sample gets the inference window (p's neutral)."""
    model = keras.Sequential([keras.Input((H, W, 3), dtype="uint8"), LAYERS[name](seed=1)])
    assert model.output_shape == (None, 12, 16, 3)
    inference = LAYERS[name](p=0.0, seed=1)(batch).numpy()
    np.testing.assert_array_equal(model(batch, training=False).numpy(), inference)
    np.testing.assert_array_equal(model.predict(batch, verbose=0), inference)
    same = np.repeat(batch[:1], 4, 0)
    trained = model(same, training=True).numpy()
    assert (len({o.tobytes() for o in trained}) > 2) == (name in ("random_crop", "random_resized_crop"))


@pytest.mark.parametrize("name", LAYERS)
def test_config_and_keras_file_round_trip_and_jit_model(batch, name, tmp_path):
    layer = LAYERS[name](seed=9)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(batch).numpy(), LAYERS[name](seed=9)(batch).numpy())
    model = keras.Sequential([keras.Input((H, W, 3)), layer, keras.layers.Conv2D(2, 3)])
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].get_config() == layer.get_config()
    x = batch.astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-4)
    model.compile(loss="mse", jit_compile=True)
    assert np.isfinite(model.train_on_batch(x, np.zeros([4, 10, 14, 2])))


@pytest.mark.parametrize("name", LAYERS)
def test_dtypes_ranks_and_unknown_shapes(batch, name):
    layer = LAYERS[name](seed=4)
    for dtype in (tf.uint8, tf.uint16, tf.float32, tf.float16):
        out = layer(tf.cast(batch, dtype))
        assert out.dtype == dtype and out.shape == (4, 12, 16, 3)
    gray = layer(batch[..., :1] / 255.0).numpy()
    assert gray.shape == (4, 12, 16, 1) and gray.min() >= 0.0 and gray.max() <= 1.0 + 1e-6
    assert layer(batch[0]).shape == (12, 16, 3)
    for spec in ([None, H, W, 3], [None, None, None, 3]):
        fn = tf.function(layer, input_signature=[tf.TensorSpec(spec, tf.uint8)])
        assert fn(batch).shape == (4, 12, 16, 3)
        assert fn.get_concrete_function().structured_outputs.shape.as_list() == [None, 12, 16, 3]


@pytest.mark.parametrize(
    "build, argument",
    [
        (lambda: CenterCrop(0, 4), "height"),
        (lambda: RandomCrop(4, 2.5), "width"),
        (lambda: Resizing(4, 4, interpolation="bicubic"), "interpolation"),
        (lambda: Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "aspect_ratio"),
        (lambda: Resizing(4, 4, fill_mode="reflect"), "fill_mode"),
        (lambda: RandomResizedCrop(4, 4, scale=(0.0, 1.0)), "scale"),
        (lambda: RandomResizedCrop(4, 4, scale=(0.5, 1.5)), "scale"),
        (lambda: RandomResizedCrop(4, 4, ratio=(0.0, 1.0)), "ratio"),
        (lambda: RandomResizedCrop(4, 4, ratio=(1.0, float("nan"))), "ratio"),
        (lambda: MaxNumBoundingBoxes(0), "max_number"),
        (lambda: ops.resize(np.zeros([1, 4, 4, 1]), (0, 3)), "size"),
        (lambda: ops.crop(np.zeros([1, 4, 4, 1]), [float("nan")], 0, 2, 2), "top"),
        (lambda: ops.resized_crop(np.zeros([1, 4, 4, 1]), 0, 0, 2, 2, (2, 2), "cubic"), "interpolation"),
    ],
)
def test_bad_arguments_raise_by_name(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


# ----------------------------------------------------------------------------------- MaxNumBoundingBoxes


@requires_keras("MaxNumBoundingBoxes")
@pytest.mark.parametrize("max_number", [1, 3, 5])
def test_max_num_bounding_boxes_matches_keras(max_number):
    boxes = np.array(
        [[[1, 2, 3, 4], [5, 6, 7, 8], [0, 0, 2, 2]], [[2, 2, 4, 4], [-1, -1, -1, -1], [-1] * 4]], np.float32
    )
    data = {
        "images": np.zeros([2, 8, 8, 3], np.float32),
        "bounding_boxes": {"boxes": boxes, "labels": np.array([[1, 2, 3], [4, -1, -1]])},
    }
    ours = MaxNumBoundingBoxes(max_number)(data)["bounding_boxes"]
    theirs = keras.layers.MaxNumBoundingBoxes(max_number, bounding_box_format="xyxy")(data)["bounding_boxes"]
    np.testing.assert_array_equal(ours["boxes"], theirs["boxes"])
    np.testing.assert_array_equal(ours["labels"], theirs["labels"])
    assert ours["boxes"].shape == (2, max_number, 4) and ours["labels"].shape == (2, max_number)


def test_max_num_bounding_boxes_ragged_single_and_tf_data():
    ragged = {
        "boxes": tf.ragged.constant(
            [[[1.0, 1.0, 2.0, 2.0]], [[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]]], ragged_rank=1
        ),
        "labels": tf.ragged.constant([[1], [2, 3]]),
    }
    out = MaxNumBoundingBoxes(3)({"images": np.zeros([2, 4, 4, 3]), "bounding_boxes": ragged})[
        "bounding_boxes"
    ]
    assert out["labels"].numpy().tolist() == [[1, -1, -1], [2, 3, -1]]
    single = {
        "images": np.zeros([4, 4, 3]),
        "bounding_boxes": {"boxes": np.ones([4, 4]), "labels": np.arange(4)},
    }
    assert MaxNumBoundingBoxes(2)(single)["bounding_boxes"]["boxes"].shape == (2, 4)
    dataset = tf.data.Dataset.from_tensors(
        {
            "images": np.zeros([2, 4, 4, 3]),
            "bounding_boxes": {"boxes": np.ones([2, 1, 4]), "labels": np.ones([2, 1])},
        }
    )
    spec = dataset.map(MaxNumBoundingBoxes(4)).element_spec
    assert spec["bounding_boxes"]["boxes"].shape.as_list() == [2, 4, 4]
