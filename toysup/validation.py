"""One way to validate settings: checks that raise ``ValueError("<field>: must be …, got …")``, and the base of
every config dataclass.

Every message names the field and the allowed range, so the CLI and the app can print it as it is. Configs
(``ToyConfig``, ``SAEConfig``) are frozen, keyword-only dataclasses deriving from :class:`Config`, which gives
them ``to_dict`` / ``from_dict`` / ``replace``, turns lists into tuples so they stay hashable and numpy scalars
into Python numbers.

Sizes are bounded twice before anything is allocated: every count by :data:`MAX_SIZE` (the compiled programs
index with 32-bit integers), and a config's estimated memory by :func:`check_memory` against
:func:`memory_budget` (half the machine's memory, or ``TOYSUP_MEMORY_GB``), so a huge setting is refused in
microseconds with one line instead of failing minutes later with a ``MemoryError`` or a hung machine.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

C = TypeVar("C", bound="Config")

MAX_SIZE = 2**31 - 1  # sizes, counts, steps and the elements of one array: XLA indexes them with 32-bit integers
MEMORY_ENV = "TOYSUP_MEMORY_GB"  # overrides the memory budget, in GB (10**9 bytes)
FALLBACK_MEMORY = 8e9  # assumed physical memory where the operating system does not say
# Adam moves every weight by about the learning rate per step, whatever the gradient's scale, and the weights of
# toy models and SAEs are of order 1: rates near 1 already overshoot, and rates above this bound can only diverge.
MAX_LEARNING_RATE = 1e3
# Coefficients (importances, penalties) weight float32 terms of order 1 or less: beyond 1e30 a product with them
# overflows float32's 3.4e38, below 1e-30 (importances) it falls under its normal range.
MAX_COEFFICIENT = 1e30


def is_integer(value: Any) -> bool:
    """True for Python and numpy integers, False for booleans (``True`` is not a count)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(name: str, value: Any, low: int, high: int | None = None) -> None:
    """``value`` must be an integer in [low, high] (no upper bound when ``high`` is None).

    A ``high`` of :data:`MAX_SIZE` or more is a technical bound, not part of the setting's meaning: the message
    names only the bound that was crossed (``>= 1``, or ``<= 2147483647``)."""
    if not is_integer(value):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        if high is None or (high >= MAX_SIZE and value < low):
            bound = f">= {low}"
        elif high >= MAX_SIZE:
            bound = f"<= {high}"
        else:
            bound = f"in [{low}, {high}]"
        raise ValueError(f"{name}: must be {bound}, got {value}")


