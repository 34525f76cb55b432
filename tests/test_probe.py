"""Probe-style tests: every exported layer (found automatically) and the main ops, fed bad arguments and
edge inputs. Bad constructor arguments must raise ``ValueError``/``TypeError`` naming the argument; edge
inputs (1x1 images, 1 channel, uint8/uint16/float16/float32, batch 1, unknown shapes) must come back with
the input's shape and dtype.

A layer exported from ``keras_aug.layers`` is picked up here without editing this file, unless its
constructor needs an argument without a default: then ``test_every_layer_can_be_built`` fails until it is
added to ``REQUIRED``.
"""

from __future__ import annotations

import inspect
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_aug
from keras_aug import ops

NAN, INF = float("nan"), float("inf")

#: Constructor arguments without a default, for the layers that have them.
REQUIRED = {
    "RandomTranslation": {"height_factor": 0.1, "width_factor": 0.1},
    "RandomRotation": {"factor": 0.1},
    "RandomZoom": {"height_factor": 0.1},
    "RandomBrightness": {"factor": 0.1},
    "RandomContrast": {"factor": 0.1},
    "RandomHue": {"factor": 0.1},
    "RandomSaturation": {"factor": 0.4},
    "RandomColorDegeneration": {"factor": 0.5},
    "Pipeline": {"layers": "flip"},
    "OneOf": {"layers": "flip"},
    "SomeOf": {"layers": "flip"},
    "RandomApply": {"layer": "flip"},
    "RandomPosterization": {"factor": 4},
    "RandomSharpness": {"factor": 0.5},
    "Rescaling": {"scale": 0.5},
}
#: Layers that need more than images at call time, with how they are called.
NEEDS_LABELS = {"MixUp", "CutMix"}
#: Extra arguments (besides REQUIRED) for a layer to augment in the edge-input tests.
EXTRA = {
    "Normalization": {"mean": 10.0, "std": 2.0},
    "MixUp": {"num_classes": 3},
    "CutMix": {"num_classes": 3},
    "RandomColorJitter": {
        "brightness_factor": 0.1,
        "contrast_factor": 0.1,
        "saturation_factor": 0.4,
        "hue_factor": 0.1,
    },
}
#: Arguments that must be refused when negative (where a generic probe cannot know the sign rule).
NEGATIVE = {
    "sigma": -1.0,
    "alpha": -1.0,
    "padding": -1,
    "min_area": -1.0,
    "min_visibility": -0.1,
    "label_smoothing": -0.1,
    "num_classes": 0,
    "clip_limit": -1.0,
    "std": -1.0,
    "variance": -1.0,
    "p": -0.1,
}


#: Arguments that take integers: probed with a string, a fraction and NaN.
INTEGERS = ("seed", "mask_fill_value", "fill_mask", "num_classes", "padding")
#: Valid values of number arguments whose default is None (probed with NaN, inf and a string).
OPTIONAL_NUMBERS = {"width_factor": 0.1, "variance": 1.0, "mean": 1.0, "std": 1.0}


def _layer_classes() -> dict[str, type]:
    found = {}
    for name in keras_aug.layers.__all__:
        cls = getattr(keras_aug.layers, name)
        if isinstance(cls, type) and issubclass(cls, keras.layers.Layer) and not inspect.isabstract(cls):
            if cls.__name__ in ("BaseAugmentation", "BaseGeometric"):
                continue
            found[name] = cls
    return found


LAYERS = _layer_classes()


def _required(name: str) -> dict:
    """REQUIRED's arguments, with ``"flip"`` made a fresh ``RandomFlip`` (a list of one for ``layers``)."""
    args = {}
    for arg, value in REQUIRED.get(name, {}).items():
        if value == "flip":
            flip = keras_aug.layers.RandomFlip(p=1.0)
            value = [flip] if arg == "layers" else flip
        args[arg] = value
    return args


def build(name: str, **overrides):
    if "seed" not in _parameters(LAYERS[name]):
        overrides.pop("seed", None)
    args = {**_required(name), **EXTRA.get(name, {}), **overrides}
    return LAYERS[name](**args)


