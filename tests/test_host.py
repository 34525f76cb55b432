"""keras_aug.reuse_host_memory: the kernel's page-fault counter as the oracle (no timing).

A layer in a ``jit_compile=True`` program gets one scratch buffer per call (RandomZoom on 32 × 224² × 3
uint8: 48 MB); glibc maps a fresh one for each call unless told to reuse freed memory. The setting is
process-wide, so it is measured in a subprocess.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keras_aug import host, reuse_host_memory

ROOT = Path(__file__).resolve().parents[1]
GLIBC = sys.platform.startswith("linux") and host._glibc_mallopt() is not None

_FAULTS_PER_CALL = textwrap.dedent(
    """
    import resource
    import tensorflow as tf
    import keras_aug

    layer = keras_aug.layers.RandomZoom(0.3, seed=1)
    program = tf.function(lambda x: layer(x, training=True), jit_compile=True)
    images = tf.zeros([32, 224, 224, 3], tf.uint8)

    def faults_per_call(calls=8):
        for _ in range(6):  # the calls may run on several threads, each with its own malloc arena to fill
            program(images).numpy()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(calls):
            program(images).numpy()
        return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls

    default = faults_per_call()
    took_effect = keras_aug.reuse_host_memory()
    print(default, took_effect, faults_per_call())
    """
)


@pytest.mark.skipif(not GLIBC, reason="reuse_host_memory acts on glibc's malloc only")
def test_a_compiled_layer_stops_faulting_in_its_scratch_buffer_each_call():
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    # 4 KiB pages: the 48 MB buffer is ~12k faults a call (7,900 measured, 0 after; 294 once, on a machine
    # busy with the rest of the suite); 2 MiB pages: ~24. Once, under the suite's load with TF 2.16, even
    # the default calls faulted 0 times (glibc served the buffer without a fresh mapping): such a run
    # compares nothing, so it is repeated (up to three runs).
    runs = []
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", _FAULTS_PER_CALL], env=env, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr[-3000:]
        default, took_effect, reused = result.stdout.split()[-3:]
        assert took_effect == "True"
        runs.append((float(default), float(reused)))
        if float(default) > 0:
            break
    default, reused = runs[-1]
    assert reused * 10 < default, runs


@pytest.mark.skipif(not GLIBC, reason="reuse_host_memory acts on glibc's malloc only")
def test_it_reports_a_setting_glibc_rejects(monkeypatch):
    calls = []
    monkeypatch.setattr(host, "_glibc_mallopt", lambda: lambda *args: calls.append(args) or 0)
    assert reuse_host_memory(1 << 20) is False
    assert calls[0] == (host._M_MMAP_THRESHOLD, 1 << 20)


def test_it_does_nothing_where_the_c_library_is_not_glibc(monkeypatch):
    monkeypatch.setattr(host.platform, "libc_ver", lambda: ("", ""))
    assert host._glibc_mallopt() is None
    assert reuse_host_memory() is False


@pytest.mark.parametrize("limit", [0, -1, 2**31, 1.5, "1GB", None, True])
def test_a_bad_limit_names_the_argument(limit):
    with pytest.raises(ValueError, match="`limit_bytes` must be an integer"):
        reuse_host_memory(limit)
