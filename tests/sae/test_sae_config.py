"""SAEConfig validation: a bad value names the field and its range."""

import pytest

from toysup import sae


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(k=0, n_latents=64), "k: must be in [1, n_latents=64], got 0"),
        (dict(arch="lasso"), "arch: must be one of relu, topk, batchtopk, jumprelu, gated"),
        (dict(n_latents=0), "n_latents: must be >= 1"),
        (dict(l1_coefficient=-1.0, arch="relu"), "l1_coefficient: must be >= 0"),
        (dict(k=(1, 2), n_instances=3), "k: must be one number or one per instance"),
        (dict(tied=True, arch="topk"), "tied: only the relu architecture"),
        (dict(resampling="sometimes"), "resampling: must be one of none, random, inputs"),
        (dict(penalty_warmup_steps=20, steps=10), "penalty_warmup_steps: must be in [0, 10]"),
        (dict(k=0.0, arch="batchtopk"), "k: must be > 0"),
    ],
)
def test_bad_config_names_the_field_and_range(changes, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        sae.SAEConfig(**changes)