def _parameters(cls) -> dict[str, inspect.Parameter]:
    """Constructor parameters of ``cls`` and its bases (``p``, ``seed`` come from ``BaseAugmentation``)."""
    params = {}
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None or klass in (object,) or not klass.__module__.startswith("keras_aug"):
            continue
        for param in inspect.signature(init).parameters.values():
            if param.name == "self" or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                continue
            if klass is not cls and param.default is param.empty:
                continue  # a base's required argument, which the subclass supplies itself
            params[param.name] = param
    return params


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_arguments(name: str) -> dict[str, object]:
    """Arguments of layer ``name`` that take numbers (or pairs of numbers), with a valid value for each."""
    out = {}
    for arg, param in _parameters(LAYERS[name]).items():
        value = REQUIRED.get(name, {}).get(arg, EXTRA.get(name, {}).get(arg, param.default))
        if value is None:
            value = OPTIONAL_NUMBERS.get(arg)
        if arg == "p" or arg in INTEGERS:
            continue  # probed below with their own bad values
        if _is_number(value) or (
            isinstance(value, (tuple, list)) and value and all(_is_number(v) for v in value)
        ):
            out[arg] = value
    return out


def _bad_cases():
    cases = []
    for name in LAYERS:
        for arg, value in _numeric_arguments(name).items():
            bad = [NAN, INF, "x"]
            if isinstance(value, (tuple, list)):
                bad += [(NAN, *value[1:]), (*value[:-1], INF)]
            cases += [(name, arg, b) for b in bad]
        params = _parameters(LAYERS[name])
        for arg, value in NEGATIVE.items():
            if arg in params:
                cases.append((name, arg, value))
        if "p" in params:
            cases += [(name, "p", NAN), (name, "p", 1.5)]
        cases += [(name, arg, bad) for arg in INTEGERS if arg in params for bad in ("x", 1.5, NAN)]
        for arg, param in params.items():
            if isinstance(param.default, str):
                cases.append((name, arg, "no-such-choice"))
            if isinstance(param.default, bool):
                cases.append((name, arg, "yes"))
            if arg == "value_range":
                cases += [(name, arg, (NAN, 1.0)), (name, arg, (1.0, 1.0)), (name, arg, (0.0, INF))]
    return cases


def test_every_layer_can_be_built():
    assert len(LAYERS) >= 20, sorted(LAYERS)
    for name in LAYERS:
        missing = [
            arg
            for arg, param in _parameters(LAYERS[name]).items()
            if param.default is inspect.Parameter.empty and arg not in REQUIRED.get(name, {})
        ]
        assert not missing, f"add {name}'s required arguments {missing} to REQUIRED in {__file__}"
        assert isinstance(build(name), keras.layers.Layer)


@pytest.mark.parametrize("name, arg, value", _bad_cases(), ids=lambda v: repr(v)[:30])
def test_bad_constructor_argument_is_refused_by_name(name, arg, value):
    if name == "Normalization" and arg in ("std", "variance"):
        layer = lambda: LAYERS[name](mean=0.0, **{arg: value})  # noqa: E731 (std and variance exclude each other)
    else:
        layer = lambda: build(name, **{arg: value})  # noqa: E731
    with pytest.raises((ValueError, TypeError), match=f"`{arg}`"):
        layer()


def _call(layer, images):
    if type(layer).__name__ in NEEDS_LABELS:
        labels = tf.zeros(tf.shape(images)[:1], tf.int32)
        return layer((images, labels))[0]
    return layer(images)


EDGE_INPUTS = {
    "1x1-gray-uint8-batch1": ([1, 1, 1, 1], tf.uint8),
    "uint16-rgb": ([2, 5, 7, 3], tf.uint16),
    "float16-gray-rank3": ([6, 4, 1], tf.float16),
}  # float32 (RGB, unknown shapes): test_unknown_shapes_in_tf_function


def _images(shape, dtype) -> tf.Tensor:
    values = (np.arange(np.prod(shape)).reshape(shape) * 37) % 250
    return tf.cast(values, dtype)


@pytest.mark.parametrize("edge", EDGE_INPUTS)
@pytest.mark.parametrize("name", LAYERS)
def test_edge_inputs_keep_shape_and_dtype(name, edge):
    shape, dtype = EDGE_INPUTS[edge]
    if name in NEEDS_LABELS and len(shape) == 3:
        pytest.skip("MixUp/CutMix mix a batch: a single image has no partner")
    images = _images(shape, dtype)
    out = _call(build(name, seed=1), images)
    expected_dtype = tf.float32 if name in ("Normalization", "Rescaling") and dtype.is_integer else dtype
    assert out.shape == images.shape and out.dtype == expected_dtype
    assert np.all(np.isfinite(tf.cast(out, tf.float32).numpy()))


@pytest.mark.parametrize("name", LAYERS)
def test_unknown_shapes_in_tf_function(name):
    layer = build(name, seed=1)
    spec = tf.TensorSpec([None, None, None, 3], tf.float32)
    fn = tf.function(lambda x: _call(layer, x), input_signature=[spec])
    images = _images([2, 6, 5, 3], tf.float32)
    out = fn(images)
    assert out.shape == images.shape and out.dtype == tf.float32


