"""Composition layers (Pipeline, RandomApply, OneOf, SomeOf) and the recipes.

Branches here are deterministic (flips with p=1, Equalize, identity, rescaling), so every output sample
can be matched against each branch's output computed alone: it must equal exactly one of them, and the
branch counts over many samples must follow the weights within binomial tolerance.
"""

import inspect
import itertools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import smooth_images

from keras_aug import recipes
from keras_aug.layers import (
    BaseAugmentation,
    CutMix,
    MixUp,
    RandomAffine,
    RandomElasticTransform,
    RandomFlip,
    RandomRotation,
)
from keras_aug.layers.compose import OneOf, Pipeline, RandomApply, SomeOf
from keras_aug.layers.histogram import Equalize

H, W = 6, 5
# an asymmetric image with distinct levels: flips, equalization and identity all give different images
BASE = ((np.arange(H * W).reshape(H, W, 1) * 37) % 200 + 20).astype(np.uint8)
MASK = (np.arange(H * W).reshape(H, W) % 7).astype(np.int32)


def hflip():
    return RandomFlip("horizontal", p=1.0)


def vflip():
    return RandomFlip("vertical", p=1.0)


def deterministic(layer, images):
    return np.asarray(layer(images[np.newaxis])[0])


def match(sample, candidates) -> int:
    """Index of the one candidate equal to ``sample`` (asserting there is exactly one)."""
    hits = [i for i, c in enumerate(candidates) if np.array_equal(sample, c)]
    assert len(hits) == 1, f"sample matches branches {hits}"
    return hits[0]


def assert_binomial(counts, probabilities, n):
    for count, p in zip(counts, probabilities, strict=True):
        sigma = math.sqrt(n * p * (1 - p))
        assert abs(count - n * p) <= 4.5 * sigma + 1e-9, (counts, probabilities)


def repeated(n):
    return {
        "images": np.repeat(BASE[np.newaxis], n, 0),
        "segmentation_masks": np.repeat(MASK[np.newaxis], n, 0),
        "labels": np.arange(n),
    }


# ------------------------------------------------------------------------------------------------
# Per-sample choice: every output is exactly one branch's output, with the right frequencies
# ------------------------------------------------------------------------------------------------


def test_one_of_picks_one_branch_per_sample_with_the_given_weights():
    n, weights = 2000, [1.0, 2.0, 3.0, 4.0]
    branches = [hflip(), vflip(), Equalize(), keras.layers.Identity()]
    layer = OneOf(branches, weights=weights, seed=3)
    out = tf.function(layer, jit_compile=True)(repeated(n))
    images = [deterministic(b, BASE) for b in branches]
    masks = [MASK[:, ::-1], MASK[::-1], MASK, MASK]  # Equalize and Identity leave masks alone
    counts = np.zeros(4, int)
    for image, mask in zip(out["images"].numpy(), out["segmentation_masks"].numpy(), strict=True):
        branch = match(image, images)
        np.testing.assert_array_equal(mask, masks[branch])
        counts[branch] += 1
    assert_binomial(counts, np.array(weights) / sum(weights), n)
    np.testing.assert_array_equal(out["labels"], np.arange(n))


def test_one_of_p_and_zero_weight():
    n = 1000
    out = OneOf([hflip(), vflip()], weights=[1, 0], p=0.4, seed=5)(repeated(n)["images"]).numpy()
    counts = np.bincount([match(o, [BASE[:, ::-1], BASE[::-1], BASE]) for o in out], minlength=3)
    assert counts[1] == 0
    assert_binomial(counts[[0, 2]], [0.4, 0.6], n)


def test_random_apply_any_keras_layer_images_only_masks_untouched():
    n = 1000
    data = repeated(n)
    data["images"] = data["images"].astype(np.float32)
    layer = RandomApply(keras.layers.Rescaling(2.0), p=0.3, seed=1)
    out = layer(data)
    applied = [match(o, [BASE * 2.0, BASE.astype(np.float32)]) == 0 for o in out["images"].numpy()]
    assert_binomial([sum(applied)], [0.3], n)
    np.testing.assert_array_equal(out["segmentation_masks"], data["segmentation_masks"])
    # the wrapped keras_aug layer's own p multiplies: 0.5 * 0.5
    flips = RandomApply(RandomFlip("horizontal", seed=2), p=0.5, seed=3)(data["images"]).numpy()
    flipped = sum(match(o, [BASE[:, ::-1], BASE]) == 0 for o in flips)
    assert_binomial([flipped], [0.25], n)


