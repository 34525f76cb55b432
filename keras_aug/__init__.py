"""keras_aug: image augmentation in TF ops that compiles with XLA.

Example:
>>> import keras_aug
>>> layer = keras_aug.layers.RandomFlip()
"""

__version__ = "0.1.0"

from keras_aug import layers as layers
from keras_aug import ops as ops
