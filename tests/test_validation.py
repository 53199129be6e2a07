"""The one validation style: messages that name the field and the allowed range; the config base."""

import dataclasses
from typing import ClassVar

import numpy as np
import pytest

from toysup import validation


@pytest.mark.parametrize(
    "check, message",
    [
        (lambda: validation.integer("steps", 0, 1), "steps: must be >= 1, got 0"),
        (lambda: validation.integer("seed", 5, 0, 3), "seed: must be in [0, 3], got 5"),
        (lambda: validation.integer("steps", True, 1), "steps: must be an integer, got True"),
        (lambda: validation.integer("steps", 2.0, 1), "steps: must be an integer, got 2.0"),
        (lambda: validation.real("rate", 0.0, 0.0, low_open=True), "rate: must be > 0 and finite, got 0.0"),
        (lambda: validation.real("p", 1.5, 0.0, 1.0, low_open=True), "p: must be in (0, 1], got 1.5"),
        (lambda: validation.real("p", float("nan"), 0.0, 1.0), "p: must be in [0, 1], got nan"),
        (lambda: validation.real("p", "x"), "p: must be a number, got 'x'"),
        (lambda: validation.real("p", True), "p: must be a number, got True"),
        (lambda: validation.choice("model", "mlp", ("linear", "abs")), "model: must be one of linear, abs, got 'mlp'"),
        (lambda: validation.boolean("tied", 1), "tied: must be true or false, got 1"),
    ],
)
def test_messages_name_the_field_and_the_range(check, message):
    with pytest.raises(ValueError) as error:
        check()
    assert str(error.value) == message


def test_good_values_pass():
    validation.integer("steps", np.int64(3), 1)
    assert validation.real("rate", "0.5", 0.0, 1.0) == 0.5
    validation.choice("model", "abs", ("linear", "abs"))
    validation.boolean("tied", np.bool_(True))


@dataclasses.dataclass(frozen=True, kw_only=True)
class Example(validation.Config):
    TUPLE_FIELDS: ClassVar[tuple[str, ...]] = ("sizes",)
    RETIRED_FIELDS: ClassVar[tuple[str, ...]] = ("old",)
    steps: int = 1
    sizes: tuple = ()

    def validate(self) -> None:
        validation.integer("steps", self.steps, 1)


def test_the_config_base_makes_tuples_validates_and_round_trips():
    example = Example(steps=2, sizes=[1, [2, 3]])
    assert example.sizes == (1, (2, 3)) and hash(example)
    assert Example.from_dict(example.to_dict()) == example
    assert example.replace(steps=5).steps == 5
    with pytest.raises(ValueError, match="^steps: must be >= 1"):
        example.replace(steps=0)
    assert Example.from_dict({"steps": 3, "old": 7}) == Example(steps=3)  # a retired field is dropped
    with pytest.raises(ValueError, match="unknown Example field"):
        Example.from_dict({"steps": 3, "typo": 1})
    with pytest.raises(ValueError, match="must be a mapping"):
        Example.from_dict([1, 2])
