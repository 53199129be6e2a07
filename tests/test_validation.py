"""The one validation style: messages that name the field and the allowed range; the config base."""

import dataclasses
import os
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


def test_numpy_scalars_and_arrays_become_python_values():
    import json

    from toysup import ToyConfig

    config = ToyConfig(
        n_features=np.int64(4),
        n_hidden=np.int32(2),
        n_instances=np.int64(2),
        feature_probability=np.asarray([0.5, 0.25]),
        importance=np.float32(2.0),
        importance_decay=np.array(0.5),  # a 0-d array
        learning_rate=np.float32(0.01),
        correlated_sets=np.asarray([2]),
        seed=np.uint8(3),
    )
    assert type(config.n_features) is int and type(config.seed) is int and type(config.n_hidden) is int
    assert type(config.learning_rate) is float and type(config.importance_decay) is float
    assert config.feature_probability == (0.5, 0.25) and config.correlated_sets == (2,)
    assert ToyConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config and hash(config)
    example = Example(steps=np.int16(4), sizes=np.arange(2))
    assert type(example.steps) is int and example.sizes == (0, 1)


def test_large_bounds_name_only_the_bound_crossed():
    assert validation.MAX_SIZE == 2**31 - 1
    with pytest.raises(ValueError, match=r"^steps: must be >= 1, got 0$"):
        validation.integer("steps", 0, 1, validation.MAX_SIZE)
    with pytest.raises(ValueError, match=r"^steps: must be <= 2147483647, got 10000000000$"):
        validation.integer("steps", 10**10, 1, validation.MAX_SIZE)
    with pytest.raises(ValueError, match=r"^n_features × batch_size: must be at most 5, got 6$"):
        validation.at_most("n_features × batch_size", 6, 5)
    with pytest.raises(ValueError, match=r"^l1: must be <= 1e\+30 \(it multiplies float32 terms"):
        validation.coefficient("l1", 1e31)
    with pytest.raises(ValueError, match=r"^l1: must be >= 0 and finite, got -1"):
        validation.coefficient("l1", -1)
    with pytest.raises(ValueError, match=r"^lr: must be <= 1000 \(Adam moves every weight"):
        validation.learning_rate("lr", 1e4)
    with pytest.raises(ValueError, match=r"^lr: must be > 0 and finite, got inf"):
        validation.learning_rate("lr", float("inf"))


def test_the_memory_budget_is_half_the_machine_or_the_environment(monkeypatch):
    monkeypatch.delenv(validation.MEMORY_ENV, raising=False)
    budget, source = validation.memory_budget()
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert budget == physical / 2 and source == "half this machine's memory; set TOYSUP_MEMORY_GB to change it"
    monkeypatch.setenv(validation.MEMORY_ENV, "12")
    assert validation.memory_budget() == (12e9, "set by TOYSUP_MEMORY_GB")
    with pytest.raises(ValueError) as error:
        validation.check_memory({"n_features × batch_size": 37.2e9, "steps": 1e6})
    assert str(error.value) == (
        "n_features × batch_size: the run needs about 37.2 GB, more than the 12.0 GB budget (set by TOYSUP_MEMORY_GB)"
    )
    validation.check_memory({"n_features × batch_size": 11e9})  # within the budget
    for bad in ("0", "-1", "nan", "lots"):
        monkeypatch.setenv(validation.MEMORY_ENV, bad)
        with pytest.raises(ValueError, match="^TOYSUP_MEMORY_GB: must be a number of GB > 0"):
            validation.memory_budget()
    assert validation.format_bytes(512e6) == "512 MB" and validation.format_bytes(3) == "3 bytes"
