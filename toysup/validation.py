"""One way to validate settings: checks that raise ``ValueError("<field>: must be …, got …")``, and the base of
every config dataclass.

Every message names the field and the allowed range, so the CLI and the app can print it as it is. Configs
(``ToyConfig``, ``SAEConfig``) are frozen, keyword-only dataclasses deriving from :class:`Config`, which gives
them ``to_dict`` / ``from_dict`` / ``replace`` and turns lists into tuples so they stay hashable.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

import numpy as np

C = TypeVar("C", bound="Config")


def is_integer(value: Any) -> bool:
    """True for Python and numpy integers, False for booleans (``True`` is not a count)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def integer(name: str, value: Any, low: int, high: int | None = None) -> None:
    """``value`` must be an integer in [low, high] (no upper bound when ``high`` is None)."""
    if not is_integer(value):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"in [{low}, {high}]" if high is not None else f">= {low}"
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


def as_tuple(value: Any) -> Any:
    """Lists and arrays (from JSON, the CLI or numpy) become nested tuples of Python scalars, so configs stay
    hashable and frozen; anything else is returned as it is."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(as_tuple(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


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
        for name in self.TUPLE_FIELDS:
            object.__setattr__(self, name, as_tuple(getattr(self, name)))
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


__all__ = ["Config", "as_tuple", "boolean", "choice", "integer", "interval", "is_integer", "real"]
