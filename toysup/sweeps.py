"""Sweeps: any config setting over a grid, every grid point × seed × restart an instance of one batched run.

A sweep is a base :class:`ToyConfig` (one instance) and axes. An axis names a config field
(``importance_decay``, ``n_hidden``, ``seed`` …) or one feature of a per-feature field
(``importance[1]``, ``feature_probability[0]``), with values. Grid points that differ only in the
array-valued fields (feature probability, importance, importance decay) share one compiled program; points that
change a static setting (sizes, model, learning rate, steps, seed …) are trained in groups, one compile each.

Work is split into chunks of at most ``chunk_copies`` copies, run by ``toysup.chunks``: each finished chunk
is written to ``DIR/chunks/`` at once, and running the same sweep into the same folder again skips finished
chunks, so an interrupted sweep resumes (a damaged chunk is trained again). Under ``jax.distributed`` each
process takes every ``process_count``-th chunk and process 0 writes the assembled result. The result is an
``xarray.Dataset`` saved as netCDF (``DIR/sweep.nc``, written atomically and rebuilt from the chunks on every
run, so a damaged one never blocks a rerun): the axes and ``seed`` as coordinates; ``W``, ``b`` (or ``W1``,
``W2``, ``b``), ``loss``, ``loss_history`` and the geometry metrics as variables; the sweep's settings as
attributes. NetCDF 3 is kept over compressed, chunked formats (netCDF 4 through h5netcdf, zarr): trained float32
values compress by under a fifth, at many times the write and read time (``benchmarks/bench_storage.py``).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np
import xarray as xr

from . import metrics
from .chunks import manifest_fingerprint, read_chunk, read_dataset, run_chunks, write_dataset
from .config import ToyConfig
from .engine import DEFAULT_CHUNK_STEPS, DEFAULT_LOG_EVERY, check_loop
from .models import kind
from .train import ProgramKey, best_restarts, compile_key, train_copies
from .validation import MAX_SIZE, at_most, check_memory, integer
from .version import __version__

KIND = "sweep"  # the kind of result a sweep's folder holds (its toysup.json)
ARRAY_FIELDS = ("feature_probability", "importance", "importance_decay")
PER_FEATURE_FIELDS = ("feature_probability", "importance")
NOT_SWEEPABLE = ("n_instances", "restarts", "seed")
# A sweep validates a config per grid point (tens of microseconds each) before it trains: 10**5 points keep that
# to seconds. Grid points × seeds are the sweep's instances, listed one by one when it plans its chunks.
MAX_GRID_POINTS = 100_000
MAX_SWEEP_INSTANCES = 10_000_000
_AXIS_NAME = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?$")


def logspace(start: float, stop: float, num: int) -> tuple[float, ...]:
    """``num`` values from 10**start to 10**stop, evenly spaced in the exponent."""
    return tuple(float(v) for v in np.logspace(start, stop, int(num)))


def linspace(start: float, stop: float, num: int) -> tuple[float, ...]:
    """``num`` evenly spaced values from start to stop."""
    return tuple(float(v) for v in np.linspace(start, stop, int(num)))


@dataclass(frozen=True)
class Axis:
    """One sweep axis: a config field, or one feature of a per-feature field (``importance[1]``), and values."""

    name: str
    values: tuple

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ValueError(f"axis {self.name!r}: the name must be a string like 'feature_probability'")
        if isinstance(self.values, (str, bytes)) or not isinstance(self.values, (tuple, list, np.ndarray)):
            raise ValueError(f"axis {self.name!r}: must be a list of values, got {self.values!r}")
        object.__setattr__(self, "values", tuple(v.item() if isinstance(v, np.generic) else v for v in self.values))
        for value in self.values:
            if not isinstance(value, (int, float, str)):
                raise ValueError(f"axis {self.name!r}: values must be numbers or names, got {value!r}")
        if len(self.values) > MAX_GRID_POINTS:
            raise ValueError(f"axis {self.name!r}: must have at most {MAX_GRID_POINTS} values, got {len(self.values)}")
        match = _AXIS_NAME.match(self.name)
        fields = {f.name for f in dataclasses.fields(ToyConfig)}
        if match is None or match.group(1) not in fields:
            raise ValueError(f"axis {self.name!r}: must name a config field, one of {', '.join(sorted(fields))}")
        if match.group(1) in NOT_SWEEPABLE:
            raise ValueError(f"axis {self.name!r}: cannot be swept (use the sweep's seeds and restarts instead)")
        if match.group(2) is not None and match.group(1) not in PER_FEATURE_FIELDS:
            raise ValueError(f"axis {self.name!r}: only {', '.join(PER_FEATURE_FIELDS)} take a [feature] index")
        if not self.values:
            raise ValueError(f"axis {self.name!r}: needs at least one value")
        if len(set(self.values)) != len(self.values):
            raise ValueError(f"axis {self.name!r}: values must be distinct")

    @property
    def field(self) -> str:
        return _AXIS_NAME.match(self.name).group(1)

    @property
    def feature(self) -> int | None:
        index = _AXIS_NAME.match(self.name).group(2)
        return None if index is None else int(index)

    @property
    def dim(self) -> str:
        """The dataset dimension name: ``importance[1]`` becomes ``importance_1``."""
        return self.name if self.feature is None else f"{self.field}_{self.feature}"


def parse_axis(text: str) -> Axis:
    """Parse ``name=v1,v2,…``, ``name=logspace(a,b,n)`` or ``name=linspace(a,b,n)``."""
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip().replace(" ", "")
    if not sep or not name or not spec:
        raise ValueError(f"axis {text!r}: expected NAME=VALUES, e.g. feature_probability=logspace(-2,0,8)")
    function = re.fullmatch(r"(logspace|linspace)\(([^,]+),([^,]+),(\d+)\)", spec)
    if function and int(function.group(4)) > MAX_GRID_POINTS:  # before np.logspace allocates them
        raise ValueError(f"axis {name!r}: must have at most {MAX_GRID_POINTS} values, got {int(function.group(4))}")
    try:
        if function:
            kind, start, stop, num = function.groups()
            if int(num) < 1:
                raise ValueError
            values = (logspace if kind == "logspace" else linspace)(float(start), float(stop), int(num))
        else:
            values = tuple(_number(item) for item in spec.split(",") if item)
    except ValueError:
        raise ValueError(
            f"axis {name!r}: values must be numbers, logspace(a,b,n) or linspace(a,b,n), got {spec!r}"
        ) from None
    return Axis(name, values)


def _number(text: str) -> Any:
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[a-z_]+", text):  # a model or optimiser name
        return text
    return float(text)


@dataclass(frozen=True, kw_only=True)
class SweepSpec:
    """A sweep.

    Attributes:
      base: the config every grid point starts from; must have ``n_instances=1``.
      axes: the swept settings; the grid is their product (first axis slowest).
      seeds: independent seeds per grid point (a ``seed`` dimension), >= 1.
      chunk_copies: at most this many copies (instances × restarts) trained at once, >= 1.
    """

    base: ToyConfig
    axes: tuple[Axis, ...]
    seeds: int = 1
    chunk_copies: int = 4096

    def __post_init__(self) -> None:
        object.__setattr__(self, "axes", tuple(self.axes))
        if self.base.n_instances != 1:
            raise ValueError(
                f"base.n_instances: must be 1 in a sweep (the grid makes the instances), got {self.base.n_instances}"
            )
        integer("seeds", self.seeds, 1, MAX_SIZE)
        integer("chunk_copies", self.chunk_copies, 1, MAX_SIZE)
        if not self.axes:
            raise ValueError("axes: a sweep needs at least one axis (--axis, or an [axes] table), got none")
        if not all(isinstance(axis, Axis) for axis in self.axes):
            raise ValueError(f"axes: must be Axis objects, got {self.axes!r}")
        dims = [axis.dim for axis in self.axes]
        if len(set(dims)) != len(dims):
            raise ValueError(f"axes: each setting may be swept once, got {', '.join(dims)}")
        points = math.prod(self.shape)
        at_most("grid points", points, MAX_GRID_POINTS)
        at_most("grid points × seeds", points * self.seeds, MAX_SWEEP_INSTANCES)
        at_most("grid points × seeds × restarts", points * self.seeds * self.base.restarts, MAX_SIZE)
        self.check_memory(self.point_configs())  # validates every grid point before any compute

    def check_memory(self, configs: list[ToyConfig]) -> None:
        """Refuse a sweep whose largest chunk of copies, or its assembled dataset, would not fit the memory budget
        (see :meth:`toysup.config.ToyConfig.memory_terms`)."""
        restarts = self.base.restarts
        per_chunk = max(1, self.chunk_copies // restarts)
        groups: dict[tuple, tuple[ToyConfig, int]] = {}
        stored = 0
        for config in configs:
            key = (compile_key(config), config.seed)
            first, count = groups.get(key, (config, 0))
            groups[key] = (first, count + self.seeds)
            # Each point's stored values, read, gathered and reshaped.
            stored += 3 * 4 * self.seeds * _stored_values(config)
        for config, count in groups.values():
            check_memory(config.memory_terms(copies=min(per_chunk, count) * restarts))
        check_memory({"grid points × seeds × (parameters + loss history)": stored})

    def result_bytes(self) -> int:
        """About how many bytes the sweep writes: its chunks and ``sweep.nc`` (what ``--out`` must have free)."""
        return 2 * 4 * self.seeds * sum(_stored_values(config) for config in self.point_configs()) + 2**20

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(axis.values) for axis in self.axes)

    def point_configs(self) -> list[ToyConfig]:
        """The config of every grid point, in C order over the axes.

        The axes apply in order; the configs of the leading axes' values are built once and shared by the points
        under them, so a grid costs about one validated config per point.
        """
        configs = []
        leading: dict[tuple, ToyConfig] = {(): self.base}
        last = len(self.axes) - 1
        for values in itertools.product(*(axis.values for axis in self.axes)):
            for depth, (axis, value) in enumerate(zip(self.axes, values)):
                prefix = values[: depth + 1]
                config = leading.get(prefix)
                if config is None:
                    try:
                        config = _with_axis_value(leading[values[:depth]], axis, value)
                    except ValueError as error:
                        raise ValueError(f"axis {axis.name!r}: {error}") from None
                    if depth < last:
                        leading[prefix] = config
            configs.append(config)
        return configs

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base.to_dict(),
            "axes": [[a.name, list(a.values)] for a in self.axes],
            "seeds": self.seeds,
            "chunk_copies": self.chunk_copies,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SweepSpec:
        return cls(
            base=ToyConfig.from_dict(values["base"]),
            axes=tuple(Axis(n, tuple(v)) for n, v in values["axes"]),
            seeds=values["seeds"],
            chunk_copies=values["chunk_copies"],
        )


def _stored_values(config: ToyConfig) -> int:
    """Float32 values a sweep keeps per grid point and seed: the parameters, the loss history and the per-feature
    metrics."""
    shapes = kind(config.model).param_shapes(config.n_features, config.n_hidden)
    parameters = sum(int(np.prod(shape)) for shape in shapes.values())
    return parameters + 8 * config.n_features + -(-config.steps // DEFAULT_LOG_EVERY) + 8


def _with_axis_value(config: ToyConfig, axis: Axis, value: Any) -> ToyConfig:
    if axis.feature is None:
        return config.replace(**{axis.field: value})
    if axis.feature >= config.n_features:
        raise ValueError(f"feature index must be in [0, {config.n_features - 1}], got {axis.feature}")
    row = (
        config.feature_probability_array() if axis.field == "feature_probability" else config.given_matrix("importance")
    )
    row = [float(v) for v in row[0]]
    row[axis.feature] = float(value)
    return config.replace(**{axis.field: (tuple(row),)})


@dataclass(frozen=True)
class _Chunk:
    """Instances ``instances`` (global ids) of one compiled program and seed, trained together."""

    index: int
    program: ProgramKey
    seed: int
    instances: np.ndarray


def _plan(spec: SweepSpec) -> tuple[list[ToyConfig], list[_Chunk]]:
    """Grid point configs and the chunks of instances (instance g = point · seeds + seed)."""
    configs = spec.point_configs()
    groups: dict[tuple, list[int]] = {}
    for point, config in enumerate(configs):
        key = (compile_key(config), config.seed)
        groups.setdefault(key, []).extend(range(point * spec.seeds, (point + 1) * spec.seeds))
    per_chunk = max(1, spec.chunk_copies // spec.base.restarts)
    chunks = []
    for (program, seed), instances in groups.items():
        for start in range(0, len(instances), per_chunk):
            chunks.append(_Chunk(len(chunks), program, seed, np.asarray(instances[start : start + per_chunk])))
    return configs, chunks


def _train_chunk(
    spec: SweepSpec, configs: list[ToyConfig], chunk: _Chunk, loop: dict[str, int], progress: bool
) -> dict[str, np.ndarray] | None:
    """Train one chunk; its arrays, or None when interrupted."""
    restarts = spec.base.restarts
    n_total = len(configs) * spec.seeds
    points = chunk.instances // spec.seeds
    probability = np.stack([configs[p].feature_probability_array()[0] for p in points])
    importance = np.stack([configs[p].importance_array()[0] for p in points])
    # Restart-major copies with global ids, so a copy's keys do not depend on the chunking.
    copy_ids = (np.arange(restarts)[:, None] * n_total + chunk.instances[None, :]).ravel()
    copies = train_copies(
        chunk.program,
        chunk.seed,
        np.tile(probability, (restarts, 1)),
        np.tile(importance, (restarts, 1)),
        copy_ids,
        progress=progress,
        **loop,
    )
    if copies.steps_done < chunk.program.steps:
        return None
    keep = best_restarts(copies.final_loss, restarts)
    arrays = {f"param_{name}": value[keep] for name, value in copies.params.items()}
    return {
        "instances": chunk.instances,
        "loss": copies.final_loss[keep],
        "loss_history": copies.loss_history[:, keep].T,
        **arrays,
    }


def run_sweep(
    spec: SweepSpec,
    directory: str | Path,
    *,
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
    log_every: int = DEFAULT_LOG_EVERY,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    kind: str = KIND,
    overwrite: bool = False,
) -> xr.Dataset:
    """Run (or resume) a sweep into ``directory`` and return its dataset (also saved as ``sweep.nc``).

    Args:
      spec: the sweep.
      directory: where chunks and the result are written; re-running into it resumes. It must be new, empty or
        a toysup result of ``kind`` (checked before any compute).
      chunk_steps: steps per compiled chunk of steps (see :func:`toysup.train.train`).
      log_every: the loss history keeps the mean of each block of this many steps; part of the result, so a
        sweep resumes only with the same value.
      progress: tqdm bars for chunks and for steps within a chunk.
      on_progress: called as ``on_progress(chunks_done, chunks_total)`` after each chunk.
      kind: the kind of result the folder holds (``phase`` when it is a phase diagram's).
      overwrite: start afresh, removing what an earlier sweep of this kind left in ``directory``.

    Raises:
      OutputError: the folder holds something else or a different sweep (without ``overwrite``), before any
        compute.
      KeyboardInterrupt: after Ctrl-C, once the chunks finished so far are safely written.
    """
    check_loop(chunk_steps, log_every)
    configs, chunks = _plan(spec)
    loop = {"chunk_steps": chunk_steps, "log_every": log_every}
    description = spec.to_dict() if log_every == DEFAULT_LOG_EVERY else {**spec.to_dict(), "log_every": log_every}
    run_chunks(
        directory,
        description,
        len(chunks),
        lambda index: _train_chunk(spec, configs, chunks[index], loop, progress),
        kind=kind,
        overwrite=overwrite,
        progress=progress,
        on_progress=on_progress,
    )
    dataset = assemble(spec, directory)
    if jax.process_index() == 0:
        write_dataset(dataset, Path(directory) / "sweep.nc")
    return dataset


def assemble(spec: SweepSpec, directory: str | Path) -> xr.Dataset:
    """Gather the finished chunks of ``directory`` into the labelled dataset.

    Variables of grid points with smaller sizes (a swept ``n_hidden``, ``n_features`` or ``steps``) are padded
    with NaN to the largest.
    """
    directory = Path(directory)
    configs, chunks = _plan(spec)
    n_instances = len(configs) * spec.seeds
    work = manifest_fingerprint(directory)
    pieces: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for chunk in chunks:
        values = read_chunk(directory, chunk.index, work)
        instances = values.pop("instances")
        W = values.get("param_W1", values.get("param_W"))
        values.update({name: np.asarray(value, np.float32) for name, value in metrics.summary(W).items()})
        for name, value in values.items():
            pieces.setdefault(name, []).append((instances, value))

    grid = spec.shape + (spec.seeds,)
    dims = tuple(axis.dim for axis in spec.axes) + ("seed",)
    coords = {axis.dim: np.asarray(axis.values) for axis in spec.axes}
    coords["seed"] = np.arange(spec.seeds)
    variables = {}
    for name, parts in pieces.items():
        shape = tuple(np.max([value.shape[1:] for _, value in parts], axis=0).astype(int))
        full = np.full((n_instances, *shape), np.nan, np.float32)
        for instances, value in parts:
            full[(instances, *(slice(0, size) for size in value.shape[1:]))] = value
        label = name.removeprefix("param_")
        variables[label] = (dims + _extra_dims(label, len(shape)), full.reshape(grid + shape))
    attrs = {"sweep": json.dumps(spec.to_dict()), "toysup_version": __version__, "jax_version": jax.__version__}
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def _extra_dims(label: str, ndim: int) -> tuple[str, ...]:
    """Names of a per-instance variable's own dimensions."""
    if label in ("W", "W1"):
        return ("hidden", "feature")
    if label == "W2":
        return ("feature", "hidden")
    if label == "loss_history":
        return ("log_step",)
    return ("feature",)[:ndim]


def load_sweep(directory: str | Path) -> xr.Dataset:
    """The dataset of a finished sweep (``DIR/sweep.nc``); ``DamagedFileError`` (a ``ValueError``) when it is
    missing, truncated or damaged — running the sweep again rebuilds it from the chunks."""
    return read_dataset(Path(directory) / "sweep.nc", "not a finished toysup sweep", "corrupted sweep")


def sweep_spec(base: ToyConfig, axes: Sequence[Axis | str] | dict[str, Sequence], **options: Any) -> SweepSpec:
    """Convenience: axes as ``Axis`` objects, ``"name=values"`` strings, or a ``{name: values}`` dict."""
    if isinstance(axes, dict):
        axes = [Axis(name, tuple(values)) for name, values in axes.items()]
    return SweepSpec(base=base, axes=tuple(a if isinstance(a, Axis) else parse_axis(a) for a in axes), **options)
