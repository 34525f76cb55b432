"""MixUp, CutMix, Cutout and the tf.data batch mixer against NumPy references written here and scipy's Beta."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
import scipy.stats
import tensorflow as tf
from conftest import MODES, run

from keras_aug.data.mix import MixBatches, mix_batches
from keras_aug.layers.mix import CutMix, MixUp, RandomCutout
from keras_aug.ops import mix, sampling


def images_u8(shape=(6, 32, 48, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def one_hot(ids, classes):
    return np.eye(classes, dtype=np.float32)[ids]


# ----------------------------------------------------------------------------------------------
# Beta sampling
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.2, 0.4, 1.0, 2.0])
def test_beta_matches_scipy_beta(alpha):
    lam, rest = (
        t.numpy().astype(np.float64)
        for t in sampling.beta_pair(tf.constant([7, int(alpha * 100)]), [20000], alpha)
    )
    # Fold onto [0, 0.5] with the accurate smaller side: float32 rounds lam within 6e-8 of 1 up to 1.0.
    smaller = np.minimum(lam, rest)
    fold_cdf = lambda x: 2.0 * scipy.stats.beta(alpha, alpha).cdf(x)  # noqa: E731
    assert scipy.stats.kstest(smaller, fold_cdf).pvalue > 1e-3
    mean, var = 0.5, 1.0 / (4.0 * (2.0 * alpha + 1.0))
    assert abs(lam.mean() - mean) < 5 * np.sqrt(var / lam.size)
    assert abs(lam.var() / var - 1.0) < 0.05
    np.testing.assert_allclose(lam + rest, 1.0, atol=1e-6)


@pytest.mark.parametrize("alpha", [0.1, 0.6, 3.0])
def test_log_gamma_matches_scipy_gamma(alpha):
    draws = sampling.log_gamma(tf.constant([3, 9]), [20000], alpha).numpy().astype(np.float64)
    cdf = lambda t: scipy.stats.gamma(alpha).cdf(np.exp(t))  # noqa: E731
    assert scipy.stats.kstest(draws, cdf).pvalue > 1e-3


def test_beta_same_eagerly_under_xla_and_in_tf_data():
    seed = np.array([11, 12], np.int32)
    draws = [run(sampling.beta, mode, seed, shape=(64,), alpha=0.3) for mode in MODES]
    # Transcendental functions may differ in the last bits between TF kernels and XLA.
    np.testing.assert_allclose(draws[1], draws[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(draws[2], draws[0], rtol=1e-5, atol=1e-7)


def test_beta_rejects_bad_alpha():
    with pytest.raises(ValueError, match="alpha"):
        sampling.beta(tf.constant([1, 2]), [3], 0.0)


# ----------------------------------------------------------------------------------------------
# Label preparation
# ----------------------------------------------------------------------------------------------


def test_prepare_labels_one_hot_and_smoothing():
    out = mix.prepare_labels(tf.constant([[2], [0]]), num_classes=4, label_smoothing=0.2).numpy()
    np.testing.assert_allclose(out, [[0.05, 0.05, 0.85, 0.05], [0.85, 0.05, 0.05, 0.05]], atol=1e-7)
    soft = np.array([[0.3, 0.7]], np.float32)
    np.testing.assert_array_equal(mix.prepare_labels(soft).numpy(), soft)


@pytest.mark.parametrize(
    ("labels", "kwargs", "match"),
    [
        (np.array([1, 2]), {}, "num_classes"),
        (np.ones([2, 3], np.float32), {"num_classes": 4}, "num_classes"),
        (np.array([1, 2]), {"num_classes": 3, "label_smoothing": 1.0}, "label_smoothing"),
        (np.ones([2], np.float32), {}, r"\[batch, num_classes\]"),
    ],
)
def test_prepare_labels_errors(labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        mix.prepare_labels(labels, **kwargs)


# ----------------------------------------------------------------------------------------------
# Ops against NumPy references
# ----------------------------------------------------------------------------------------------


def reference_rand_bbox(lam, cx, cy, height, width):
    """``rand_bbox`` from the CutMix authors' code (clovaai/CutMix-PyTorch), with the centre given."""
    cut_rat = np.sqrt(1.0 - lam)
    cut_w, cut_h = int(width * cut_rat), int(height * cut_rat)
    x1, x2 = np.clip(cx - cut_w // 2, 0, width), np.clip(cx + cut_w // 2, 0, width)
    y1, y2 = np.clip(cy - cut_h // 2, 0, height), np.clip(cy + cut_h // 2, 0, height)
    return [x1, y1, x2, y2]


def test_cutmix_boxes_match_the_papers_code():
    rng = np.random.default_rng(0)
    lam = rng.random(500).astype(np.float32)
    lam[:3] = [0.0, 1.0, 0.5]
    cx, cy = rng.integers(0, 48, 500), rng.integers(0, 32, 500)
    out = mix.cutmix_boxes(lam, cx, cy, 32, 48).numpy()
    expected = [reference_rand_bbox(np.float32(lam[i]), cx[i], cy[i], 32, 48) for i in range(500)]
    np.testing.assert_array_equal(out, expected)


def reference_mixup(images, labels, lam, partner):
    x = images.astype(np.float64)
    w = lam.astype(np.float64)[:, None, None, None]
    mixed = w * x + (1 - w) * x[partner]
    if images.dtype == np.uint8:
        mixed = np.clip(np.rint(mixed), 0, 255)
    wl = lam[:, None]
    return mixed, wl * labels + (1 - wl) * labels[partner]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_mixup_matches_numpy(mode, dtype):
    images = images_u8().astype(dtype)
    labels = one_hot([0, 1, 2, 3, 1, 0], 4)
    lam = np.array([0.0, 0.3, 0.5, 1.0, 0.9, 0.25], np.float32)
    partner = np.array([5, 3, 2, 0, 1, 4], np.int32)
    out, out_labels = run(mix.mixup, mode, images, labels, lam, partner)
    expected, expected_labels = reference_mixup(images, labels, lam, partner)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, expected, atol=1 if dtype == "uint8" else 1e-4)
    np.testing.assert_allclose(out_labels, expected_labels, atol=1e-6)
    np.testing.assert_allclose(out_labels.sum(-1), 1.0, atol=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_cutmix_pastes_partner_pixels_and_weights_labels_by_area(mode):
    images = images_u8()
    labels = one_hot([0, 1, 2, 3, 1, 0], 4)
    boxes = np.array(
        [[0, 0, 48, 32], [-5, -5, 10, 7], [40, 20, 60, 50], [3, 4, 3, 9], [10, 5, 30, 25], [0, 0, 0, 0]]
    )
    partner = np.array([5, 3, 2, 0, 4, 1], np.int32)
    out, out_labels = run(mix.cutmix, mode, images, labels, boxes, partner)
    expected = images.copy()
    weights = np.zeros(6)
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        x1, x2 = np.clip([x1, x2], 0, 48)
        y1, y2 = np.clip([y1, y2], 0, 32)
        expected[i, y1:y2, x1:x2] = images[partner[i], y1:y2, x1:x2]
        weights[i] = (x2 - x1) * (y2 - y1) / (32 * 48)
    np.testing.assert_array_equal(out, expected)
    expected_labels = (1 - weights)[:, None] * labels + weights[:, None] * labels[partner]
    np.testing.assert_allclose(out_labels, expected_labels, atol=1e-6)
    np.testing.assert_allclose(out_labels.sum(-1), 1.0, atol=1e-6)


def reference_fill_holes(images, holes, fills):
    out = images.copy()
    for b in range(len(images)):
        for n, (x1, y1, x2, y2) in enumerate(holes[b]):
            out[b, y1:y2, x1:x2] = fills[b][n]
    return out


@pytest.mark.parametrize("mode", MODES)
def test_fill_holes_constant_per_channel_and_per_hole(mode):
    images = images_u8((2, 32, 48, 3))
    holes = np.array(
        [[[0, 0, 10, 5], [5, 2, 20, 12], [0, 0, 0, 0]], [[40, 20, 48, 32], [1, 1, 2, 2], [3, 3, 9, 30]]]
    )
    out = run(mix.fill_holes, mode, images, holes, np.float32(7.0))
    np.testing.assert_array_equal(out, reference_fill_holes(images, holes, np.full((2, 3), 7)))
    out = run(mix.fill_holes, mode, images, holes, np.array([1.0, 2.0, 300.0], np.float32))
    np.testing.assert_array_equal(out, reference_fill_holes(images, holes, np.tile([1, 2, 255], (2, 3, 1))))
    colours = np.random.default_rng(1).integers(0, 256, (2, 3, 3)).astype(np.uint8)
    out = run(mix.fill_holes, mode, images, holes, colours)
    np.testing.assert_array_equal(out, reference_fill_holes(images, holes, colours))


def test_fill_holes_matches_albumentations_fill():
    from albumentations.augmentations.dropout.functional import cutout as albumentations_cutout

    images = images_u8((1, 32, 48, 3))
    holes = np.array([[3, 4, 20, 15], [10, 10, 30, 31], [0, 0, 48, 2]])
    for fill in (0, 77, (10, 20, 30)):
        expected = albumentations_cutout(images[0], holes, fill, np.random.default_rng(0))
        fill_value = np.array(fill, np.float32)
        np.testing.assert_array_equal(mix.fill_holes(images, holes[None], fill_value).numpy()[0], expected)


def test_kernels_keep_ranks_apart_across_many_shapes():
    # The XLA units use reduce_retracing: mixing ranks and sizes once relaxed a shared trace to unknown rank.
    boxes, partner = tf.constant([[0, 0, 2, 2], [1, 1, 3, 3]]), tf.constant([1, 0])
    for size, rank in [(8, 4), (8, 3), (9, 4), (10, 3), (11, 4), (12, 3), (13, 4)]:
        shape = (2, size, size + 1, 3)[:rank]
        images = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
        expected = images.copy()
        expected[0, 0:2, 0:2], expected[1, 1:3, 1:3] = images[1, 0:2, 0:2], images[0, 1:3, 1:3]
        np.testing.assert_array_equal(mix.paste_boxes(images, boxes, partner).numpy(), expected)
        expected = images.copy()
        expected[0, 0:2, 0:2], expected[1, 1:3, 1:3] = 5.0, 5.0
        np.testing.assert_array_equal(mix.fill_holes(images, boxes[:, None], 5.0).numpy(), expected)
        out, _ = mix.mixup(images, None, tf.constant([0.5, 1.0]), partner)
        np.testing.assert_array_equal(out.numpy()[1], images[1])


def reference_tfa_cutout(images, mask_size, offsets, value):
    """tfa.image.cutout's arithmetic: pads of max(0, c - m/2) before and max(0, L - c - m/2) after."""
    out = images.copy()
    height, width = images.shape[1:3]
    half_h, half_w = mask_size[0] // 2, mask_size[1] // 2
    for b, (cy, cx) in enumerate(offsets):
        top, bottom = max(0, cy - half_h), height - max(0, height - cy - half_h)
        left, right = max(0, cx - half_w), width - max(0, width - cx - half_w)
        if bottom > top and right > left:
            out[b, top:bottom, left:right] = value
    return out


@pytest.mark.parametrize("mode", MODES)
def test_tfa_cutout_matches_numpy(mode):
    images = images_u8((4, 20, 30, 3))
    offsets = np.array([[0, 0], [10, 15], [19, 2], [3, 29]], np.int32)  # corners clip the rectangle
    out = run(mix.cutout, mode, images, np.array([6, 8], np.int32), offsets, np.float32(300.0))
    np.testing.assert_array_equal(out, reference_tfa_cutout(images, (6, 8), offsets, 255))
    out = run(
        mix.cutout, mode, images, np.int32(4), np.array([5, 7], np.int32), np.array([1, 2, 3], np.uint8)
    )
    np.testing.assert_array_equal(out, reference_tfa_cutout(images, (4, 4), [(5, 7)] * 4, [1, 2, 3]))


def test_tfa_cutout_defaults_single_images_and_odd_sizes():
    images = np.ones((2, 8, 10, 1), np.float32)
    out = mix.cutout(images, (4, 6)).numpy()  # centre (0, 0): only the 2 x 3 quarter inside
    np.testing.assert_array_equal(out, reference_tfa_cutout(images, (4, 6), [(0, 0)] * 2, 0.0))
    assert out.sum() == 2 * (80 - 6)
    single = mix.cutout(images[0], 20, offset=(4, 5), constant_values=0.5).numpy()
    assert single.shape == (8, 10, 1) and (single == 0.5).all()  # larger than the image: all of it
    assert mix.cutout(images, 2, offset=(-5, 3)).numpy().min() == 1.0  # entirely outside: nothing
    with pytest.raises(ValueError, match="even"):
        mix.cutout(images, (3, 4))
    with pytest.raises(ValueError, match="even"):
        mix.random_cutout(images, 5)


def test_random_cutout_keeps_the_rectangle_inside_and_covers_every_centre():
    images = np.ones((400, 12, 16, 3), np.uint8)
    eager = mix.random_cutout(images, (4, 6), constant_values=0, seed=3).numpy()
    xla = tf.function(lambda x: mix.random_cutout(x, (4, 6), seed=3), jit_compile=True)(images).numpy()
    data = next(
        iter(tf.data.Dataset.from_tensors(images).map(lambda x: mix.random_cutout(x, (4, 6), seed=3)))
    )
    np.testing.assert_array_equal(eager, xla)
    np.testing.assert_array_equal(eager, data.numpy())
    holes = eager[..., 0] == 0
    assert (holes.sum(axis=(1, 2)) == 24).all()  # the whole 4 x 6 rectangle, every time
    rows, cols = np.nonzero(holes.any(axis=2)), np.nonzero(holes.any(axis=1))
    centres_y = np.array([r.min() for r in np.split(rows[1], np.cumsum(holes.any(axis=2).sum(1))[:-1])]) + 2
    centres_x = np.array([c.min() for c in np.split(cols[1], np.cumsum(holes.any(axis=1).sum(1))[:-1])]) + 3
    assert set(centres_y) == set(range(2, 10)) and set(centres_x) == set(range(3, 13))  # [m/2, L - m/2)
    np.testing.assert_array_equal(
        eager, reference_tfa_cutout(images, (4, 6), zip(centres_y, centres_x, strict=True), 0)
    )
    other = mix.random_cutout(images, (4, 6), seed=tf.constant([3, 1])).numpy()
    assert not np.array_equal(other, eager)
    # A mask at least as long as an axis is centred on it and covers all of it.
    out = mix.random_cutout(images[:5], (12, 2), seed=0).numpy()[..., 0]
    assert ((out == 0).sum(axis=(1, 2)) == 24).all() and (out == 0).any(axis=2).all()


def test_random_cutout_without_seed_follows_the_global_generator():
    images = np.ones((8, 10, 10, 1), np.float32)
    tf.random.set_seed(5)
    first = [mix.random_cutout(images, 4).numpy() for _ in range(2)]
    tf.random.set_seed(5)
    again = mix.random_cutout(images, 4).numpy()
    np.testing.assert_array_equal(first[0], again)
    assert not np.array_equal(first[0], first[1])
    xla = tf.function(lambda x: mix.random_cutout(x, 4), jit_compile=True)
    assert ((xla(images).numpy() == 0).sum(axis=(1, 2, 3)) == 16).all()


# ----------------------------------------------------------------------------------------------
# Layers
# ----------------------------------------------------------------------------------------------

LAYERS = {
    "mixup": lambda **kw: MixUp(alpha=0.4, num_classes=4, **kw),
    "cutmix": lambda **kw: CutMix(alpha=1.0, num_classes=4, **kw),
    "cutout": lambda **kw: RandomCutout((1, 3), (4, 12), (0.1, 0.3), fill="random_uniform", p=1.0, **kw),
}


def layer_inputs(name, images):
    return images if name == "cutout" else (images, tf.range(tf.shape(images)[0]) % 4)


def first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_xla_data_and_eager_agree(name):
    images = tf.constant(images_u8())
    outs = []
    for mode in MODES:
        layer = LAYERS[name](seed=3)
        call = lambda x, layer=layer: layer(layer_inputs(name, x))  # noqa: E731
        if mode == "xla":
            call = tf.function(call, jit_compile=True)
        if mode == "data":
            outs.append(next(iter(tf.data.Dataset.from_tensors(images).map(call))))
        else:
            outs.append(call(images))
    for out in outs[1:]:
        # Beta draws may differ in the last float bits under XLA, which can move a blended uint8 by 1.
        np.testing.assert_allclose(first(out).numpy(), first(outs[0]).numpy(), atol=1)
        if isinstance(out, tuple):
            np.testing.assert_allclose(out[1].numpy(), outs[0][1].numpy(), atol=1e-5)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_unknown_shapes_seed_and_per_sample_variety(name):
    images = tf.constant(images_u8((16, 32, 48, 3)))
    spec = tf.TensorSpec([None, None, None, 3], tf.uint8)
    a, b = LAYERS[name](seed=5), LAYERS[name](seed=5)
    fa = tf.function(lambda x: a(layer_inputs(name, x)), input_signature=[spec])
    fb = tf.function(lambda x: b(layer_inputs(name, x)), input_signature=[spec])
    out_a, out_b = fa(images), fb(images)
    np.testing.assert_array_equal(first(out_a).numpy(), first(out_b).numpy())
    changed = np.any(first(out_a).numpy() != images.numpy(), axis=(1, 2, 3))
    assert changed.sum() >= 10  # a few samples may draw themselves as partner or an empty box
    if name == "cutout":
        counts = np.any(first(out_a).numpy() != images.numpy(), axis=-1).sum(axis=(1, 2))
        assert len(set(counts.tolist())) > 2


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_layer_keeps_dtype_and_sequential_inference_is_identity(name, dtype):
    images = tf.constant(images_u8().astype(dtype))
    out = LAYERS[name](seed=1)(layer_inputs(name, images))
    assert first(out).dtype == images.dtype and first(out).shape == images.shape
    model = keras.Sequential([LAYERS[name](seed=1)])
    np.testing.assert_array_equal(model(images, training=False).numpy(), images.numpy())


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_config_and_keras_file_round_trip(name, tmp_path):
    layer = LAYERS[name](seed=2)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    model = keras.Sequential([keras.Input((32, 48, 3)), layer])
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.layers[0].get_config() == layer.get_config()


def test_mixup_labels_use_the_same_lambda_as_the_pixels():
    batch = 512
    values = np.arange(batch, dtype=np.float32).reshape(batch, 1, 1, 1)
    labels = np.eye(batch, dtype=np.float32)
    images, mixed = MixUp(alpha=0.5, seed=4)((tf.constant(values), tf.constant(labels)))
    images, mixed = images.numpy()[:, 0, 0, 0], mixed.numpy()
    lam = mixed[np.arange(batch), np.arange(batch)]
    partner = np.argmax(mixed - np.diag(lam), axis=1)
    is_mixed = lam < 1.0
    expected = lam * values[:, 0, 0, 0] + (1 - lam) * values[partner, 0, 0, 0]
    np.testing.assert_allclose(images[is_mixed], expected[is_mixed], rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(mixed.sum(-1), 1.0, atol=1e-5)
    # Samples paired with themselves (lam reads 1) aside, lam follows Beta(0.5, 0.5).
    own = np.minimum(lam, 1 - lam)[partner != np.arange(batch)]
    assert scipy.stats.kstest(own, lambda x: 2 * scipy.stats.beta(0.5, 0.5).cdf(x)).pvalue > 1e-3


def test_cutmix_label_weight_equals_pasted_pixel_fraction_and_masks_follow():
    batch, h, w = 64, 20, 30
    images = np.broadcast_to(np.arange(batch, dtype=np.uint8)[:, None, None, None], (batch, h, w, 3)).copy()
    masks = images[..., :1].astype(np.int32) + 100
    out = CutMix(alpha=1.0, num_classes=batch, seed=9)(
        {"images": images, "labels": np.arange(batch), "segmentation_masks": masks}
    )
    out_images, labels, out_masks = (
        out["images"].numpy(),
        out["labels"].numpy(),
        out["segmentation_masks"].numpy(),
    )
    for i in range(batch):
        pasted = out_images[i, ..., 0] != i
        fraction = pasted.mean()
        assert labels[i, i] == pytest.approx(1.0 - fraction, abs=1e-6)
        if fraction:
            partner = out_images[i, ..., 0][pasted][0]
            assert labels[i, partner] == pytest.approx(fraction, abs=1e-6)
            ys, xs = np.nonzero(pasted)
            assert pasted[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].all()  # one rectangle
        np.testing.assert_array_equal(out_masks[i, ..., 0], out_images[i, ..., 0].astype(np.int32) + 100)
    assert np.mean([labels[i, i] < 1 for i in range(batch)]) > 0


def test_cutmix_p_keeps_unselected_samples():
    images = images_u8((32, 16, 16, 3))
    out_images, labels = CutMix(num_classes=4, p=0.5, seed=2)((images, np.arange(32) % 4))
    kept = np.all(out_images.numpy() == images, axis=(1, 2, 3))
    assert 4 < kept.sum() < 28
    np.testing.assert_allclose(labels.numpy()[kept], one_hot(np.arange(32)[kept] % 4, 4))


@pytest.mark.parametrize("mask_shape", [(4, 32, 48, 1), (4, 32, 48)])
def test_cutout_masks_get_the_ignore_value_in_the_holes(mask_shape):
    images = np.full((4, 32, 48, 3), 200, np.uint8)
    layer = RandomCutout((2, 4), (5, 10), (5, 10), fill=0, fill_mask=255, p=1.0, seed=6)
    out = layer(
        {"images": images, "segmentation_masks": np.ones(mask_shape, np.uint8), "labels": np.arange(4)}
    )
    holes = out["images"].numpy()[..., 0] == 0
    assert out["segmentation_masks"].shape == mask_shape
    np.testing.assert_array_equal(out["segmentation_masks"].numpy().reshape(4, 32, 48) == 255, holes)
    np.testing.assert_array_equal(np.asarray(out["labels"]), np.arange(4))
    assert holes.any(axis=(1, 2)).all()


def test_cutout_hole_sizes_follow_the_ranges():
    images = np.zeros((200, 40, 40, 1), np.float32)
    layer = RandomCutout((1, 1), (3, 6), (0.25, 0.5), fill=1.0, p=1.0, seed=1)
    out = layer(images).numpy()[..., 0]
    heights = out.max(axis=2).sum(axis=1)
    widths = out.max(axis=1).sum(axis=1)
    assert set(heights.astype(int)) == {3, 4, 5, 6}
    assert widths.min() >= 10 and widths.max() <= 20


def test_cutout_random_fill_covers_the_dtype_range():
    out = RandomCutout((1, 1), (20, 20), (20, 20), fill="random", p=1.0, seed=0)(
        np.zeros((2, 20, 20, 3), np.uint8)
    )
    values = out.numpy()
    assert values.min() == 0 and values.max() == 255 and len(np.unique(values)) > 200


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: MixUp(alpha=0.0), "alpha"),
        (lambda: CutMix(alpha=-1.0), "alpha"),
        (lambda: MixUp(num_classes=0), "num_classes"),
        (lambda: MixUp(label_smoothing=1.5), "label_smoothing"),
        (lambda: RandomCutout(num_holes_range=(0, 2)), "num_holes_range"),
        (lambda: RandomCutout(hole_height_range=(0.1, 2.0)), "hole_height_range"),
        (lambda: RandomCutout(hole_width_range=(5, 2)), "hole_width_range"),
        (lambda: RandomCutout(fill="noise"), "fill"),
        (lambda: RandomCutout(fill_mask=0.5), "fill_mask"),
        (lambda: MixBatches(mixup_alpha=0.0, cutmix_alpha=0.0), "alpha"),
        (lambda: MixBatches(switch_prob=2.0), "switch_prob"),
    ],
)
def test_bad_arguments_raise_value_errors(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_mixers_declare_one_hot_label_outputs():
    spec = MixUp(num_classes=5).compute_output_spec(
        (keras.KerasTensor((None, 8, 8, 3), "uint8"), keras.KerasTensor((None,), "int32"))
    )
    assert spec[0].shape == (None, 8, 8, 3) and spec[1].shape == (None, 5) and spec[1].dtype == "float32"
    spec = CutMix().compute_output_spec(
        {"images": keras.KerasTensor((2, 8, 8, 3)), "labels": keras.KerasTensor((2, 3))}
    )
    assert spec["labels"].shape == (2, 3)


def test_mixup_refuses_masks_and_sparse_labels_without_num_classes():
    images = images_u8((2, 8, 8, 3))
    with pytest.raises(ValueError, match="segmentation masks"):
        MixUp(num_classes=2)(
            {"images": images, "labels": np.array([0, 1]), "segmentation_masks": np.zeros((2, 8, 8, 1))}
        )
    with pytest.raises(ValueError, match="num_classes"):
        MixUp()((images, np.array([0, 1])))


# ----------------------------------------------------------------------------------------------
# tf.data batch transform
# ----------------------------------------------------------------------------------------------


def test_mix_batches_on_tuples_and_dicts():
    images = images_u8((16, 8, 8, 3))
    ds = tf.data.Dataset.from_tensor_slices((images, np.arange(16) % 4)).batch(8)
    mixed = mix_batches(ds, num_classes=4, label_smoothing=0.1, seed=3)
    outs, again = list(mixed), list(mixed)  # each pass re-derives every batch's seed from its index
    for (x, y), (x2, _) in zip(outs, again, strict=True):
        assert x.dtype == tf.uint8 and y.shape == (8, 4)
        np.testing.assert_allclose(y.numpy().sum(-1), 1.0, atol=1e-6)
        assert y.numpy().min() >= 0.1 / 4 - 1e-6
        np.testing.assert_array_equal(x.numpy(), x2.numpy())
    dict_ds = tf.data.Dataset.from_tensor_slices(
        {"images": images, "labels": np.arange(16) % 4, "id": np.arange(16)}
    )
    batch = next(iter(dict_ds.batch(8).map(MixBatches(num_classes=4, seed=0))))
    assert sorted(batch) == ["id", "images", "labels"]
    np.testing.assert_array_equal(batch["id"].numpy(), np.arange(8))


def test_mix_batches_switches_per_batch():
    # Distinct constant images: MixUp makes values between the originals, CutMix only copies them.
    values = np.linspace(0, 240, 8).astype(np.uint8)
    images = np.broadcast_to(values[:, None, None, None], (8, 8, 8, 1)).copy()
    ds = tf.data.Dataset.from_tensors((images, np.arange(8))).repeat(200)
    kinds = []
    for x, y in mix_batches(
        ds, mixup_alpha=1.0, cutmix_alpha=1.0, switch_prob=0.3, prob=0.8, num_classes=8, seed=5
    ):
        pixels, labels = x.numpy(), y.numpy()
        is_copy = np.isin(pixels, values).all()
        if np.allclose(labels, np.eye(8)):
            kinds.append("none")
        else:
            kinds.append("cutmix" if is_copy else "mixup")
    counts = {k: kinds.count(k) for k in ("none", "cutmix", "mixup")}
    assert 20 <= counts["none"] <= 60  # 200 * 0.2 = 40
    assert 30 <= counts["cutmix"] <= 70  # 200 * 0.8 * 0.3 = 48
    assert 90 <= counts["mixup"] <= 135  # 112
    only_mixup = MixBatches(mixup_alpha=0.5, cutmix_alpha=0.0, num_classes=8, seed=1)(images, np.arange(8))
    assert not np.isin(only_mixup[0].numpy(), values).all()
    only_cutmix = MixBatches(mixup_alpha=0.0, cutmix_alpha=0.5, num_classes=8, seed=1)(images, np.arange(8))
    assert np.isin(only_cutmix[0].numpy(), values).all()


def test_cutout_fill_must_match_the_channels():
    with pytest.raises(ValueError, match="fill"):
        RandomCutout(fill=(1, 2), p=1.0)(np.zeros((1, 8, 8, 3), np.uint8))
