"""toysup: toy models of superposition in JAX.

>>> import toysup
>>> config = toysup.ToyConfig(n_features=5, n_hidden=2, feature_probability=0.05, steps=2000)
>>> result = toysup.train(config)          # doctest: +SKIP
>>> toysup.metrics.feature_dimensionality(result.W)   # doctest: +SKIP
"""

from . import metrics as metrics
from .config import ToyConfig as ToyConfig
from .config import geometric_importance as geometric_importance
from .config import sparsity_sweep as sparsity_sweep
from .data import generate_batch as generate_batch
from .data import sample_features as sample_features
from .engine import DivergedError as DivergedError
from .engine import progress_enabled as progress_enabled
from .engine import set_progress as set_progress
from .examples import EXAMPLES as EXAMPLES
from .examples import example_names as example_names
from .examples import load_example as load_example
from .io import load as load
from .io import save as save
from .models import ToyModel as ToyModel
from .train import TrainResult as TrainResult
from .train import train as train
from .version import __version__ as __version__


def __getattr__(name: str):
    """``toysup.load_sweep`` and ``toysup.load_recovery``, imported on first use: they need xarray, which
    ``import toysup`` should not pay for."""
    if name == "load_sweep":
        from .sweeps import load_sweep

        return load_sweep
    if name == "load_recovery":
        from .sae.recovery import load_recovery

        return load_recovery
    raise AttributeError(f"module 'toysup' has no attribute {name!r}")
