"""The ``layers`` namespace the ported Keras tests import instead of ``keras.src.layers``.

keras_aug's layers under their Keras names, plus the few plain Keras building blocks the tests put
around them (``Input``, ``Dense``, ``Flatten``, ``Layer``: not augmentations, so Keras' own). Keras
augmentation layers that keras_aug does not provide are absent on purpose: a test that needs one fails
with ``AttributeError`` unless ``conftest.NOT_PROVIDED`` skips it with its reason.
"""

from types import SimpleNamespace

import keras

import keras_aug.layers

#: Keras 3.15 image layers keras_aug does not provide.
NOT_PROVIDED: tuple = ()


class _NotProvided:
    def __init__(self, name: str):
        self.name = name

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(f"keras_aug does not provide keras.layers.{self.name}.")


layers = SimpleNamespace(
    **{name: _NotProvided(name) for name in NOT_PROVIDED if name not in keras_aug.layers.__all__},
    **{name: getattr(keras_aug.layers, name) for name in keras_aug.layers.__all__},
    Input=keras.layers.Input,
    Dense=keras.layers.Dense,
    Flatten=keras.layers.Flatten,
    Layer=keras.layers.Layer,
)
