"""Policy augmentations (RandAugment, TrivialAugmentWide, AutoAugment, AugMix) and their ops.

Oracles:
- the magnitude tables against a NumPy transcription of torchvision's ``_augmentation_space`` methods
  (``torchvision/transforms/autoaugment.py``: ``RandAugment``, ``TrivialAugmentWide``, ``AutoAugment``,
  ``AugMix``), written here with ``np.linspace`` / ``np.arange`` exactly as torchvision writes them with
  ``torch.linspace`` / ``torch.arange`` (Solarize divided by 255, torchvision.transforms.v2's units);
- each geometric operation against PIL's ``Image.transform(AFFINE)`` / ``Image.rotate`` (nearest), which is
  what torchvision's ``_apply_op`` reproduces (its ShearX is PIL's ``(1, m, 0, 0, 1, 0)``);
- each photometric operation against PIL's ``ImageEnhance`` / ``ImageOps`` (torchvision follows PIL);
- AugMix's mixing formula in NumPy.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image, ImageEnhance, ImageOps

import keras_aug
from keras_aug.layers import AugMix, AutoAugment, RandAugment, TrivialAugmentWide
from keras_aug.ops import geometry
from keras_aug.ops import policies as P
from tests.conftest import run, smooth_images

O = P.OPS.index  # noqa: E741


# -- the tables -----------------------------------------------------------------------------------


def _torchvision_space(policy: str, num_bins: int, height: int, width: int) -> dict:
    """NumPy transcription of torchvision's ``_augmentation_space(num_bins, (height, width))``."""
    lin = lambda top: np.linspace(0.0, top, num_bins, dtype=np.float32)  # noqa: E731
    solarize = np.linspace(255.0, 0.0, num_bins, dtype=np.float32) / 255.0
    if policy == "trivial_augment_wide":
        return {
            "Identity": (0.0, False),
            "ShearX": (lin(0.99), True),
            "ShearY": (lin(0.99), True),
            "TranslateX": (lin(32.0), True),
            "TranslateY": (lin(32.0), True),
            "Rotate": (lin(135.0), True),
            "Brightness": (lin(0.99), True),
            "Color": (lin(0.99), True),
            "Contrast": (lin(0.99), True),
            "Sharpness": (lin(0.99), True),
            "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 6)), False),
            "Solarize": (solarize, False),
            "AutoContrast": (0.0, False),
            "Equalize": (0.0, False),
        }
    if policy.startswith("aug_mix"):
        space = {
            "ShearX": (lin(0.3), True),
            "ShearY": (lin(0.3), True),
            "TranslateX": (lin(width / 3.0), True),
            "TranslateY": (lin(height / 3.0), True),
            "Rotate": (lin(30.0), True),
            "Posterize": (4 - np.round(np.arange(num_bins) / ((num_bins - 1) / 4)), False),
            "Solarize": (solarize, False),
            "AutoContrast": (0.0, False),
            "Equalize": (0.0, False),
        }
        if policy == "aug_mix_all":
            space.update(
                {name: (lin(0.9), True) for name in ("Brightness", "Color", "Contrast", "Sharpness")}
            )
        return space
    space = {
        "Identity": (0.0, False),
        "ShearX": (lin(0.3), True),
        "ShearY": (lin(0.3), True),
        "TranslateX": (lin(150.0 / 331.0 * width), True),
        "TranslateY": (lin(150.0 / 331.0 * height), True),
        "Rotate": (lin(30.0), True),
        "Brightness": (lin(0.9), True),
        "Color": (lin(0.9), True),
        "Contrast": (lin(0.9), True),
        "Sharpness": (lin(0.9), True),
        "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 4)), False),
        "Solarize": (solarize, False),
        "AutoContrast": (0.0, False),
        "Equalize": (0.0, False),
    }
    if policy == "auto_augment":
        del space["Identity"]
        space["Invert"] = (0.0, False)
    return space


SPACE_BINS = [("rand_augment", 31), ("auto_augment", 10), ("trivial_augment_wide", 31), ("aug_mix", 10)]
SPACE_BINS += [("aug_mix_all", 10)]


