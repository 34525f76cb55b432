"""Keras 3.15.1's own layer tests, run against keras_aug.layers (a user swapping the import).

The test files are Keras' (``keras/src/layers/preprocessing/image_preprocessing/*_test.py`` for every Keras
layer name keras_aug exports and for the base class, plus ``normalization_test.py`` and ``pipeline_test.py``) with only their
``layers`` import changed to ``tests/peers/keras/_compat.py``; Keras' ``testing.TestCase`` is used as is.
What keras_aug does not provide is skipped; each deliberate difference is a strict xfail listed here with its
reason (and a row in the README's Keras table).
"""

import importlib.util

import keras
import pytest

#: The Keras release these test files come from; they need its ``keras.src.testing`` harness.
SOURCE_VERSION = (3, 15)

# Keras layers the tests build that keras_aug does not provide: node-id prefix -> reason (none since issue 13).
NOT_PROVIDED: dict = {}

# Deliberate differences from Keras: node-id prefix -> reason (README, Keras table).
_TRANSFORMATION = (
    "passes Keras' layer-private transformation dict ({}) to transform_*(); keras_aug's transformations are "
    "its own parameter dicts from get_random_transformation() (README: Keras table)"
)
_MESSAGE = "same check, keras_aug's error message names the argument in its own words (README: Keras table)"
_MOCKED = (
    "patches Keras' self.backend.random.uniform; keras_aug draws from its own counter-based generator, "
    "identical in eager, tf.data and XLA (README: Keras table)"
)
_INTEGER = (
    "integer images keep their dtype (bilinear results rounded); Keras returns float32 (README: Keras table)"
)
_BATCH = (
    "passes boxes [1, 4] with a batch of 2 images; keras_aug refuses boxes whose batch is not the images' "
    "with a ValueError naming the key, photometric layers too (README: Keras table)"
)
_CROPS = (
    "keras_aug layers keep a seed generator (p, seed) also when deterministic, and Resizing refuses "
    "'bicubic'/'lanczos3'/'lanczos5' by name (README: Keras table)"
)
_CROP_BOXES = (
    "gives one image's boxes [N, 4] with batched labels [1, N]; keras_aug drops boxes that end up outside the "
    "output (-1; Keras keeps zero-size boxes) and integer boxes keep their dtype (README: Keras table)"
)
DIFFERENCES = {
    "center_crop_test.py::CenterCropTest::test_center_crop_basics": _CROPS,
    "resizing_test.py::ResizingTest::test_resizing_basics": _CROPS,
    "max_num_bounding_box_test.py::MaxNumBoundingBoxesTest::test_max_num_bounding_boxes_basics": _INTEGER.replace(
        "integer images keep their dtype (bilinear results rounded); Keras returns float32",
        "images pass through in their own dtype (no autocast under mixed precision)",
    ),
    "center_crop_test.py::CenterCropTest::test_center_crop_bounding_boxes": _CROP_BOXES,
    "center_crop_test.py::CenterCropTest::test_center_crop_tf_data_bounding_boxes": _CROP_BOXES,
    "resizing_test.py::ResizingTest::test_resize_bounding_boxes": _CROP_BOXES,
    "resizing_test.py::ResizingTest::test_resize_tf_data_bounding_boxes_with_crop_to_aspect_ratio": _CROP_BOXES,
    "random_crop_test.py::RandomCropTest::test_dict_input": _BATCH,
    "cut_mix_test.py::CutMixTest::test_cut_mix_basic": _TRANSFORMATION.format("batch_masks, mix_weight"),
    "mix_up_test.py::MixUpTest::test_mix_up_basic_functionality": _TRANSFORMATION.format("mix_weight"),
    "mix_up_test.py::MixUpTest::test_mix_up_bounding_boxes": _TRANSFORMATION.format("mix_weight"),
    "mix_up_test.py::MixUpTest::test_mix_up_tf_data_bounding_boxes": _TRANSFORMATION.format("mix_weight"),
    "random_contrast_test.py::RandomContrastTest::test_random_contrast_with_value_range": _TRANSFORMATION.format(
        "reads contrast_factor"
    ),
    "random_elastic_transform_test.py::RandomElasticTransformTest::test_random_elastic_transform_basic": (
        _TRANSFORMATION.format("apply_transform, distortion_factor")
    ),
    "random_flip_test.py::RandomFlipTest::test_random_flip_bounding_boxes": _TRANSFORMATION.format("flips"),
    "random_flip_test.py::RandomFlipTest::test_random_flip_tf_data_bounding_boxes": _TRANSFORMATION.format(
        "flips"
    ),
    "random_translation_test.py::RandomTranslationTest::test_random_flip_bounding_boxes": (
        _TRANSFORMATION.format("translations")
    ),
    "random_translation_test.py::RandomTranslationTest::test_random_flip_tf_data_bounding_boxes": (
        _TRANSFORMATION.format("translations")
    ),
    "random_zoom_test.py::RandomZoomTest::test_random_flip_bounding_boxes": _TRANSFORMATION.format(
        "zoom factors"
    ),
    "random_zoom_test.py::RandomZoomTest::test_random_flip_tf_data_bounding_boxes": _TRANSFORMATION.format(
        "zoom factors"
    ),
    "random_perspective_test.py::RandomPerspectiveTest::test_random_perspective_basic": _TRANSFORMATION.format(
        "apply_perspective, start_points, end_points"
    ),
    "random_perspective_test.py::RandomPerspectiveTest::test_random_perspective_bounding_boxes": (
        _TRANSFORMATION.format("apply_perspective, start_points, end_points")
    ),
    "random_perspective_test.py::RandomPerspectiveTest::test_random_flip_tf_data_bounding_boxes": (
        _TRANSFORMATION.format("apply_perspective, start_points, end_points")
    ),
    "random_shear_test.py::RandomShearTest::test_random_shear_bounding_boxes": _TRANSFORMATION.format(
        "shear_factor"
    ),
    "random_shear_test.py::RandomShearTest::test_random_shear_tf_data_bounding_boxes": _TRANSFORMATION.format(
        "shear_factor"
    ),
    "random_flip_test.py::RandomFlipTest::test_random_flip_horizontal": _MOCKED,
    "random_flip_test.py::RandomFlipTest::test_random_flip_vertical": _MOCKED,
    "random_flip_test.py::RandomFlipTest::test_tf_data_compatibility": "expects Keras' draw for seed=42; "
    "keras_aug's seeded draws are its own (same in eager, tf.data and XLA) (README: Keras table)",
    "random_zoom_test.py::RandomZoomTest::test_random_zoom_in_correctness": _INTEGER,
    "random_zoom_test.py::RandomZoomTest::test_random_zoom_out_correctness": _INTEGER,
    "random_brightness_test.py::RandomBrightnessTest::test_factor_range_above_upper_bound": _MESSAGE,
    "random_brightness_test.py::RandomBrightnessTest::test_factor_range_below_lower_bound": _MESSAGE,
    "random_brightness_test.py::RandomBrightnessTest::test_value_range_incorrect": _MESSAGE,
    "random_brightness_test.py::RandomBrightnessTest::test_randomly_adjust_brightness_input_incorrect_rank": _MESSAGE,
    "random_brightness_test.py::RandomBrightnessTest::test_set_factor_incorrect": "calls Keras' private "
    "_set_factor(); keras_aug checks `factor` in the constructor (README: Keras table)",
    "random_brightness_test.py::RandomBrightnessTest::test_dict_input": _BATCH,
    "random_contrast_test.py::RandomContrastTest::test_dict_input": _BATCH,
    "normalization_test.py::NormalizationTest::test_normalization_basics": "statistics live in two weights "
    "(mean, variance) whether given or adapted (Keras: none when given, three when adapted), and an "
    "un-adapted layer raises instead of returning its input (README: Keras table)",
    "random_saturation_test.py::RandomSaturationTest::test_random_saturation_full_saturation": "expects the "
    "HSV saturation to reach value_range's high (255): Keras clips the saturation channel to value_range; "
    "keras_aug blends with the luma image (torchvision), saturation stays a fraction <= 1 (README: Keras table)",
    "random_gaussian_blur_test.py::RandomGaussianBlurTest::test_random_erasing_basic": _TRANSFORMATION.format(
        "should_apply_blur, blur_factor"
    ),
    "random_erasing_test.py::RandomErasingTest::test_random_erasing_basic": _TRANSFORMATION.format(
        "apply_erasing, batch_masks, fill_value"
    ),
    "random_posterization_test.py::RandomPosterizationTest::test_random_posterization_basic": "float images "
    "are posterized as torchvision does floats, to 2**bits levels of value_range (1 bit of (0, 255): 127.5); "
    "Keras casts them to uint8 and masks (128) (README: Keras table)",
    "rand_augment_test.py::RandAugmentTest::test_graph_issue": _TRANSFORMATION.format("layer_idxes"),
    "pipeline_test.py::PipelineTest::test_correctness": "keras_aug's Pipeline is an augmentation over "
    "image dicts: it takes no Keras `mask` argument (README: Keras table)",
}

