"""``python -m keras_aug demo [--out PATH]``."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from keras_aug.demo import main

if __name__ == "__main__":
    main()
