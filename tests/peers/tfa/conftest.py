# Copyright 2019 The TensorFlow Authors. All Rights Reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.
# ==============================================================================
"""tensorflow-addons' own image tests, run against keras_aug.ops (the users' contract).

The fixtures below are tfa's (``tensorflow_addons/utils/test_utils.py`` @d208d752: ``maybe_run_functions_eagerly``,
``set_seeds``, the ``with_device`` / ``needs_gpu`` device parametrization; not tfa's parametrize-id hook, which
would rename other directories' test ids). The test files are tfa's with only
their imports changed; what keras_aug does not provide is skipped and each deliberate difference is an xfail
listed here with its reason (and a row in the README's tfa table).
"""

import random

import numpy as np
import pytest
import tensorflow as tf

# Functions tfa tests that keras_aug.ops does not provide: node-id prefix -> reason.
NOT_PROVIDED = {
    "translate_ops_test.py::test_translate_xy": "keras_aug.ops has no translate_xy (use ops.translate)",
}

# Deliberate differences from tfa: node-id prefix -> reason (README, tfa table).
_ROUNDED = "integer means are rounded to nearest; tfa truncates (README: tfa table)"
DIFFERENCES = {
    "filters_test.py::test_reflect_padding_with_3x3_filter_mean": _ROUNDED,
    "filters_test.py::test_constant_padding_with_3x3_filter_mean": _ROUNDED,
    "filters_test.py::test_symmetric_padding_with_3x3_filter_mean": _ROUNDED,
    "color_ops_test.py::test_equalize_with_PIL": "equalize defaults to mode='cv' (cv2.equalizeHist); "
    "tfa's PIL convention is mode='pil' (README: tfa table)",
    "color_ops_test.py::test_equalize_with_skimage": "equalize defaults to mode='cv', which equalizes tiny "
    "images that PIL's convention (tfa, mode='pil') leaves unchanged (README: tfa table)",
    "compose_ops_test.py::test_blend": "blend keeps image1's dtype and rounds only integers; tfa returns "
    "float32 rounded to integers (README: tfa table)",
    "dense_image_warp_test.py::test_size_exception": "grids one pixel wide or high are read with edge "
    "clamping; tfa raises 'Grid width must be at least 2.' (README: tfa table)",
    "cutout_ops_test.py::test_different_channels": "images with 0 channels raise ValueError naming `images` "
    "(tfa returns them empty) (README: tfa table)",
    "cutout_ops_test.py::test_invalid_mask_size": "an odd static mask_size raises ValueError naming the "
    "argument at call time; tfa raises InvalidArgumentError from the graph (README: tfa table)",
}


def _finalizer():
    tf.config.run_functions_eagerly(False)


@pytest.fixture(scope="function", params=["eager_mode", "tf_function"])
def maybe_run_functions_eagerly(request):
    if request.param == "eager_mode":
        tf.config.run_functions_eagerly(True)
    elif request.param == "tf_function":
        tf.config.run_functions_eagerly(False)

    request.addfinalizer(_finalizer)


@pytest.fixture(scope="function", autouse=True)
def set_seeds():
    random.seed(0)
    np.random.seed(0)
    tf.random.set_seed(0)


@pytest.fixture(autouse=True, scope="function")
def device(request):
    requested_device = getattr(request, "param", "no_device")
    if requested_device == "no_device":
        yield requested_device
    else:
        with tf.device("gpu:0" if requested_device == "gpu" else "cpu"):
            yield requested_device


def pytest_generate_tests(metafunc):
    marker = metafunc.definition.get_closest_marker("with_device")
    devices = ["cpu"] if marker is None else marker.args[0]
    marks = {"gpu": [pytest.mark.needs_gpu]}
    parameters = [pytest.param(x, marks=marks.get(x, [])) for x in devices]
    metafunc.parametrize("device", parameters, indirect=True)


def pytest_configure(config):
    config.addinivalue_line("markers", "with_device(devices): mark test to run on specific devices.")
    config.addinivalue_line("markers", "needs_gpu: mark test that needs a gpu.")


def _reason(nodeid: str, table: dict):
    name = nodeid.split("tests/peers/tfa/", 1)[-1]
    return next((reason for prefix, reason in table.items() if name.startswith(prefix)), None)


def pytest_collection_modifyitems(items):
    has_gpu = bool(tf.config.list_physical_devices("GPU"))
    for item in items:
        if "tests/peers/tfa/" not in item.nodeid:
            continue
        if item.get_closest_marker("needs_gpu") is not None and not has_gpu:
            item.add_marker(pytest.mark.skip("The gpu is not available."))
        reason = _reason(item.nodeid, NOT_PROVIDED)
        if reason:
            item.add_marker(pytest.mark.skip(reason))
        reason = _reason(item.nodeid, DIFFERENCES)
        if reason:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))
