"""keras_aug: image augmentation in TF ops that compiles with XLA.

Three ways in: Keras layers (``keras_aug.layers``) for ``dataset.map`` or a model, pure functions
(``keras_aug.ops``, the successor of ``tfa.image``), and batch-level tf.data transforms
(``keras_aug.data``).

Example:
>>> import keras_aug
>>> layer = keras_aug.layers.RandomFlip()
"""

__version__ = "0.1.0"

from keras_aug import data as data
from keras_aug import layers as layers
from keras_aug import ops as ops
from keras_aug import recipes as recipes