@pytest.mark.parametrize("space, num_bins", SPACE_BINS)
def test_magnitude_tables_match_torchvision(space, num_bins):
    expected = _torchvision_space(space, num_bins, height=40, width=64)
    table = P.magnitude_table(space, num_bins, height=40, width=64)
    assert list(table) == list(expected)  # same operations, same order (the uniform draw indexes it)
    for name, (magnitudes, signed) in expected.items():
        np.testing.assert_allclose(table[name][0], magnitudes, rtol=1e-6, atol=1e-6, err_msg=name)
        assert table[name][1] == signed, name


@pytest.mark.parametrize("space, num_bins", SPACE_BINS)
def test_policy_magnitudes_give_the_table_at_every_bin(space, num_bins):
    """The in-graph magnitudes (per sample and slot) equal the table's, signs applied to signed ops only."""
    table = _torchvision_space(space, num_bins, height=40, width=64)
    names = [n for n in table if np.ndim(table[n][0]) == 1]
    ops = np.array([[O(n)] * num_bins for n in names], np.int32)
    levels = np.tile(np.arange(num_bins, dtype=np.float32) / (num_bins - 1), (len(names), 1))
    got = P.policy_magnitudes(space, ops, levels, -np.ones_like(levels), 40, 64).numpy()
    for row, name in enumerate(names):
        sign = -1.0 if table[name][1] else 1.0
        np.testing.assert_allclose(got[row], sign * table[name][0], rtol=1e-5, atol=1e-5, err_msg=name)