@pytest.mark.parametrize("n_arg,expected_k", [(2, {2: 1.0}), ((0, 3), {k: 0.25 for k in range(4)})])
def test_some_of_applies_n_distinct_layers_in_list_order(n_arg, expected_k):
    n = 1200
    layers = [hflip(), vflip(), Equalize()]
    out = SomeOf(layers, n=n_arg, seed=7)(repeated(n))
    subsets = [s for k in range(4) for s in itertools.combinations(range(3), k)]
    images, masks = [], []
    for subset in subsets:  # apply the chosen layers alone, in list order
        image, mask = BASE, MASK
        for i in subset:
            image = deterministic(layers[i], image)
            mask = {0: mask[:, ::-1], 1: mask[::-1], 2: mask}[i]
        images.append(image)
        masks.append(mask)
    counts = np.zeros(len(subsets), int)
    for image, mask in zip(out["images"].numpy(), out["segmentation_masks"].numpy(), strict=True):
        hit = match(image, images)
        np.testing.assert_array_equal(mask, masks[hit])
        counts[hit] += 1
    for k in range(4):  # the count per sample, then uniform among subsets of that size
        sized = [i for i, s in enumerate(subsets) if len(s) == k]
        p_k = expected_k.get(k, 0.0)
        assert_binomial([counts[sized].sum()], [p_k], n)
        for i in sized:
            assert_binomial([counts[i]], [p_k / len(sized)], n)


def test_pipeline_chains_and_p_gates_the_whole_pipeline():
    n = 800
    out = Pipeline([hflip(), vflip()], p=0.5, seed=2)(repeated(n))
    hits = [match(o, [BASE[::-1, ::-1], BASE]) for o in out["images"].numpy()]
    assert_binomial([hits.count(0)], [0.5], n)
    for hit, mask in zip(hits, out["segmentation_masks"].numpy(), strict=True):
        np.testing.assert_array_equal(mask, MASK[::-1, ::-1] if hit == 0 else MASK)


# ------------------------------------------------------------------------------------------------
# Masks stay aligned through random geometry in every kind of composite
# ------------------------------------------------------------------------------------------------


def test_masks_follow_images_through_nested_random_geometry():
    masks = np.zeros((6, 24, 28, 1), np.int32)
    masks[:, 4:12, 5:15] = 2
    masks[:, 14:20, 3:10] = 5
    images = np.repeat((masks * 40).astype(np.uint8), 3, axis=-1)
    geometry = {"interpolation": "nearest", "fill_mode": "constant"}
    layer = Pipeline(
        [
            RandomApply(RandomRotation(0.3, seed=1, **geometry), p=0.7, seed=2),
            OneOf([RandomAffine(seed=3, **geometry), RandomElasticTransform(40.0, 4.0, seed=4, **geometry)]),
            SomeOf([RandomFlip(seed=5), RandomAffine(degrees=0, seed=6, **geometry)], n=1, seed=7),
        ]
    )
    out = layer({"images": images, "segmentation_masks": masks, "meta": np.ones(6)})
    assert out["segmentation_masks"].dtype == tf.int32
    assert set(np.unique(out["segmentation_masks"])) <= {0, 2, 5}
    assert not np.array_equal(out["segmentation_masks"], masks)
    np.testing.assert_array_equal(out["images"].numpy()[..., :1], out["segmentation_masks"].numpy() * 40)
    np.testing.assert_array_equal(out["meta"], np.ones(6))


# ------------------------------------------------------------------------------------------------
# The battery: seeds, XLA, tf.data, Sequential, config, .keras, structures
# ------------------------------------------------------------------------------------------------

COMPOSITES = {
    "pipeline": lambda seed: Pipeline(
        [RandomFlip(seed=seed), RandomRotation(0.2, seed=seed)], p=0.7, seed=seed
    ),
    "random_apply": lambda seed: RandomApply(RandomRotation(0.3, seed=seed), p=0.5, seed=seed),
    "one_of": lambda seed: OneOf(
        [RandomRotation(0.3, seed=seed), hflip(), Equalize()], weights=[2, 1, 1], p=0.9, seed=seed
    ),
    "some_of": lambda seed: SomeOf(
        [RandomRotation(0.3, seed=seed), vflip(), Equalize()], n=(1, 2), seed=seed
    ),
}


@pytest.fixture(scope="module")
def batch():
    return smooth_images(8, 16, 20, 3, seed=11)


