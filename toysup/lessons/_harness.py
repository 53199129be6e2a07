"""The course's test harness: run a student's function on named cases and compare it with the reference.

Every ``check_*`` function of :mod:`toysup.lessons` is built from these helpers. A pass prints one friendly
line; anything wrong raises ``AssertionError`` whose message names the case, what came back and what was
expected, so the student knows where to look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np


def call(name: str, case: str, function: Callable, *args: Any) -> Any:
    """``function(*args)``, with a not-yet-written stub or a crash turned into a helpful AssertionError."""
    try:
        result = function(*args)
    except NotImplementedError:
        raise AssertionError(f"{name}: not written yet — replace `raise NotImplementedError` with your code") from None
    except Exception as error:  # the student's bug: report which case triggered it, keep the traceback
        raise AssertionError(f"{name} raised {type(error).__name__} on {case}: {error}") from error
    if result is None:
        raise AssertionError(f"{name} returned None on {case} — did you forget `return`?")
    return result


def as_array(name: str, case: str, value: Any) -> np.ndarray:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"{name} on {case}: expected numbers, got {type(value).__name__} {value!r:.80}") from None


def assert_close(name: str, case: str, got: Any, expected: Any, *, atol: float = 1e-5, rtol: float = 1e-4) -> None:
    """Same shape and values equal within ``atol + rtol·|expected|``."""
    got, expected = as_array(name, case, got), np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise AssertionError(f"{name} on {case}: returned shape {got.shape}, expected shape {expected.shape}")
    wrong = ~np.isclose(got, expected, atol=atol, rtol=rtol)
    if np.any(wrong):
        where = tuple(int(i) for i in np.argwhere(wrong)[0])
        at = f" at index {where}" if where else ""
        count = f" ({int(wrong.sum())} of {wrong.size} values wrong)" if wrong.size > 1 else ""
        raise AssertionError(
            f"{name} on {case}: wrong value{at}: got {got[where]:.6g}, expected {expected[where]:.6g}{count}"
        )


def compare(
    name: str,
    student: Callable,
    reference: Callable,
    cases: Iterable[tuple[str, tuple]],
    *,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> int:
    """Check ``student(*args) ≈ reference(*args)`` on every ``(case, args)``; returns the number of cases."""
    count = 0
    for case, args in cases:
        assert_close(name, case, call(name, case, student, *args), reference(*args), atol=atol, rtol=rtol)
        count += 1
    return count


def passed(name: str, n_tests: int) -> None:
    print(f"✓ {name}: all {n_tests} tests passed")


def shapes(*arrays: Any) -> str:
    """'shapes (2, 5), (5,)' for case descriptions."""
    return "shapes " + ", ".join(str(np.shape(a)) for a in arrays)
