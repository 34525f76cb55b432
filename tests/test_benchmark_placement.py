"""The benchmark harness' placements: one XLA program per batch (``model``) next to ``dataset.map`` (``data``)."""

import numpy as np
import pytest
import tensorflow as tf

from benchmarks.harness import Case, compile_program, program_images_per_second, run_case
from benchmarks.run import format_placement_row, main


def _invert():
    return lambda images: 255 - images


def test_model_placement_runs_the_batch_through_one_program():
    batch = np.arange(2 * 4 * 4 * 1, dtype=np.uint8).reshape([2, 4, 4, 1])
    program = compile_program(_invert(), batch)
    np.testing.assert_array_equal(program(tf.constant(batch)).numpy(), 255 - batch)
    assert program_images_per_second(program, batch, 2) > 0


def test_a_program_xla_cannot_compile_is_none_only_when_optional():
    def uncompilable(images):  # a string op has no XLA kernel
        return tf.strings.as_string(images)

    batch = np.zeros([1, 2, 2, 1], np.uint8)
    assert compile_program(uncompilable, batch, optional=True) is None
    with pytest.raises(tf.errors.InvalidArgumentError):
        compile_program(uncompilable, batch)


def test_both_placements_time_every_tf_contender_in_each():
    case = Case("invert", keras_aug=_invert, keras=_invert, size=8)
    result = run_case(case, batch_size=2, num_batches=1, rounds=1, placement="both")
    assert sorted(result) == ["keras", "keras@model", "keras_aug", "keras_aug@model"]
    assert all(rate > 0 for rate in result.values())
    row = format_placement_row(case, {"keras_aug": 200.0, "keras_aug@model": 100.0})
    assert row.startswith("| invert | 200 | 100 | 0.50x |")


def test_an_unknown_placement_is_refused():
    with pytest.raises(ValueError, match="placement"):
        run_case(Case("invert", keras_aug=_invert, size=8), placement="gpu")
    with pytest.raises(SystemExit):
        main(["--placement", "gpu"])


def test_libraries_limit_the_contenders_and_unknown_ones_are_refused():
    case = Case("invert", keras_aug=_invert, keras=_invert, size=8)
    result = run_case(case, batch_size=2, num_batches=1, rounds=1, placement="both", libraries=["keras_aug"])
    assert sorted(result) == ["keras_aug", "keras_aug@model"]
    with pytest.raises(ValueError, match="libraries"):
        run_case(case, libraries=["kornia"])
    with pytest.raises(SystemExit):
        main(["--libraries", "kornia"])


@pytest.mark.parametrize(
    "took_effect, header", [(True, "host memory reused"), (False, "host memory: reuse not available")]
)
def test_reuse_host_memory_is_asked_for_and_reported(monkeypatch, capsys, took_effect, header):
    import keras_aug

    calls = []
    monkeypatch.setattr(keras_aug, "reuse_host_memory", lambda: calls.append(1) or took_effect)
    main(["--reuse-host-memory", "--only", "no-such-case"])
    assert calls == [1]
    assert f"; {header}; batch 32" in capsys.readouterr().out
    main(["--only", "no-such-case"])
    assert calls == [1] and "; default host memory; batch 32" in capsys.readouterr().out