@pytest.mark.parametrize("name", COMPOSITES)
def test_same_seed_same_output_eager_graph_xla_and_tf_data(batch, name):
    build = COMPOSITES[name]
    outputs = {
        "eager": build(42)(batch),
        "xla": tf.function(build(42), jit_compile=True)(batch),
        "tf.data": next(iter(tf.data.Dataset.from_tensors(batch).map(build(42)))),
    }
    for where, out in outputs.items():
        assert out.dtype == tf.uint8 and out.shape == batch.shape, where
        diff = np.abs(out.numpy().astype(int) - outputs["eager"].numpy().astype(int))
        assert diff.max() <= 1 and (diff > 0).mean() < 0.01, where
    assert not np.array_equal(outputs["eager"].numpy(), build(43)(batch).numpy())
    assert len({o.tobytes() for o in outputs["eager"].numpy()}) > 2  # per-sample variety


@pytest.mark.parametrize("name", COMPOSITES)
def test_sequential_inference_is_identity_and_training_augments(batch, name):
    model = keras.Sequential([keras.Input(batch.shape[1:], dtype="uint8"), COMPOSITES[name](1)])
    np.testing.assert_array_equal(model(batch, training=False).numpy(), batch)
    np.testing.assert_array_equal(model.predict(batch, verbose=0), batch)
    assert not np.array_equal(model(batch, training=True).numpy(), batch)


@pytest.mark.parametrize("name", COMPOSITES)
def test_config_and_keras_file_round_trip(batch, name, tmp_path):
    layer = COMPOSITES[name](9)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    np.testing.assert_array_equal(clone(batch).numpy(), COMPOSITES[name](9)(batch).numpy())
    model = keras.Sequential([keras.Input(batch.shape[1:]), Pipeline([layer, keras.layers.Identity()])])
    path = str(tmp_path / f"{name}.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    inner = loaded.layers[0].layers[0]
    assert isinstance(inner, type(layer)) and inner.get_config() == layer.get_config()
    x = batch.astype(np.float32)
    np.testing.assert_array_equal(loaded(x, training=False).numpy(), x)
    assert loaded(x, training=True).shape == x.shape


def test_rank_3_tuples_and_pass_through_keys(batch):
    for name, build in COMPOSITES.items():
        assert build(0)(batch[0]).shape == batch[0].shape, name
        images, labels = build(0)((batch, np.arange(8)))
        assert images.shape == batch.shape, name
        np.testing.assert_array_equal(labels, np.arange(8))
    single = OneOf([hflip(), vflip()], seed=0)({"images": BASE, "segmentation_masks": MASK})
    hit = match(single["images"].numpy(), [BASE[:, ::-1], BASE[::-1]])
    np.testing.assert_array_equal(single["segmentation_masks"], [MASK[:, ::-1], MASK[::-1]][hit])


@pytest.mark.skipif(
    "bounding_box_format" not in inspect.signature(RandomFlip.__init__).parameters
    and "bounding_box_format" not in inspect.signature(BaseAugmentation.__init__).parameters,
    reason="bounding boxes not in the base layer yet",
)
def test_ragged_and_padded_boxes_follow_their_sample():
    boxes = tf.ragged.constant(
        [[[1.0, 1.0, 3.0, 4.0]], [[2.0, 0.0, 4.0, 2.0], [0.0, 0.0, 5.0, 6.0]], []] * 20,
        ragged_rank=1,
        inner_shape=(4,),
    )
    labels = tf.ragged.constant([[1], [2, 3], []] * 20)
    flips = [RandomFlip(mode, p=1.0, bounding_box_format="xyxy") for mode in ("horizontal", "vertical")]
    layer = OneOf(flips, seed=4)
    for packed in (boxes, boxes.to_tensor(-1.0)):
        lab = labels if isinstance(packed, tf.RaggedTensor) else labels.to_tensor(-1)
        data = {
            "images": np.repeat(BASE[np.newaxis], 60, 0),
            "bounding_boxes": {"boxes": packed, "labels": lab},
        }
        out = layer(data)
        alone = [f(data)["bounding_boxes"]["boxes"] for f in flips]
        as_list = lambda b: b.to_list() if isinstance(b, tf.RaggedTensor) else b.numpy().tolist()  # noqa: E731
        got, candidates = as_list(out["bounding_boxes"]["boxes"]), [as_list(a) for a in alone]
        hits = [match(image, [BASE[:, ::-1], BASE[::-1]]) for image in out["images"].numpy()]
        assert 0 < sum(hits) < 60
        assert [got[i] for i in range(60)] == [candidates[h][i] for i, h in enumerate(hits)]
        assert as_list(out["bounding_boxes"]["labels"]) == as_list(lab)


def test_pipeline_runs_its_steps_at_inference_like_sequential(batch):
    x = batch.astype(np.float32)
    pipeline = Pipeline([RandomRotation(0.3), keras.layers.Rescaling(0.5)])
    np.testing.assert_array_equal(pipeline(x, training=False).numpy(), x * 0.5)
    np.testing.assert_array_equal(OneOf([keras.layers.Rescaling(0.5)])(x, training=False).numpy(), x)


def test_functional_model_with_plain_layers_and_jit_training(batch):
    inputs = keras.Input((16, 20, 3))
    augmented = Pipeline(
        [OneOf([keras.layers.GaussianNoise(0.5), hflip()], seed=0), RandomApply(RandomRotation(0.1), p=0.5)]
    )(inputs)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(augmented))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=True)
    model.fit(batch.astype(np.float32), np.arange(8) % 2, epochs=1, batch_size=4, verbose=0)
    assert model.jit_compile is True