def test_auto_augment_policies_are_torchvision_tables():
    for policy, first, last in [
        (
            "imagenet",
            (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)),
            (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
        ),
        (
            "cifar10",
            (("Invert", 0.1, None), ("Contrast", 0.2, 6)),
            (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
        ),
        ("svhn", (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearX", 0.7, 2), ("Invert", 0.1, None))),
    ]:
        table = P.AUTO_AUGMENT_POLICIES[policy]
        assert len(table) == 25 and table[0] == first and table[-1] == last
        ops, probs, bins = P.auto_augment_arrays(policy)
        assert ops.shape == probs.shape == bins.shape == (25, 2)
        assert set(P.OPS[i] for i in ops.ravel()) <= set(P.SPACES["auto_augment"][i].name for i in range(14))


# -- geometry: one matrix per sample, one warp, PIL's conventions -------------------------------------


def _pil_nearest(image: np.ndarray, data) -> np.ndarray:
    pil = Image.fromarray(image)
    return np.asarray(pil.transform(pil.size, Image.AFFINE, data, Image.NEAREST, fillcolor=0))


@pytest.mark.parametrize(
    "name, magnitude, data",
    [
        ("ShearX", 0.27, (1, 0.27, 0, 0, 1, 0)),
        ("ShearY", -0.23, (1, 0, 0, -0.23, 1, 0)),
        ("TranslateX", 5.9, (1, 0, -5, 0, 1, 0)),  # int(5.9) = 5 pixels to the right
        ("TranslateY", -3.2, (1, 0, 0, 0, 1, 3)),
    ],
)
def test_geometric_operations_match_pil(name, magnitude, data):
    image = smooth_images(1, 24, 32, 3)[0]
    got = P.augment_policy(image[None], [[O(name)]], [[magnitude]], "nearest", "constant", 0.0)[0].numpy()
    expected = _pil_nearest(image, data)
    assert np.mean(got == expected) > 0.99  # nearest ties at exact half pixels may round either way


def test_rotate_matches_pil_counter_clockwise():
    image = smooth_images(1, 25, 31, 3)[0]
    got = P.augment_policy(image[None], [[O("Rotate")]], [[25.0]], "nearest", "constant", 0.0)[0].numpy()
    expected = np.asarray(Image.fromarray(image).rotate(25.0, Image.NEAREST, fillcolor=0))
    assert np.mean(np.all(got == expected, axis=-1)) > 0.98


@pytest.mark.parametrize("mode", ["eager", "data"])  # XLA: the layer tests (a compile costs ~10 s)
def test_geometric_draws_are_one_warp_with_the_composed_matrix(mode):
    images = smooth_images(3, 12, 16, 3)
    ops = np.array(
        [
            [O("Rotate"), O("ShearX"), O("TranslateY")],
            [O("TranslateX"), O("Identity"), O("ShearY")],
            [0, 0, 0],
        ],
        np.int32,
    )
    magnitudes = np.array([[10.0, 0.2, -2.5], [3.7, 0.0, 0.1], [0.0, 0.0, 0.0]], np.float32)
    got = run(P.augment_policy, mode, images, ops, magnitudes, interpolation="bilinear")
    # Each slot's matrix, applied in the order drawn: rotation first (output->input matrices multiply).
    rotate = geometry.rotation_matrix([math.radians(10.0), 0.0, 0.0], 12, 16)
    shear_x = np.eye(3, dtype=np.float32)[None].repeat(3, 0)
    shear_x[0, 0, 1:] = [0.2, 0.1]
    shift_x = geometry.translation_matrix([0.0, 3.0, 0.0], [0.0, 0.0, 0.0])
    shear_y = np.eye(3, dtype=np.float32)[None].repeat(3, 0)
    shear_y[1, 1, [0, 2]] = [0.1, 0.05]
    shift_y = geometry.translation_matrix([0.0, 0.0, 0.0], [-2.0, 0.0, 0.0])
    matrix = geometry.compose(rotate, shear_x, shift_y) @ geometry.compose(shift_x, shear_y)
    expected = geometry.warp(images, matrix, "bilinear", "constant", 0.0).numpy()
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got[2], images[2])


def test_one_call_is_one_warp_and_each_photometric_op_once(monkeypatch):
    calls = {"warp": 0}
    warp = geometry.warp

    def counting_warp(*args, **kwargs):
        calls["warp"] += 1
        return warp(*args, **kwargs)

    monkeypatch.setattr(geometry, "warp", counting_warp)
    counted = {}
    original = P._photometric_fn

    def counting_fn(name):
        fn = original(name)

        def wrapped(*args):
            counted[name] = counted.get(name, 0) + 1
            return fn(*args)

        return wrapped

    monkeypatch.setattr(P, "_photometric_fn", counting_fn)
    layer = RandAugment(num_ops=6, factor=0.9, seed=1)
    layer(smooth_images(16, 16, 16, 3))  # eager: only the branches taken run
    assert calls["warp"] == 1
    assert counted and max(counted.values()) == 1


# -- photometric operations against PIL --------------------------------------------------------------

PIL_OPS = {
    "Brightness": (0.4, lambda im: ImageEnhance.Brightness(im).enhance(1.4), 1),
    "Color": (-0.5, lambda im: ImageEnhance.Color(im).enhance(0.5), 1),
    "Contrast": (0.6, lambda im: ImageEnhance.Contrast(im).enhance(1.6), 1),
    "Sharpness": (0.7, lambda im: ImageEnhance.Sharpness(im).enhance(1.7), 1),
    "Posterize": (3.0, lambda im: ImageOps.posterize(im, 3), 0),
    "Solarize": (0.5, lambda im: ImageOps.solarize(im, 127.5), 0),
    "AutoContrast": (0.0, ImageOps.autocontrast, 1),
    "Equalize": (0.0, ImageOps.equalize, 0),
    "Invert": (0.0, ImageOps.invert, 0),
}


@pytest.mark.parametrize("name", sorted(PIL_OPS))
def test_photometric_operations_match_pil(name):
    magnitude, pil_op, tolerance = PIL_OPS[name]
    images = smooth_images(2, 20, 24, 3, seed=3)
    out = P.policy_photometric(images, [[O(name)], [0]], [[magnitude], [0.0]]).numpy()
    expected = np.asarray(pil_op(Image.fromarray(images[0])))
    assert np.abs(out[0].astype(int) - expected).max() <= tolerance
    np.testing.assert_array_equal(out[1], images[1])  # a sample that did not draw it is untouched


def test_repeated_draws_combine():
    images = smooth_images(1, 12, 12, 3, seed=4)
    ops = [[O("Brightness"), O("Posterize"), O("Brightness"), O("Posterize")]]
    out = P.policy_photometric(images, ops, [[0.5, 6.0, -0.2, 3.0]]).numpy()
    expected = ImageOps.posterize(ImageEnhance.Brightness(Image.fromarray(images[0])).enhance(1.5 * 0.8), 3)
    assert np.mean(out[0] == np.asarray(expected)) > 0.95  # a ±1 rounding difference may cross a 3-bit step
    twice = P.policy_photometric(images, [[O("Invert"), O("Invert")]], [[0.0, 0.0]]).numpy()
    np.testing.assert_array_equal(twice, images)


@pytest.mark.parametrize("space", ["rand_augment", "trivial_augment_wide"])
def test_level_zero_is_the_identity_where_defined(space):
    names = ["Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate", "Brightness", "Color"]
    names += ["Contrast", "Sharpness", "Posterize"]
    images = smooth_images(len(names), 10, 14, 3)
    ops = np.array([[O(n)] for n in names], np.int32)
    magnitudes = P.policy_magnitudes(space, ops, np.zeros_like(ops, np.float32), -np.ones(ops.shape), 10, 14)
    out = P.augment_policy(images, ops, magnitudes, "bilinear", "reflect")
    np.testing.assert_array_equal(out, images)


# -- AugMix -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["eager", "data"])  # XLA: the layer tests
def test_augmix_mixes_chains_as_numpy(mode):
    images = smooth_images(2, 8, 8, 3).astype(np.float32)
    ops = np.zeros([2, 2, 1], np.int32)
    ops[0, :, 0] = O("Invert")  # chain 0 inverts, chain 1 is the identity
    weights = np.array([[0.3, 0.2], [0.1, 0.6]], np.float32)
    original = np.array([0.5, 0.3], np.float32)
    got = run(P.augmix, mode, images, ops, np.zeros([2, 2, 1], np.float32), weights, original)
    w = lambda a: a[:, None, None, None]  # noqa: E731
    expected = w(original) * images + w(weights[:, 0]) * (255.0 - images) + w(weights[:, 1]) * images
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-3)


def test_augmix_warps_each_chain_on_its_own(monkeypatch):
    """The chains' photometric operations run on the stacked K x B batch, but each chain is warped on its
    own: a warp's scratch grows with its batch, and 3 x 32 images of 224² (77 MB) crossed glibc's 32 MB
    mmap threshold, so every call mapped and faulted it in afresh. The warps must still see the
    chains' own (photometric) results and rotate them as drawn."""
    batches, warp = [], P.warp_if_moved

    def recording(images, matrices, *args):
        batches.append((int(images.shape[0]), int(matrices.shape[0])))
        return warp(images, matrices, *args)

    monkeypatch.setattr(P, "warp_if_moved", recording)
    images = smooth_images(2, 9, 9, 3)
    ops = np.zeros([3, 2, 1], np.int32)
    ops[1, :, 0] = O("Rotate")  # chain 1 rotates by 90 degrees, chain 2 inverts
    ops[2, :, 0] = O("Invert")
    magnitudes = np.where(ops == O("Rotate"), 90.0, 0.0).astype(np.float32)
    weights = np.zeros([2, 3], np.float32)
    for chain in range(3):
        weights[:] = 0.0
        weights[:, chain] = 1.0
        out = P.augmix(images, ops, magnitudes, weights, np.zeros([2], np.float32), "nearest")
        expected = [images, np.rot90(images, k=1, axes=(1, 2)), 255 - images][chain]
        np.testing.assert_array_equal(out, expected, err_msg=f"chain {chain}")
    assert batches == [(2, 2)] * 9, batches


def test_augmix_weights_are_per_sample_and_sum_to_one():
    layer = AugMix(seed=3)
    params = layer.draw_params(tf.zeros([64, 8, 8, 3], tf.uint8))
    total = params["original_weight"] + tf.reduce_sum(params["chain_weights"], axis=1)
    np.testing.assert_allclose(total, 1.0, atol=1e-5)
    assert np.std(params["original_weight"]) > 0.1  # Beta(1, 1): spread over samples
    assert params["ops"].shape == (64, 3, 3)


# -- layers -----------------------------------------------------------------------------------------

POLICY_LAYERS = {
    "RandAugment": lambda **kw: RandAugment(num_ops=3, factor=0.8, **kw),
    "TrivialAugmentWide": lambda **kw: TrivialAugmentWide(**kw),
    "AutoAugment": lambda **kw: AutoAugment("svhn", **kw),
    "AugMix": lambda **kw: AugMix(**kw),
}


@pytest.mark.parametrize("name", sorted(POLICY_LAYERS))
def test_samples_draw_independently(name):
    images = np.repeat(smooth_images(1, 16, 16, 3), 16, axis=0)
    out = POLICY_LAYERS[name](seed=5)(images).numpy()
    distinct = {out[i].tobytes() for i in range(len(out))}
    assert len(distinct) >= 8, len(distinct)


@pytest.mark.parametrize("name", sorted(POLICY_LAYERS))
def test_layers_under_xla_in_data_and_eager_keep_dtype(name):
    """uint8 in a jit-compiled Keras model and in tf.data; float32 eagerly (each mode compiles the whole policy)."""
    images = smooth_images(4, 16, 16, 3)
    layer = POLICY_LAYERS[name](seed=2)
    model = keras.Sequential([keras.Input((16, 16, 3), dtype="uint8"), layer])
    xla = tf.function(lambda x: model(x, training=True), jit_compile=True)(images)
    data = next(iter(tf.data.Dataset.from_tensors(images).map(layer)))
    floats = POLICY_LAYERS[name](seed=2, value_range=(0, 1))(images.astype(np.float32) / 255.0)
    for out, dtype, high in ((xla, tf.uint8, 255), (data, tf.uint8, 255), (floats, tf.float32, 1.0)):
        assert out.dtype == dtype and out.shape == images.shape
        assert float(tf.reduce_min(out)) >= 0 and float(tf.reduce_max(out)) <= high
    assert not np.array_equal(xla, images)


@pytest.mark.parametrize("name", sorted(POLICY_LAYERS))
def test_sequential_identity_at_inference_and_keras_round_trip(name, tmp_path):
    layer = POLICY_LAYERS[name](seed=1, p=0.7)
    model = keras.Sequential([keras.Input((16, 16, 3)), layer])
    images = smooth_images(2, 16, 16, 3).astype(np.float32)
    np.testing.assert_array_equal(model(images, training=False), images)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert restored.layers[0].get_config() == layer.get_config()


@pytest.mark.parametrize("name", sorted(POLICY_LAYERS))
def test_unknown_shapes(name):
    layer = POLICY_LAYERS[name](seed=0)
    fn = tf.function(layer, input_signature=[tf.TensorSpec([None, None, None, 3], tf.uint8)])
    out = fn(smooth_images(2, 12, 10, 3))
    assert out.shape == (2, 12, 10, 3)


def test_masks_and_boxes_follow_the_composed_matrix():
    layer = TrivialAugmentWide(seed=4)
    images = smooth_images(32, 16, 16, 3)
    masks = np.arange(32 * 16 * 16).reshape(32, 16, 16, 1).astype(np.int32) % 97
    params = layer.draw_params(tf.constant(images))
    moved = layer.augment_masks(tf.constant(masks), params)
    expected = geometry.warp(masks, params["matrix"], "nearest", "constant", 0)
    np.testing.assert_array_equal(moved, expected)
    assert not np.array_equal(moved, masks)  # some samples drew geometry
    out = layer({"images": images, "segmentation_masks": masks})
    assert out["segmentation_masks"].dtype == tf.int32


def test_magnitude_replaces_factor_and_bad_arguments_are_named():
    layer = RandAugment(magnitude=9, num_magnitude_bins=31, seed=0)
    params = layer.draw_params(tf.zeros([8, 8, 8, 3], tf.uint8))
    rotate = params["ops"].numpy() == O("Rotate")
    np.testing.assert_allclose(np.abs(params["magnitudes"].numpy()[rotate]), 9.0, rtol=1e-6)
    for kwargs, arg in [
        ({"magnitude": 31}, "magnitude"),
        ({"num_ops": -1}, "num_ops"),
        ({"factor": 1.5}, "factor"),
    ]:
        with pytest.raises(ValueError, match=f"`{arg}`"):
            RandAugment(**kwargs)
    images = smooth_images(2, 8, 8, 3)
    np.testing.assert_array_equal(RandAugment(num_ops=0, seed=0)(images), images)  # Keras, torchvision
    with pytest.raises(ValueError, match="`policy`"):
        AutoAugment("mnist")
    with pytest.raises(ValueError, match="`severity`"):
        AugMix(severity=11)


def test_imagenet_recipe_runs_and_mixes_after_batch():
    augment = keras_aug.recipes.imagenet(size=24, seed=0)
    images = smooth_images(4, 32, 40, 3)
    out = augment(images)
    assert out.shape == (4, 24, 24, 3) and out.dtype == tf.uint8
    mix = keras_aug.recipes.imagenet_mix(num_classes=5, seed=0)
    _, targets = mix(out, tf.constant([0, 1, 2, 3]))
    assert targets.shape == (4, 5)