@pytest.mark.parametrize("name", LAYERS)
def test_zero_channel_images_are_refused_clearly(name):
    with pytest.raises(ValueError, match="channel"):
        _call(build(name, seed=1), tf.zeros([2, 4, 4, 0], tf.uint8))


# ----------------------------------------------------------------------------------------------- ops

IMAGE = tf.constant(np.arange(2 * 6 * 5 * 3).reshape(2, 6, 5, 3) % 200, tf.uint8)

BAD_OP_CALLS = {
    "clahe clip_limit nan": (lambda: ops.clahe(IMAGE, clip_limit=NAN), "clip_limit"),
    "clahe clip_limit -1": (lambda: ops.clahe(IMAGE, clip_limit=-1.0), "clip_limit"),
    "clahe tile_grid_size 0": (lambda: ops.clahe(IMAGE, tile_grid_size=0), "tile_grid_size"),
    "equalize bins 1": (lambda: ops.equalize(IMAGE, 1), "bins"),
    "equalize value_range": (lambda: ops.equalize(IMAGE, value_range=(1, 0)), "value_range"),
    "gamma -1": (lambda: ops.gamma(IMAGE, -1.0), "gamma"),
    "gamma nan": (lambda: ops.gamma(IMAGE, [1.0, NAN]), "gamma"),
    "brightness nan": (lambda: ops.brightness(IMAGE, NAN), "delta"),
    "brightness value_range": (lambda: ops.brightness(IMAGE, 1.0, value_range=(0, NAN)), "value_range"),
    "contrast inf": (lambda: ops.contrast(IMAGE, INF), "factor"),
    "brightness_contrast nan": (lambda: ops.brightness_contrast(IMAGE, NAN, 0.0), "alpha"),
    "blend nan": (lambda: ops.blend(IMAGE, IMAGE, NAN), "factor"),
    "normalize std 0": (lambda: ops.normalize(IMAGE, 0.0, 0.0), "std"),
    "normalize std nan": (lambda: ops.normalize(IMAGE, 0.0, [1.0, NAN, 1.0]), "std"),
    "normalize mean inf": (lambda: ops.normalize(IMAGE, INF, 1.0), "mean"),
    "sharpness nan": (lambda: ops.sharpness(IMAGE, NAN), "factor"),
    "rotate nan": (lambda: ops.rotate(IMAGE, NAN), "angles"),
    "translate inf": (lambda: ops.translate(IMAGE, [INF, 0.0]), "translations"),
    "gaussian sigma nan": (lambda: ops.gaussian_filter2d(IMAGE, sigma=NAN), "sigma"),
    "gaussian sigma -1": (lambda: ops.gaussian_filter2d(IMAGE, sigma=-1.0), "sigma"),
    "mixup lam 2": (lambda: ops.mixup(IMAGE, None, [2.0, 0.5], [1, 0]), "lam"),
    "labels out of range": (lambda: ops.prepare_labels([0, 3], num_classes=3), "num_classes"),
    "labels negative": (lambda: ops.prepare_labels([-1, 0], num_classes=3), "num_classes"),
    "label_smoothing 1": (lambda: ops.prepare_labels([0, 1], 3, label_smoothing=1.0), "label_smoothing"),
    "num_classes 0": (lambda: ops.prepare_labels([0, 1], 0), "num_classes"),
    "transform fill_mode": (
        lambda: ops.transform(IMAGE, [1, 0, 0, 0, 1, 0, 0, 0], fill_mode="x"),
        "fill_mode",
    ),
    "zero channels": (lambda: ops.brightness(tf.zeros([1, 2, 2, 0]), 1.0), "channel"),
}


@pytest.mark.parametrize("case", BAD_OP_CALLS)
def test_bad_op_argument_is_refused_by_name(case):
    call, argument = BAD_OP_CALLS[case]
    with pytest.raises((ValueError, TypeError), match=argument):
        call()