def test_mixing_layers_choose_together_but_not_against_identity():
    data = {"images": np.repeat(BASE[np.newaxis], 4, 0).astype(np.float32), "labels": np.arange(4) % 3}
    out = OneOf([MixUp(num_classes=3, seed=0), CutMix(num_classes=3, seed=1)], seed=2)(data)
    assert out["labels"].shape == (4, 3)
    with pytest.raises(ValueError, match="labels"):
        RandomApply(MixUp(num_classes=3), p=0.5)(data)


@pytest.mark.parametrize(
    "build,argument",
    [
        (lambda: RandomApply(hflip(), p=1.5), "p"),
        (lambda: RandomApply("flip"), "layer"),
        (lambda: OneOf([hflip(), vflip()], p=-0.1), "p"),
        (lambda: OneOf([hflip(), vflip()], weights=[1.0]), "weights"),
        (lambda: OneOf([hflip(), vflip()], weights=[1.0, -1.0]), "weights"),
        (lambda: OneOf([hflip(), vflip()], weights=[0, 0]), "weights"),
        (lambda: OneOf([]), "layers"),
        (lambda: OneOf(hflip()), "layers"),
        (lambda: OneOf([hflip(), np.ones(3)]), "layers"),
        (lambda: SomeOf([hflip(), vflip()], n=3), "n"),
        (lambda: SomeOf([hflip(), vflip()], n=-1), "n"),
        (lambda: SomeOf([hflip(), vflip()], n=(2, 1)), "n"),
        (lambda: SomeOf([hflip(), vflip()], n=1.0), "n"),
        (lambda: Pipeline([hflip()], seed="x"), "seed"),
    ],
)
def test_bad_arguments_raise_at_construction(build, argument):
    with pytest.raises(ValueError, match=argument):
        build()


# ------------------------------------------------------------------------------------------------
# Recipes
# ------------------------------------------------------------------------------------------------


def test_medical_gray_recipe_on_images_and_masks():
    from keras_aug.demo import sample_image

    gray = tf.image.resize(sample_image("camera.png"), (32, 32), antialias=True)
    images = tf.cast(tf.repeat(gray[tf.newaxis], 4, 0), tf.uint8)
    masks = tf.cast(images > 128, tf.int32)
    augment = recipes.medical_gray(elastic_p=0.5, seed=0)
    assert [type(s).__name__ for s in augment.layers] == [
        "RandomAffine",
        "RandomElasticTransform",
        "RandomCLAHE",
        "RandomBrightnessContrast",
    ]
    out = tf.function(augment, jit_compile=True)({"images": images, "segmentation_masks": masks})
    assert out["images"].dtype == tf.uint8 and out["images"].shape == images.shape
    assert set(np.unique(out["segmentation_masks"])) <= {0, 1}
    assert not np.array_equal(out["images"], images)
    clone = Pipeline.from_config(augment.get_config())
    assert clone.get_config() == augment.get_config()


def test_classification_recipe_then_mix_batches():
    import keras_aug

    images = smooth_images(8, 16, 16, 3, seed=1)
    augment = recipes.classification(seed=1)
    assert [type(s).__name__ for s in augment.layers] == ["RandomFlip", "RandomAffine", "OneOf"]
    ds = tf.data.Dataset.from_tensor_slices((images, np.arange(8) % 4)).batch(4)
    ds = ds.map(lambda x, y: augment((x, y))).map(keras_aug.data.MixBatches(num_classes=4, seed=0))
    x, y = next(iter(ds))
    assert x.shape == (4, 16, 16, 3) and x.dtype == tf.uint8 and y.shape == (4, 4)
    assert len(recipes.classification(flip=None).layers) == 2
    with pytest.raises(ValueError, match="seed"):
        recipes.classification(seed=1.5)
