"""keras_aug: image augmentation in TF ops that compiles with XLA.

Three ways in: Keras layers (``keras_aug.layers``) for ``dataset.map`` or a model, pure functions
(``keras_aug.ops``, the successor of ``tfa.image``), and batch-level tf.data transforms
(``keras_aug.data``).

Example:
>>> import keras_aug
>>> layer = keras_aug.layers.RandomFlip()
"""

__version__ = "0.1.0"

import os as _os
import sys as _sys

from keras_aug._quiet import startup_logs_filtered as _startup_logs_filtered

if _sys.argv[:1] == ["-m"]:  # `python -m keras_aug ...` imports the package before __main__ runs
    _os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# TensorFlow and Keras first imported here start without their log lines when TF_CPP_MIN_LOG_LEVEL >= 2.
with _startup_logs_filtered():
    import tensorflow as _tensorflow  # noqa: F401

    from keras_aug import data as data
    from keras_aug import layers as layers
    from keras_aug import ops as ops
    from keras_aug import recipes as recipes
    from keras_aug.host import reuse_host_memory as reuse_host_memory
