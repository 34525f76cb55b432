"""Peers' own test files (tensorflow-addons, Keras) run against keras_aug with only their imports changed."""