def real(
    name: str,
    value: Any,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` must be a finite number in the interval from ``low`` to ``high`` (open ends as flagged);
    returns it as a float. An infinite bound is always open."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name}: must be a number, got {value!r}") from None
    too_low = number <= low if low_open else number < low
    too_high = number >= high if high_open else number > high
    if not math.isfinite(number) or too_low or too_high:
        raise ValueError(f"{name}: must be {interval(low, high, low_open, high_open)}, got {value!r}")
    return number


def coefficient(name: str, value: Any, *, low_open: bool = False) -> float:
    """``value`` must be a finite number >= 0 (> 0 with ``low_open``) and at most :data:`MAX_COEFFICIENT`, as
    any coefficient that multiplies float32 terms of order 1; returns it as a float."""
    number = real(name, value, 0.0, math.inf, low_open=low_open)
    if number > MAX_COEFFICIENT:
        raise ValueError(
            f"{name}: must be <= {MAX_COEFFICIENT:g} (it multiplies float32 terms, which would overflow), got {value!r}"
        )
    return number


def learning_rate(name: str, value: Any) -> float:
    """``value`` must be a learning rate in (0, :data:`MAX_LEARNING_RATE`]; returns it as a float."""
    number = real(name, value, 0.0, math.inf, low_open=True)
    if number > MAX_LEARNING_RATE:
        raise ValueError(
            f"{name}: must be <= {MAX_LEARNING_RATE:g} (Adam moves every weight by about the learning rate per "
            f"step, and the weights are of order 1, so a larger rate can only diverge), got {value!r}"
        )
    return number


def interval(low: float, high: float, low_open: bool = False, high_open: bool = False) -> str:
    """The allowed range in words: ``in (0, 1]``, ``> 0``, ``>= 0`` …"""
    if math.isinf(high):
        return f"{'>' if low_open else '>='} {low:g} and finite"
    if math.isinf(low):
        return f"{'<' if high_open else '<='} {high:g}"
    return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def choice(name: str, value: Any, allowed: Sequence[str]) -> None:
    """``value`` must be one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}: must be one of {', '.join(allowed)}, got {value!r}")


def boolean(name: str, value: Any) -> None:
    """``value`` must be ``True`` or ``False``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: must be true or false, got {value!r}")


def at_most(name: str, value: int, high: int) -> None:
    """A product of sizes (named like ``n_features × batch_size``) must not exceed ``high``."""
    if value > high:
        raise ValueError(f"{name}: must be at most {high}, got {value}")


def as_tuple(value: Any) -> Any:
    """Lists and arrays (from JSON, the CLI or numpy) become nested tuples of Python scalars, so configs stay
    hashable and frozen; numpy scalars (and 0-d arrays) become Python numbers; anything else is returned as it
    is."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(as_tuple(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def memory_budget() -> tuple[float, str]:
    """The bytes one run may use and where that figure comes from.

    ``TOYSUP_MEMORY_GB`` (in GB, 10**9 bytes) when set; else half of this machine's physical memory (page size ×
    physical pages), which leaves the rest to the operating system, XLA's own buffers and other programs.
    """
    text = os.environ.get(MEMORY_ENV, "").strip()
    if text:
        try:
            gigabytes = float(text)
        except ValueError:
            gigabytes = math.nan
        if not (math.isfinite(gigabytes) and gigabytes > 0):
            raise ValueError(f"{MEMORY_ENV}: must be a number of GB > 0, got {text!r}")
        return gigabytes * 1e9, f"set by {MEMORY_ENV}"
    try:
        physical = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # not a POSIX system, or it does not say
        physical = FALLBACK_MEMORY
    if physical <= 0:
        physical = FALLBACK_MEMORY
    return physical / 2, f"half this machine's memory; set {MEMORY_ENV} to change it"


def format_bytes(count: float) -> str:
    """``37.2 GB``, ``512 MB``, ``3.0 kB``: decimal units, one decimal below 100 of the unit."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            return f"{count / size:.1f} {unit}" if count / size < 100 else f"{count / size:.0f} {unit}"
    return f"{count:.0f} bytes"


def check_memory(terms: dict[str, float]) -> None:
    """Refuse a run whose estimated memory exceeds :func:`memory_budget`.

    ``terms`` maps what needs memory (named by its product of sizes, e.g. ``n_instances × restarts × n_features ×
    batch_size``) to its bytes; the message names the largest, the total and the budget, e.g. ``n_features ×
    batch_size: the run needs about 37.2 GB, more than the 12.0 GB budget (half this machine's memory; set
    TOYSUP_MEMORY_GB to change it)``.
    """
    needed = float(sum(terms.values()))
    budget, source = memory_budget()
    if needed > budget:
        largest = max(terms, key=lambda name: terms[name])
        raise ValueError(
            f"{largest}: the run needs about {format_bytes(needed)}, more than the {format_bytes(budget)} budget "
            f"({source})"
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class Config:
    """Base of the config dataclasses: subclasses list their sequence-valued fields in ``TUPLE_FIELDS`` (made
    tuples before validation) and implement ``validate()``.

    ``RETIRED_FIELDS`` are names that files written by earlier versions may hold and that no longer mean
    anything (e.g. ``chunk_steps``, now an argument of the training call): ``from_dict`` drops them, so saved
    runs keep loading; any other unknown name is an error.
    """

    TUPLE_FIELDS: ClassVar[tuple[str, ...]] = ()
    RETIRED_FIELDS: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        # numpy scalars and arrays (from a grid, a sweep or a dataset) become plain Python values in every field, so
        # a config built from numpy values validates, hashes, compares and saves like any other.
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name in self.TUPLE_FIELDS or isinstance(value, (np.generic, np.ndarray)):
                object.__setattr__(self, field.name, as_tuple(value))
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad field."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls: type[C], values: dict[str, Any]) -> C:
        """Build a config from a dict (e.g. a saved ``config.json``); unknown keys are an error."""
        if not isinstance(values, dict):
            raise ValueError(
                f"config: a {cls.__name__} must be a mapping of field names to values, got {type(values).__name__}"
            )
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known - set(cls.RETIRED_FIELDS))
        if unknown:
            raise ValueError(f"config: unknown {cls.__name__} field(s) {', '.join(map(str, unknown))}")
        return cls(**{name: value for name, value in values.items() if name in known})

    def replace(self: C, **changes: Any) -> C:
        return dataclasses.replace(self, **changes)


__all__ = [
    "MAX_COEFFICIENT",
    "MAX_LEARNING_RATE",
    "MAX_SIZE",
    "MEMORY_ENV",
    "Config",
    "as_tuple",
    "at_most",
    "boolean",
    "check_memory",
    "choice",
    "coefficient",
    "format_bytes",
    "integer",
    "interval",
    "is_integer",
    "learning_rate",
    "memory_budget",
    "real",
]
