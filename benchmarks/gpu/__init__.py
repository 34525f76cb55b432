"""The GPU benchmark: keras_aug's XLA programs exported on CPU, run through JAX's XLA on a GPU (see README.md).

Only ``export.py`` needs TensorFlow; ``common.py``, ``run_hlo.py`` and ``peers.py`` run where TF is absent.
"""
