r"""Sparse autoencoders scored against known ground truth.

    >>> from toysup import sae
    >>> data = sae.synthetic_activations(512, 256, mean_active=5.0)
    >>> settings = sae.derive_settings("topk", data)     # k, latents, steps… from the data, with reasons
    >>> print("\n".join(settings.lines()))               # doctest: +SKIP
    >>> config = sae.SAEConfig(arch="topk", n_inputs=256, n_latents=1024, k=5, steps=500)
    >>> result = sae.train_sae(config, data)            # doctest: +SKIP
    >>> sae.evaluate(result, data)["mcc"]               # doctest: +SKIP

Layout: ``config`` (SAEConfig) → ``data`` (toy-model and synthetic activations) → ``models`` (five
architectures, one interface) → ``train`` (batched, compiled) → ``metrics`` (recovery scores) →
``recovery`` (phase diagram) → ``plots``; ``toysup.cli.sae`` adds ``toysup sae``. With ``SAEConfig.n_outputs`` set
the same machine is a transcoder, trained on a toy model's (input, output) pairs (``transcoder_activations``; see
``toysup.circuits.transcoders``).
"""

from . import metrics as metrics
from .config import ARCHITECTURES as ARCHITECTURES
from .config import SAEConfig as SAEConfig
from .config import derive_settings as derive_settings
from .data import Activations as Activations
from .data import stack as stack
from .data import synthetic_activations as synthetic_activations
from .data import toy_activations as toy_activations
from .data import transcoder_activations as transcoder_activations
from .metrics import evaluate as evaluate
from .models import architecture as architecture
from .train import SAEResult as SAEResult
from .train import train_sae as train_sae