def test_out_of_range_labels_fail_in_a_graph_too():
    fn = tf.function(lambda labels: ops.prepare_labels(labels, num_classes=3))
    spec_call = fn.get_concrete_function(tf.TensorSpec([None], tf.int32))
    np.testing.assert_array_equal(spec_call(tf.constant([2, 0])).numpy(), np.eye(3)[[2, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_classes"):
        spec_call(tf.constant([0, 3]))


EDGE_OPS = {
    "brightness": lambda x: ops.brightness(x, 10.0),
    "contrast": lambda x: ops.contrast(x, 1.5),
    "gamma": lambda x: ops.gamma(x, 0.5),
    "sharpness": lambda x: ops.sharpness(x, 2.0),
    "equalize": lambda x: ops.equalize(x),
    "clahe": lambda x: ops.clahe(x, 2.0, (2, 2)),
    "rotate": lambda x: ops.rotate(x, 0.3),
    "translate": lambda x: ops.translate(x, [1.0, 2.0]),
    "gaussian_filter2d": lambda x: ops.gaussian_filter2d(x, 3, 1.0),
    "median_filter2d": lambda x: ops.median_filter2d(x, 3),
    "mean_filter2d": lambda x: ops.mean_filter2d(x, 3),
    "flip_left_right": lambda x: ops.flip_left_right(x, tf.ones([1], tf.bool)),
}


@pytest.mark.parametrize("dtype", [tf.uint8, tf.float16], ids=lambda d: d.name)
@pytest.mark.parametrize("op", EDGE_OPS)
def test_ops_on_a_1x1_image_keep_shape_and_dtype(op, dtype):
    image = tf.cast(tf.fill([1, 1, 1, 1], 100), dtype)
    out = EDGE_OPS[op](image)
    assert out.shape == image.shape and out.dtype == dtype
    assert math.isfinite(float(tf.cast(out, tf.float32)[0, 0, 0, 0]))


def test_histogram_ops_keep_the_value_range_they_were_given():
    # The one value-range rule: float images default to (0, 255) (Keras), and come back in that range.
    image = _images([1, 16, 16, 1], tf.float32) * (200.0 / 249.0)
    for out in (ops.clahe(image, 2.0, (2, 2)), ops.equalize(image)):
        assert float(tf.reduce_max(out)) > 2.0 and float(tf.reduce_max(out)) <= 255.0
    layer_out = keras_aug.layers.RandomCLAHE(seed=0)(image)
    assert float(tf.reduce_max(layer_out)) > 2.0 and float(tf.reduce_max(layer_out)) <= 255.0
    unit = keras_aug.layers.RandomBrightness(0.2, value_range=(0, 1), seed=0)(image / 255.0)
    assert float(tf.reduce_max(unit)) <= 1.0


@pytest.mark.parametrize("dtype", [tf.float64, tf.float16, tf.bfloat16], ids=lambda d: d.name)
def test_normalization_keeps_float_dtypes(dtype):
    layer = keras_aug.layers.Normalization(mean=2.0, std=4.0)
    out = layer(tf.fill([1, 2, 2, 1], tf.constant(10.0, dtype)))
    assert out.dtype == dtype
    assert float(out[0, 0, 0, 0]) == 2.0


def test_random_flip_clips_and_drops_boxes_like_the_other_geometric_layers():
    boxes = np.array([[[NAN] * 4, [10, 2, 4, 6], [20, 0, 30, 5], [-4, 0, 4, 4], [1, 2, 5, 6]]], np.float32)
    data = {
        "images": np.zeros([1, 16, 16, 1], np.uint8),
        "bounding_boxes": {"boxes": boxes, "labels": np.array([[1, 2, 3, 4, 5]])},
    }
    out = keras_aug.layers.RandomFlip("horizontal", p=1.0, bounding_box_format="xyxy")(data)
    # Hand-computed on a 16-pixel-wide image, x -> 16 - x: NaN and fully outside boxes dropped (-1), the
    # inverted box enclosed as (4, 10) as RandomTranslation does, the partly outside one clipped to 16.
    expected = [[-1] * 4, [6, 2, 12, 6], [-1] * 4, [12, 0, 16, 4], [11, 2, 15, 6]]
    np.testing.assert_array_equal(out["bounding_boxes"]["boxes"][0], expected)
    np.testing.assert_array_equal(out["bounding_boxes"]["labels"], [[-1, 2, -1, 4, 5]])
    same_rule = keras_aug.layers.RandomTranslation(0.0, 0.0, bounding_box_format="xyxy")(data)[
        "bounding_boxes"
    ]
    np.testing.assert_array_equal(same_rule["labels"], out["bounding_boxes"]["labels"])


@pytest.mark.parametrize(
    "arg, value",
    [
        ("mixup_alpha", NAN),
        ("cutmix_alpha", -1.0),
        ("prob", INF),
        ("switch_prob", 2.0),
        ("num_classes", 0),
        ("label_smoothing", 1.0),
        ("seed", 1.5),
    ],
)
def test_mix_batches_refuses_bad_arguments_by_name(arg, value):
    with pytest.raises((ValueError, TypeError), match=f"`{arg}`"):
        keras_aug.data.MixBatches(**{"num_classes": 3, arg: value})