# Keras' tests that do not exercise keras_aug although only the import changed: node-id prefix -> reason.
NOT_OURS = {
    "rescaling_test.py::RescalingTest::test_grain_compatibility": "needs the grain package, not installed "
    "(keras_aug's layers are tf.data layers)",
    **(
        {"resizing_test.py::ResizingTest::test_grain_compatibility": "needs grain, which is not installed"}
        if importlib.util.find_spec("grain") is None
        else {}
    ),
    "normalization_test.py::NormalizationTest::test_adapt_pydataset_compat": "builds keras.layers.Normalization "
    "itself (not through the ported import); keras_aug's PyDataset adapt is tested in tests/test_normalization.py",
}


def _matches(name: str, prefix: str) -> bool:
    """A prefix covers a test and its parametrizations; a trailing ``$`` asks for the exact name."""
    return name == prefix[:-1] if prefix.endswith("$") else name.startswith(prefix)


def _reason(nodeid: str, table: dict):
    name = nodeid.split("tests/peers/keras/", 1)[-1]
    return next((reason for prefix, reason in table.items() if _matches(name, prefix)), None)


def _installed_keras() -> tuple[int, int]:
    major, minor = keras.__version__.split(".")[:2]
    return int(major), int(minor)


def pytest_collection_modifyitems(items):
    too_old = _installed_keras() < SOURCE_VERSION
    for item in items:
        if "tests/peers/keras/" not in item.nodeid:
            continue
        if too_old:
            item.add_marker(
                pytest.mark.skip(
                    f"Keras {keras.__version__}'s testing harness cannot run Keras 3.15's test files "
                    "(the latest CI job runs them)"
                )
            )
            continue
        reason = _reason(item.nodeid, NOT_PROVIDED) or _reason(item.nodeid, NOT_OURS)
        if reason:
            item.add_marker(pytest.mark.skip(reason))
        reason = _reason(item.nodeid, DIFFERENCES)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
