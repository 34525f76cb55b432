"""``python -m keras_aug demo [--out PATH]``."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras_aug._quiet import startup_logs_filtered
from keras_aug.demo import main

if __name__ == "__main__":
    with startup_logs_filtered(after_import=True):
        main()
