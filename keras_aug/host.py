"""Host settings that decide how fast XLA programs run on a CPU: :func:`reuse_host_memory`.

A compiled program (a layer inside a ``jit_compile=True`` model) gets one scratch buffer per call for
all its intermediates, from TF's CPU allocator, which is ``malloc``. glibc serves requests above 32 MB
(``RandomZoom`` on 32 × 224² × 3 uint8: 48 MB) with a fresh ``mmap`` each time and unmaps it on
``free``, so every call faults in and zeroes every page again: on a 2-core AMD EPYC host with
transparent huge pages off for ``malloc`` (``madvise``), 7,900 page faults a call took RandomZoom's
program from 7.7 to 27 ms. ``tf.data`` pays less: most XLA units allocate buffers of a few MB, which glibc
keeps for reuse.
"""

from __future__ import annotations

import ctypes
import platform

from keras_aug.validation import check_number

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_INT_MAX = 2**31 - 1


def reuse_host_memory(limit_bytes: int = 1 << 30) -> bool:
    """Let this process reuse freed host buffers up to ``limit_bytes`` instead of mapping fresh memory
    for each one (glibc's ``mallopt``: mmap and trim thresholds). Returns whether it took effect.

    Call it once, at the start of a CPU training script that runs keras_aug layers inside a
    ``jit_compile=True`` model: there each call's scratch buffer (tens of MB at batch 32 × 224²) is
    otherwise mapped, zeroed page by page and unmapped every time. It helps ``tf.data`` pipelines too
    where one XLA unit holds more than 32 MB (at 32 × 224² × 3 none does; a warp of 64 or more such
    images does). The setting is process-wide and lasts until the process
    exits: freed memory stays with the process for the next allocation (its resident size stays near
    its peak) rather than going back to the operating system. Where the C library is not glibc (macOS,
    Windows, musl) it does nothing and returns False. Setting ``TF_CPU_ALLOCATOR_USE_BFC=true`` before
    TensorFlow first runs an op is the TensorFlow-side alternative (its pooling allocator for CPU
    tensors).

    Args:
        limit_bytes: buffers up to this size are reused (default 1 GiB; at most ``2**31 - 1``).

    Example:
    >>> import keras_aug
    >>> keras_aug.reuse_host_memory() in (True, False)
    True
    """
    limit = check_number(limit_bytes, "limit_bytes", 1, _INT_MAX, integer=True)
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    # Trim only beyond the limit: a buffer freed at the top of the heap would otherwise go back to
    # the OS and be faulted in again by the next call.
    return bool(mallopt(_M_MMAP_THRESHOLD, limit)) and bool(mallopt(_M_TRIM_THRESHOLD, limit))


def _glibc_mallopt():
    """glibc's ``mallopt(int, int) -> int``, or None where the process's C library is not glibc."""
    if platform.libc_ver()[0] != "glibc":
        return None
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        mallopt.restype = ctypes.c_int
    return mallopt
