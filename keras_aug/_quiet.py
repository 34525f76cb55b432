"""TensorFlow's start-up log lines, kept out of what a user sees when they asked for quiet.

``TF_CPP_MIN_LOG_LEVEL=3`` silences TensorFlow's C++ logging once it is initialized, but the lines
written while ``import tensorflow`` runs (the absl preamble, oneDNN, CUDA probing, CPU features) reach
the process's stderr regardless on TF >= 2.20. When the level is 2 or 3 and TensorFlow is not imported
yet, :func:`import_tensorflow` imports it with file descriptor 2 sent to a temporary file and writes back
every line that is not one of those log lines (a Python error in the import is re-raised as usual).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

# glog-style lines ("I0000 00:00:1796494101.578753   31283 port.cc:153] ..."), the absl preamble and
# the CPU-feature note's second line.
_LOG_LINE = re.compile(
    r"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]"
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\]"  # TensorFlow <= 2.16's format
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|To enable the following instructions: .* rebuild TensorFlow)"
)


def is_startup_log_line(line: str, level: str = "3") -> bool:
    """Whether ``line`` is one of TensorFlow's start-up log lines that ``TF_CPP_MIN_LOG_LEVEL=level`` hides.

    Level 2 hides INFO and WARNING lines, level 3 also ERROR lines (such as CUDA probing on a machine
    without a GPU).

    Example:
    >>> is_startup_log_line("I0000 00:00:1796494101.578753   31283 port.cc:153] oneDNN custom operations are on.")
    True
    >>> is_startup_log_line("Traceback (most recent call last):")
    False
    """
    match = _LOG_LINE.match(line)
    return bool(match) and not (line.startswith("E") and level != "3")


def wants_quiet() -> bool:
    """Whether ``TF_CPP_MIN_LOG_LEVEL`` asks for no INFO and WARNING lines (2 or 3)."""
    return os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0").strip() in ("2", "3")


@contextlib.contextmanager
def startup_logs_filtered(after_import: bool = False):
    """Run the block with file descriptor 2 captured; write back all but TF's start-up log lines.

    Does nothing unless :func:`wants_quiet` and ``tensorflow`` is not imported yet; with
    ``after_import=True`` also after (older TensorFlow, e.g. 2.16, logs its XLA service lines at the
    first compile whatever ``TF_CPP_MIN_LOG_LEVEL`` says): the command line runs inside it.

    Example:
    >>> with startup_logs_filtered():
    ...     import tensorflow
    """
    if not wants_quiet() or ("tensorflow" in sys.modules and not after_import):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no usable file descriptor 2 (an embedded interpreter)
        yield
        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace")
            level = os.environ["TF_CPP_MIN_LOG_LEVEL"].strip()
            kept = [line for line in text.splitlines() if not is_startup_log_line(line, level)]
            if kept:
                sys.stderr.write("\n".join(kept) + "\n")
