"""Figure 3: empirical and theoretical phase diagrams (Elhage et al. 2022, Sec. 4 "Superposition as a Phase
Change").

One extra feature of relative importance I and every feature of probability p (the paper's 1 − S): n = 2 features in
m = 1 dimension, and n = 3 in m = 2. Each cell of the empirical diagram is the best of k trained models, classified by
its weights (``toysup.phase``); the theoretical diagram picks the lowest closed-form loss among the candidate solutions
(``toysup.theory``). Claim: the two diagrams agree — the phases (not represented, dedicated, superposition) and where
their boundaries fall.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .. import plots
from ..phase import phase_spec, run_phase
from ..sweeps import SweepSpec

NAME = "phase_diagrams"
TITLE = "Phase diagrams, empirical beside theoretical"
SECTION = "Sec. 4, Superposition as a Phase Change"
CAPTION = (
    "Which solution a ReLU-output model learns, by feature probability p (x) and the extra feature's "
    "relative importance (y): n=2 features in m=1 dimension (top) and n=3 in m=2 (bottom); trained models "
    "(left) beside the closed-form theory (right)."
)
MIN_AGREEMENT = {2: 0.85, 3: 0.7}  # share of cells where the trained model's phase is the theory's
NEAR_OPTIMUM = 1.1  # a cell's fit reaches the theory when its loss is at most 10% above the best candidate's
MIN_NEAR_OPTIMUM = 0.9  # share of cells whose fit must reach it
FAILED_FIT = 1.5  # a fit 50% above the theory's loss is reported as a failed optimisation


def experiment(quick: bool) -> dict[str, SweepSpec]:
    """The two sweeps: importance × probability grids, best of k fits per cell."""
    grid, restarts, steps = (6, 2, 400) if quick else (16, 4, 2000)
    return {
        f"n{n}_m{m}": phase_spec(n, m, grid=grid, restarts=restarts, steps=steps, seed=0) for n, m in ((2, 1), (3, 2))
    }


def run(quick: bool, out: Path) -> dict:
    """Run both sweeps; their resumable working files live in ``out/.phase_diagrams-work`` until both finish."""
    work = Path(out) / f".{NAME}-work"
    results = {
        name: run_phase(spec, work / f"{'quick' if quick else 'full'}-{name}", progress=False)
        for name, spec in experiment(quick).items()
    }
    shutil.rmtree(work, ignore_errors=True)
    return results


def plot(data: dict) -> Figure:
    return plots.phase_diagrams(list(data.values()))


def check(data: dict) -> dict:
    """Agreement (share of cells with the same phase) ≥ 85% for n=2, m=1 and ≥ 70% for n=3, m=2; every
    theoretical phase also appears empirically; and the fits are optima, not failed optimisations: in at least 90%
    of the cells of each diagram the trained loss is at most 10% above the lowest closed-form candidate loss (the
    cells more than 50% above it are counted and reported)."""
    numbers, holds = {"holds": True}, True
    for name, result in data.items():
        agreement = float(result["agreement"])
        empirical, theoretical = np.asarray(result["empirical"]), np.asarray(result["theoretical"])
        missing = sorted(set(np.unique(theoretical).tolist()) - set(np.unique(empirical).tolist()))
        loss = np.asarray(result["loss"], dtype=float)  # None (diverged) becomes NaN, never near the optimum
        ratio = loss / np.asarray(result["theoretical_loss"], dtype=float)
        near = float(np.mean(ratio <= NEAR_OPTIMUM))
        holds &= agreement >= MIN_AGREEMENT[int(result["features"])] and not missing and near >= MIN_NEAR_OPTIMUM
        numbers[f"{name}_agreement"] = agreement
        numbers[f"{name}_theoretical_phases_missing_empirically"] = [result["labels"][i] for i in missing]
        numbers[f"{name}_share_of_cells_within_10pct_of_theoretical_loss"] = near
        numbers[f"{name}_failed_fits_over_1.5x_theoretical_loss"] = int(np.sum(~(ratio <= FAILED_FIT)))
    numbers["holds"] = bool(holds)
    return numbers
