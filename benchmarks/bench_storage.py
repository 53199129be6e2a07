"""Storage of a sweep's result: netCDF 3 (through scipy, what toysup writes) against chunked, compressed formats.

Trains (once, resumably, into ``--work``) a 40 × 40 × 10-seed sweep: the phase diagram's grid, n features in m
dimensions, the extra feature's importance × the feature probability, 10 seeds per cell. Then writes its assembled
``xarray.Dataset`` in each format ``--repeats`` times and prints the size on disk and the median write and read
times (read: open and load every variable into memory, as ``toysup.load_sweep`` does).

    python benchmarks/bench_storage.py                              # n=2, m=1, 1,000 steps
    python benchmarks/bench_storage.py --features 5 --hidden 2 --steps 2000 --batch-size 32 --work /tmp/bench-5-2

Formats: ``netcdf3`` (scipy, uncompressed), ``netcdf4`` (h5netcdf: HDF5 chunks, gzip level 4 with the shuffle
filter), ``zarr`` (a folder of chunks, zarr 3's default zstd). A format whose package is missing is skipped.

Measured (2026-12-01, 2-core CPU shared with other work, xarray 2026.9.0, scipy 1.17.1, h5netcdf 1.8.2 with
h5py 3.16.0, zarr 3.1.6; medians of 5):

    n=2, m=1, 1,000 steps (1,824,000 values)    size MiB  ratio  write s  read s
      netcdf3                                       6.96   1.00    0.014   0.004
      netcdf4 (gzip 4 + shuffle)                    5.79   0.83    0.171   0.086
      zarr (zstd)                                   6.23   0.89    0.066   0.032
    n=5, m=2, 2,000 steps (3,744,000 values)
      netcdf3                                      14.29   1.00    0.019   0.005
      netcdf4 (gzip 4 + shuffle)                   11.62   0.81    0.428   0.112
      zarr (zstd)                                  12.67   0.89    0.087   0.035

Trained float32 weights and losses barely compress (their low mantissa bits are noise): compression saves 11–19 %
of the size and costs 5–20× the write time and 7–20× the read time, and either format adds a compiled dependency
(h5py, or zarr with numcodecs). toysup keeps netCDF 3. Resuming is already chunked (``DIR/chunks/``), so the
result file needs no chunked append.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

import toysup
from toysup import ToyConfig
from toysup.phase import phase_axes
from toysup.sweeps import Axis, SweepSpec, run_sweep


def sweep(features: int, hidden: int, steps: int, batch_size: int, work: Path) -> xr.Dataset:
    base = ToyConfig(n_features=features, n_hidden=hidden, steps=steps, batch_size=batch_size, learning_rate=1e-2)
    probability, importance = phase_axes(40)
    axes = (Axis(f"importance[{features - 1}]", tuple(importance)), Axis("feature_probability", tuple(probability)))
    return run_sweep(SweepSpec(base=base, axes=axes, seeds=10, chunk_copies=4096), work, progress=True)


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _compressed(dataset: xr.Dataset) -> dict:
    return {name: {"zlib": True, "complevel": 4, "shuffle": True} for name in dataset.data_vars}


def write(dataset: xr.Dataset, fmt: str, path: Path) -> None:
    if fmt == "netcdf3":
        dataset.to_netcdf(path, engine="scipy")
    elif fmt == "netcdf4":
        dataset.to_netcdf(path, engine="h5netcdf", encoding=_compressed(dataset))
    else:
        dataset.to_zarr(path, mode="w", consolidated=True)


def read(fmt: str, path: Path) -> xr.Dataset:
    if fmt == "zarr":
        with xr.open_zarr(path, consolidated=True) as dataset:
            return dataset.load()
    with xr.open_dataset(path, engine="scipy" if fmt == "netcdf3" else "h5netcdf") as dataset:
        return dataset.load()


FORMATS = {"netcdf3": "scipy", "netcdf4": "h5netcdf", "zarr": "zarr"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=1)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=256, help="does not change what is stored, only the time")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "toysup-bench-storage")
    args = parser.parse_args()

    dataset = sweep(args.features, args.hidden, args.steps, args.batch_size, args.work)
    values = sum(v.size for v in dataset.data_vars.values())
    print(
        f"sweep 40 × 40 × 10 seeds, n={args.features}, m={args.hidden}, {args.steps} steps: "
        f"{len(dataset.data_vars)} variables, {values:,} values, {dataset.nbytes / 2**20:.1f} MiB in memory "
        f"(toysup {toysup.__version__}, xarray {xr.__version__})"
    )
    print(f"{'format':<10} {'size MiB':>9} {'ratio':>6} {'write s':>8} {'read s':>7}")
    baseline = None
    for fmt, package in FORMATS.items():
        if importlib.util.find_spec(package) is None:
            print(f"{fmt:<10} skipped: {package} is not installed")
            continue
        writes, reads = [], []
        folder = Path(tempfile.mkdtemp(prefix="toysup-bench-storage-"))
        try:
            for repeat in range(args.repeats):
                path = folder / f"sweep-{repeat}.{'zarr' if fmt == 'zarr' else 'nc'}"
                start = time.perf_counter()
                write(dataset, fmt, path)
                writes.append(time.perf_counter() - start)
                start = time.perf_counter()
                loaded = read(fmt, path)
                reads.append(time.perf_counter() - start)
            for name, variable in dataset.data_vars.items():
                np.testing.assert_array_equal(loaded[name].values, variable.values)
            size = size_of(path)
        finally:
            shutil.rmtree(folder)
        baseline = baseline or size
        print(
            f"{fmt:<10} {size / 2**20:>9.2f} {size / baseline:>6.2f} {statistics.median(writes):>8.3f} "
            f"{statistics.median(reads):>7.3f}"
        )


if __name__ == "__main__":
    main()
