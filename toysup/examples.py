"""Named example runs, trained once and cached: ``toysup.load_example("pentagon")``.

Each example is a seeded :class:`ToyConfig` from the paper, small enough to train on a laptop's CPU in seconds.
The first call trains it and saves the run in the cache folder; later calls load it from there. The cache folder
is ``TOYSUP_CACHE`` when that environment variable is set, else the platform's cache folder (``~/.cache/toysup``
on Linux, or ``$XDG_CACHE_HOME/toysup``). A cached run is written through :func:`toysup.io.save` (a whole folder,
swapped in by renames), so a half-written one is never read; one that is damaged all the same is trained again.

>>> import toysup
>>> sorted(toysup.EXAMPLES)[:2]
['antipodal_pairs', 'basic_results']
>>> result = toysup.load_example("pentagon")        # doctest: +SKIP
>>> toysup.metrics.is_regular_polygon(result.W[0], 5)  # doctest: +SKIP
True
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from .config import ToyConfig, geometric_importance
from .io import load, save
from .storage import DamagedFileError, OutputError, plain
from .train import TrainResult, train
from .version import __version__

CACHE_VARIABLE = "TOYSUP_CACHE"
# The sparsities (1 - feature probability) of the paper's "basic results" figure, one instance each.
_BASIC_SPARSITIES = (0.0, 0.7, 0.9, 0.97, 0.99, 0.997, 0.999)


@dataclass(frozen=True)
class Example:
    """A named example run.

    Attributes:
      name: what :func:`load_example` takes.
      description: one line: what the run shows.
      config: the seeded run.
    """

    name: str
    description: str
    config: ToyConfig


def _examples() -> dict[str, Example]:
    examples = [
        Example(
            "pentagon",
            "5 features of equal importance in 2 dimensions, sparse (p = 0.05): a regular pentagon",
            ToyConfig(
                n_features=5, n_hidden=2, feature_probability=0.05, restarts=4, steps=3000, learning_rate=1e-2, seed=0
            ),
        ),
        Example(
            "antipodal_pairs",
            "4 features of equal importance in 2 dimensions, sparse (p = 0.05): two antipodal pairs on orthogonal axes",
            ToyConfig(
                n_features=4, n_hidden=2, feature_probability=0.05, restarts=4, steps=3000, learning_rate=1e-2, seed=0
            ),
        ),
        Example(
            "dense_two_dimensions",
            "5 features of importance 0.9^i in 2 dimensions, dense: the two most important kept, orthogonal, no "
            "superposition",
            ToyConfig(
                n_features=5,
                n_hidden=2,
                feature_probability=1.0,
                importance=geometric_importance(5, 0.9),
                restarts=2,
                steps=2000,
                learning_rate=1e-2,
                seed=0,
            ),
        ),
        Example(
            "basic_results",
            "20 features of importance 0.7^i in 5 dimensions, one instance per sparsity 0 … 0.999: superposition "
            "grows with sparsity",
            ToyConfig(
                n_features=20,
                n_hidden=5,
                n_instances=len(_BASIC_SPARSITIES),
                importance_decay=0.7,
                feature_probability=tuple(1.0 - s for s in _BASIC_SPARSITIES),
                steps=2000,
                batch_size=512,
                learning_rate=1e-2,
                seed=0,
            ),
        ),
        Example(
            "phase_change",
            "2 features in 1 dimension, the second 3× as important as the first, dense to sparse: one feature "
            "stored, then both in superposition as an antipodal pair",
            ToyConfig(
                n_features=2,
                n_hidden=1,
                n_instances=4,
                importance=(1.0, 3.0),
                feature_probability=(1.0, 0.3, 0.1, 0.03),
                restarts=4,
                steps=3000,
                learning_rate=1e-2,
                seed=0,
            ),
        ),
    ]
    return {example.name: example for example in examples}


EXAMPLES: dict[str, Example] = _examples()


def example_names() -> list[str]:
    """The names :func:`load_example` takes, sorted."""
    return sorted(EXAMPLES)


def cache_folder() -> Path:
    """Where examples are cached: ``TOYSUP_CACHE``, else the platform's cache folder for toysup."""
    configured = os.environ.get(CACHE_VARIABLE, "").strip()
    if configured:
        return Path(configured).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "toysup" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "toysup"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "toysup"


def example_path(name: str, cache: str | Path | None = None) -> Path:
    """The folder of example ``name``'s cached run: named by the example and a hash of its config and toysup's
    version, so that a changed example or a new toysup never reads an old run."""
    example = _example(name)
    text = json.dumps({"config": plain(example.config.to_dict()), "toysup": __version__}, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Path(cache_folder() if cache is None else cache) / "examples" / f"{name}-{digest}"


def load_example(name: str, *, cache: str | Path | None = None, retrain: bool = False) -> TrainResult:
    """The trained run of example ``name`` (one of :data:`EXAMPLES`): loaded from the cache, or trained and cached.

    Args:
      name: the example, e.g. ``"pentagon"``; :func:`example_names` lists them.
      cache: the cache folder; default :func:`cache_folder`.
      retrain: train again and replace the cached run.

    A cached run that cannot be read (damaged, truncated) is trained again and replaced. When the cache cannot be
    written (read-only, another process writing the same example), the trained run is returned with a warning.

    Raises:
      ValueError: an unknown name (the message lists the known ones).
    """
    path = example_path(name, cache)
    config = EXAMPLES[name].config
    if path.exists() and not retrain:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a partial run's warning: it is retrained below
                result = load(path)
            if result.config != config or result.steps_done != config.steps:
                raise DamagedFileError(f"{path}: holds another run than example {name!r}")
            return result
        except DamagedFileError as error:
            warnings.warn(f"example {name!r}: retraining, the cached run is damaged ({error})", stacklevel=2)
            shutil.rmtree(path, ignore_errors=True)  # the cache's own folder, which save would refuse to replace
    result = train(config)
    if result.steps_done < result.config.steps:
        return result  # interrupted: never cached
    try:
        save(result, path, overwrite=True, owner="examples")
    except (OSError, OutputError) as error:
        warnings.warn(f"example {name!r}: not cached ({error})", stacklevel=2)
    return result


def _example(name: str) -> Example:
    if not isinstance(name, str) or name not in EXAMPLES:
        raise ValueError(f"example: must be one of {', '.join(example_names())}, got {name!r}")
    return EXAMPLES[name]
