"""The training monitor on healthy runs: the DCGAN paper config on the digits for 30 epochs at
batch sizes with few and with many steps per epoch, every rule on; it must name nothing.

    python benchmarks/monitor_health.py [--batch-sizes 256,16] [--seed 1] [--epochs 30]

Each run is the command a user types (``keras-gan-zoo train dcgan --dataset digits``, the
paper config: 128/64 filters, Adam 2e-4), with ``--eval-every 1`` so that the monitor also
has a quality signal (digits FID of ``--eval-samples`` images each epoch) for
``oscillation`` and ``non_convergence``. At batch 256 an epoch of the 1,437 digits is 6
steps (180 in 30 epochs), at batch 16 it is 90 (2,700). Prints each run's diagnoses from
its ``health.json``, its first and last FID and its wall time; exits 1 if any run was
diagnosed. About 10 minutes per run on 2 busy CPU cores (the runs go in parallel).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def command(batch_size: int, seed: int, epochs: int, samples: int, output: Path) -> list[str]:
    return [sys.executable, "-m", "keras_gan_zoo.cli", "train", "dcgan", "--dataset", "digits",
            "--batch-size", str(batch_size), "--epochs", str(epochs), "--seed", str(seed),
            "--set", f"seed={seed}", "--eval-every", "1", "--eval-samples", str(samples),
            "--no-tensorboard", "--overwrite", "--output", str(output)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="256,16")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--eval-samples", type=int, default=1000)
    parser.add_argument("--output", default="runs/monitor_health")
    args = parser.parse_args()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    runs = {}
    for batch_size in (int(b) for b in args.batch_sizes.split(",")):
        folder = Path(args.output) / f"batch{batch_size}_seed{args.seed}"
        folder.mkdir(parents=True, exist_ok=True)
        argv = command(batch_size, args.seed, args.epochs, args.eval_samples, folder)
        print(" ".join(argv[1:]).replace("-m keras_gan_zoo.cli", "keras-gan-zoo"), flush=True)
        log = open(folder.with_suffix(".log"), "w")
        runs[batch_size] = (folder, time.time(), subprocess.Popen(argv, stdout=log,
                                                                  stderr=subprocess.STDOUT, env=env))
    diagnosed = False
    for batch_size, (folder, start, process) in runs.items():
        code = process.wait()
        seconds = time.time() - start
        health = json.loads((folder / "health.json").read_text())
        with open(folder / "history.csv") as file:
            fids = [float(row["fid"]) for row in csv.DictReader(file) if row.get("fid")]
        names = ", ".join(f"{d['name']} at epoch {d['epoch']} step {d['step']}" for d in health)
        print(f"batch {batch_size}, seed {args.seed}: exit {code}, {len(fids)} epochs in "
              f"{seconds:.0f} s, FID {fids[0]:.1f} -> {fids[-1]:.1f} (best {min(fids):.1f}); "
              f"diagnoses: {names or 'none'}")
        for record in health:
            print(f"  {record['name']}: {record['evidence']}")
        diagnosed |= bool(health) or code != 0
    return 1 if diagnosed else 0


if __name__ == "__main__":
    sys.exit(main())
