"""Throughput benchmarks: keras_aug vs Keras 3 vs albumentations in the same tf.data pipeline."""
