"""Argument checks shared by ops, layers and ``keras_aug.data``: one rule per concept.

Every check returns the cleaned value or raises ``ValueError`` with a message that names the argument,
says what was expected and shows what was given. The rules:

- Numbers are Python or NumPy ints/floats (never ``bool``) and finite unless said otherwise.
- A range given as a pair ``(lower, upper)`` is **sorted** (as Keras does), then checked against its bounds.
  A single number ``f`` becomes a pair by the argument's own rule (``(-f, f)``, ``(f, f)``, ...).
- ``value_range`` (what values images hold) is ``(low, high)`` with ``low < high``; ``None`` means the
  dtype's own range for 8- and 16-bit integer images and ``(0, 255)`` for floats and wider integers
  (Keras' convention). Every layer and op uses :func:`resolve_value_range` for this.
- Layers check every argument when built. Ops check the parameters given as Python or NumPy values when
  called (:func:`check_values`, :func:`check_per_sample`); tensor values cannot be checked (they are
  unknown while tracing and under XLA), so each op documents what it does with them.

Example:
>>> check_range(0.2, "factor", -1.0, 1.0)
(-0.2, 0.2)
>>> check_range((0.3, -0.1), "factor", -1.0, 1.0)
(-0.1, 0.3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import tensorflow as tf

#: What ``value_range=None`` means for float images and int32/int64 images (Keras' default).
DEFAULT_VALUE_RANGE = (0.0, 255.0)

FILL_MODES = ("constant", "reflect", "wrap", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")

_SCALAR_RULES: dict[str, Callable[[float], tuple[float, float]]] = {
    "symmetric": lambda f: (-abs(f), abs(f)),
    "same": lambda f: (f, f),
    "from_zero": lambda f: (min(0.0, f), max(0.0, f)),
    "from_one": lambda f: (min(1.0, f), max(1.0, f)),
    "around_one": lambda f: (1.0 - abs(f), 1.0 + abs(f)),
}


def is_number(value) -> bool:
    """True for Python/NumPy ints and floats (``bool`` is not a number here).

    Example:
    >>> is_number(3), is_number(np.float32(0.5)), is_number(True), is_number("1")
    (True, True, False, False)
    """
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def check_number(
    value,
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    integer: bool = False,
    low_open: bool = False,
    high_open: bool = False,
) -> float | int:
    """``value`` as a finite float (or int) within ``[low, high]`` (open ends with ``low_open``/``high_open``).

    Example:
    >>> check_number(2, "sigma", 0.0, low_open=True)
    2.0
    """
    kind = "an integer" if integer else "a finite number"
    ok = is_number(value) and math.isfinite(float(value))
    if ok and integer:
        ok = float(value).is_integer()
    if ok:
        number = int(value) if integer else float(value)
        ok = (number > low if low_open else number >= low) and (
            number < high if high_open else number <= high
        )
    if not ok:
        raise ValueError(
            f"`{name}` must be {kind}{_bounds_text(low, high, low_open, high_open)}, got {value!r}."
        )
    return number


def check_optional_number(value, name: str, *args, **kwargs) -> float | int | None:
    """``None`` or :func:`check_number`.

    Example:
    >>> check_optional_number(None, "num_classes", 1, integer=True), check_optional_number(3, "n", 1)
    (None, 3.0)
    """
    return None if value is None else check_number(value, name, *args, **kwargs)


def check_bool(value, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (also NumPy's), else ``ValueError``.

    Example:
    >>> check_bool(True, "invert")
    True
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"`{name}` must be True or False, got {value!r}.")
    return bool(value)


def check_num_classes(num_classes, name: str = "num_classes") -> int | None:
    """``None`` or a positive integer (the number of classes of one-hot targets).

    Example:
    >>> check_num_classes(10), check_num_classes(None)
    (10, None)
    """
    if num_classes is not None and not (is_number(num_classes) and float(num_classes).is_integer()):
        raise ValueError(f"`{name}` must be a positive integer or None, got {num_classes!r}.")
    return check_optional_number(num_classes, name, 1, integer=True)


def check_label_smoothing(value, name: str = "label_smoothing") -> float:
    """A label-smoothing amount in ``[0, 1)``.

    Example:
    >>> check_label_smoothing(0.1)
    0.1
    """
    return check_number(value, name, 0.0, 1.0, high_open=True)


def check_resampling(interpolation: str, fill_mode: str, fill_value, mask_fill_value) -> tuple:
    """Checked ``(interpolation, fill_mode, float(fill_value), int(mask_fill_value))`` of a layer that resamples.

    Example:
    >>> check_resampling("bilinear", "Reflect", 0, 0)
    ('bilinear', 'reflect', 0.0, 0)
    """
    return (
        check_choice("interpolation", interpolation, INTERPOLATIONS),
        check_choice("fill_mode", fill_mode, FILL_MODES),
        check_number(fill_value, "fill_value"),
        check_number(mask_fill_value, "mask_fill_value", integer=True),
    )


def check_probability(p, name: str = "p") -> float:
    """``p`` as a float in ``[0, 1]``.

    Example:
    >>> check_probability(0.5)
    0.5
    """
    return check_number(p, name, 0.0, 1.0)


def check_range(
    value,
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
    scalar: str | Callable[[float], tuple[float, float]] = "symmetric",
) -> tuple[float, float]:
    """A number (made a pair by ``scalar``) or a ``(lower, upper)`` pair, sorted, finite, within ``[low, high]``.

    ``scalar`` is ``"symmetric"`` (``f -> (-|f|, |f|)``), ``"same"`` (``(f, f)``), ``"from_zero"``,
    ``"from_one"`` (``(min(1, f), max(1, f))``), ``"around_one"`` (``(1 - |f|, 1 + |f|)``) or a function.

    Example:
    >>> check_range(1.5, "gamma_limit", 0.0, scalar="from_one")
    (1.0, 1.5)
    """
    to_pair = _SCALAR_RULES[scalar] if isinstance(scalar, str) else scalar
    expected = f"a finite number or a (lower, upper) pair of finite numbers{_bounds_text(low, high)}"
    if is_number(value) and math.isfinite(float(value)):
        pair = to_pair(float(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(is_number(v) and math.isfinite(float(v)) for v in value)
    ):
        pair = (float(value[0]), float(value[1]))
    else:
        raise ValueError(f"`{name}` must be {expected}, got {value!r}.")
    lower, upper = sorted(pair)
    if lower < low or upper > high:
        raise ValueError(f"`{name}` must be {expected}, got {value!r}.")
    return lower, upper


def check_choice(name: str, value: str, choices: Iterable[str]) -> str:
    """``value`` lower-cased if it is one of ``choices``.

    Example:
    >>> check_choice("fill_mode", "Reflect", FILL_MODES)
    'reflect'
    """
    choices = tuple(choices)
    if not isinstance(value, str) or value.lower() not in choices:
        raise ValueError(f"`{name}` must be one of {choices}, got {value!r}.")
    return value.lower()


def check_seed(seed, name: str = "seed") -> int | None:
    """``None`` or a Python/NumPy integer.

    Example:
    >>> check_seed(7), check_seed(None)
    (7, None)
    """
    if seed is None:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"`{name}` must be an integer or None, got {seed!r}.")
    return int(seed)


def check_value_range(value_range, name: str = "value_range") -> tuple[float, float]:
    """``(low, high)`` as floats: two finite numbers with ``low < high``.

    Example:
    >>> check_value_range((0, 255))
    (0.0, 255.0)
    """
    message = f"`{name}` must be a pair of finite numbers (low, high) with low < high, got {value_range!r}."
    if (
        not isinstance(value_range, (tuple, list))
        or len(value_range) != 2
        or not all(is_number(v) and math.isfinite(float(v)) for v in value_range)
    ):
        raise ValueError(message)
    low, high = float(value_range[0]), float(value_range[1])
    if not low < high:
        raise ValueError(message)
    return low, high


def check_optional_value_range(value_range, name: str = "value_range") -> tuple[float, float] | None:
    """``None`` (resolved per input dtype later by :func:`resolve_value_range`) or a checked pair.

    Example:
    >>> check_optional_value_range(None), check_optional_value_range([0, 1])
    (None, (0.0, 1.0))
    """
    return None if value_range is None else check_value_range(value_range, name)


def dtype_range(dtype) -> tuple[float, float] | None:
    """``(min, max)`` of an integer dtype as floats (e.g. ``(0.0, 65535.0)`` for uint16); None for floats.

    Example:
    >>> dtype_range(tf.uint16)
    (0.0, 65535.0)
    """
    dtype = tf.as_dtype(dtype)
    if not dtype.is_integer:
        return None
    return float(dtype.min), float(dtype.max)


def resolve_value_range(value_range, dtype) -> tuple[float, float]:
    """The one ``value_range`` rule: the pair given, or for ``None`` the range ``dtype`` images hold.

    ``None`` is the dtype's own range for 8- and 16-bit integers (``(0, 255)`` uint8, ``(0, 65535)`` uint16,
    ``(-32768, 32767)`` int16) and ``(0, 255)`` for floats and wider integers, as Keras assumes.

    Example:
    >>> resolve_value_range(None, tf.uint16), resolve_value_range(None, tf.float32)
    ((0.0, 65535.0), (0.0, 255.0))
    """
    if value_range is None:
        dtype = tf.as_dtype(dtype)
        if dtype.is_integer and dtype.size <= 2:
            return dtype_range(dtype)
        return DEFAULT_VALUE_RANGE
    return check_value_range(value_range)


def check_values(
    values,
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
):
    """An op parameter: Python/NumPy values (any shape) must be finite numbers within the bounds.

    Tensors pass unchecked (their values are unknown while tracing and under XLA); ops document what
    they do with them. Returns ``values`` unchanged.

    Example:
    >>> check_values([0.5, 2.0], "gamma", 0.0, low_open=True)
    [0.5, 2.0]
    >>> check_values(-1.0, "gamma", 0.0, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: `gamma` must hold finite numbers > 0, got -1.0.
    """
    if isinstance(values, (tf.Tensor, tf.Variable)):
        return values
    try:
        array = np.asarray(values)
    except Exception:  # e.g. a list holding symbolic tensors: TF checks it when converting
        return values
    ok = array.dtype.kind in "iuf" and bool(np.all(np.isfinite(array)))
    if ok:
        ok = bool(np.all(array > low if low_open else array >= low) and np.all(array <= high))
    if not ok:
        raise ValueError(
            f"`{name}` must hold finite numbers{_bounds_text(low, high, low_open)}, got {values!r}."
        )
    return values


def check_per_sample(
    values, batch_size, name: str, trailing: tuple[int, ...] = (), dtype=tf.float32
) -> tf.Tensor:
    """A per-sample parameter of a batched op as ``[batch, *trailing]`` (``dtype``).

    ``values`` is one value for every sample (shape ``trailing``) or one per sample (``[batch, *trailing]``).
    Shapes known in Python are checked here, so a wrong batch size names the argument instead of failing
    in ``BroadcastTo``; values given in Python or NumPy must be finite. Tensors may hold NaN: ops define
    what they do with it.

    Example:
    >>> check_per_sample(0.5, 3, "angles").numpy().tolist()
    [0.5, 0.5, 0.5]
    >>> check_per_sample([1.0, 2.0], 3, "angles")
    Traceback (most recent call last):
    ...
    ValueError: `angles` must have shape [] (one for all 3 samples) or [3] (one per sample), got [2].
    """
    if not isinstance(values, (tf.Tensor, tf.Variable)):
        array = np.asarray(values)
        if array.dtype.kind in "fc" and not np.isfinite(array).all():
            raise ValueError(f"`{name}` must be finite, got {values!r}.")
    values = tf.cast(tf.convert_to_tensor(values), dtype)
    static_batch = tf.get_static_value(batch_size)
    batch_text = "batch" if static_batch is None else str(int(static_batch))
    shape = values.shape
    if shape.rank is not None:
        expected = len(trailing)
        ok = shape.rank in (expected, expected + 1) and all(
            have is None or have == want
            for have, want in zip(shape[shape.rank - expected :], trailing, strict=True)
        )
        if ok and shape.rank == expected + 1 and static_batch is not None:
            ok = shape[0] is None or shape[0] in (1, static_batch)
        if not ok:
            one = list(trailing)
            raise ValueError(
                f"`{name}` must have shape {one} (one for all {batch_text} samples) or "
                f"{[batch_text if static_batch is None else int(static_batch), *trailing]} (one per sample), "
                f"got {shape.as_list()}."
            )
        if shape.rank == len(trailing):
            values = values[tf.newaxis]
    return tf.broadcast_to(values, [batch_size, *trailing])


def _bounds_text(low: float, high: float, low_open: bool = False, high_open: bool = False) -> str:
    if low == -math.inf and high == math.inf:
        return ""
    if high == math.inf:
        return f" {'>' if low_open else '>='} {low:g}"
    if low == -math.inf:
        return f" {'<' if high_open else '<='} {high:g}"
    return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
