"""Write ``reference.npz``: the outputs of a fixed set of seeded runs, recorded before the engine was unified
(with the API of the time; this script has been ported to the current API, which must give the same arrays).

``tests/test_reproduction.py`` checks that the current code reproduces them. Run this only to record a new
reference after a change that is meant to alter results (and say so in the commit):

    python tests/reference/make_reference.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import toysup
from toysup.sae import SAEConfig, train_sae
from toysup.sae.data import synthetic_activations, toy_activations
from toysup.snapshots import train_with_snapshots
from toysup.sweeps import run_sweep, sweep_spec

HERE = Path(__file__).parent


def toy_config(model: str) -> toysup.ToyConfig:
    signed = model == "abs"
    return toysup.ToyConfig(
        n_features=3 if signed else 5,
        n_hidden=6 if signed else 2,
        model=model,
        n_instances=2,
        feature_probability=(1.0, 0.1),
        importance_decay=0.9,
        steps=300,
        batch_size=256,
        restarts=2,
        seed=3,
        learning_rate=1e-2,
    )


def reference_outputs() -> dict[str, np.ndarray]:
    """Every array of the reference, computed by the current code."""
    out: dict[str, np.ndarray] = {}
    for model in ("linear", "relu_output", "relu_hidden", "abs"):
        result = toysup.train(toy_config(model), chunk_steps=100, progress=False)
        for name, value in result.params.items():
            out[f"{model}/{name}"] = value
        out[f"{model}/loss_history"] = result.loss_history
        out[f"{model}/final_loss"] = result.final_loss

    correlated = toysup.ToyConfig(
        n_features=6,
        n_hidden=3,
        n_instances=1,
        feature_probability=0.2,
        correlated_sets=(2,),
        anticorrelated_sets=(2,),
        steps=200,
        batch_size=128,
        rng="threefry",
        seed=1,
    )
    result = toysup.train(correlated, chunk_steps=100, progress=False)
    out["correlated/W"], out["correlated/final_loss"] = result.W, result.final_loss

    import tempfile

    spec = sweep_spec(
        toysup.ToyConfig(n_features=2, n_hidden=1, steps=200, batch_size=128, restarts=2, learning_rate=1e-2),
        ["feature_probability=0.1,1.0", "importance[1]=0.5,2.0"],
        seeds=2,
        chunk_copies=5,
    )
    with tempfile.TemporaryDirectory() as directory:
        dataset = run_sweep(spec, directory, chunk_steps=100, progress=False)
    out["sweep/W"], out["sweep/loss"] = dataset["W"].values, dataset["loss"].values

    pentagon = toysup.ToyConfig(
        n_features=5,
        n_hidden=2,
        n_instances=2,
        feature_probability=(0.05, 0.3),
        steps=250,
        batch_size=256,
        restarts=2,
        learning_rate=1e-2,
        seed=2,
    )
    result, snapshots = train_with_snapshots(pentagon, every=50)
    out["snapshots/W"], out["snapshots/loss_history"] = snapshots, result.loss_history

    pentagon_run = toysup.train(
        toy_config("relu_output").replace(n_instances=1, feature_probability=0.1), chunk_steps=100, progress=False
    )
    toy = toy_activations(pentagon_run)
    synthetic = synthetic_activations(24, 8, mean_active=2.0, seed=4)
    for arch, penalty in (
        ("relu", {"l1_coefficient": 0.05, "penalty_warmup_steps": 50}),
        ("topk", {"k": 2}),
        ("batchtopk", {"k": 1.5}),
        ("jumprelu", {"l0_coefficient": 0.01}),
        ("gated", {"l1_coefficient": 0.05, "resampling": "inputs", "dead_window": 50}),
    ):
        for source, activations in (("toy", toy), ("synthetic", synthetic)):
            config = SAEConfig(
                arch=arch,
                n_inputs=activations.n_inputs,
                n_latents=2 * activations.n_features,
                n_instances=activations.n_instances,
                steps=200,
                batch_size=128,
                seed=5,
                **penalty,
            )
            sae = train_sae(config, activations, chunk_steps=100, progress=False)
            for name, value in sae.params.items():
                out[f"sae/{arch}/{source}/{name}"] = value
            for name, value in sae.history.items():
                out[f"sae/{arch}/{source}/history_{name}"] = value
    grid = SAEConfig(
        arch="topk", n_inputs=8, n_latents=32, n_instances=3, k=(1, 2, 3), steps=150, batch_size=128, seed=6
    )
    sae = train_sae(grid, synthetic, chunk_steps=100, progress=False)
    out["sae/grid/W_dec"], out["sae/grid/history_mse"] = sae.params["W_dec"], sae.history["mse"]
    return out


def main() -> None:
    out = reference_outputs()
    np.savez_compressed(HERE / "reference.npz", **out)
    print(f"wrote {len(out)} arrays to {HERE / 'reference.npz'}")


if __name__ == "__main__":
    main()
