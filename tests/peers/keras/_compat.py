"""The ``layers`` namespace the ported Keras tests import instead of ``keras.src.layers``.

keras_aug's layers under their Keras names, plus the few plain Keras building blocks the tests put
around them (``Input``, ``Dense``, ``Flatten``, ``Layer``: not augmentations, so Keras' own). Keras
augmentation layers that keras_aug does not provide are absent on purpose: a test that needs one fails
with ``AttributeError`` unless ``conftest.NOT_PROVIDED`` skips it with its reason.
"""

from types import SimpleNamespace

import keras

import keras_aug.layers

layers = SimpleNamespace(
    **{name: getattr(keras_aug.layers, name) for name in keras_aug.layers.__all__},
    # Keras' `Equalization` is keras_aug's `Equalize` (same operation; `bins=` accepted).
    Equalization=keras_aug.layers.Equalize,
    Input=keras.layers.Input,
    Dense=keras.layers.Dense,
    Flatten=keras.layers.Flatten,
    Layer=keras.layers.Layer,
)
