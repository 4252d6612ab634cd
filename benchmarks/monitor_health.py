"""The training monitor on healthy runs: the DCGAN paper config on the digits for 30 epochs at
batch sizes with few and with many steps per epoch, every rule on; it must name nothing.

    python benchmarks/monitor_health.py [--batch-sizes 256,16] [--seed 1] [--epochs 30]
    python benchmarks/monitor_health.py --wgan-clip

Each run is the command a user types (``keras-gan-zoo train dcgan --dataset digits``, the
paper config: 128/64 filters, Adam 2e-4), with ``--eval-every 1`` so that the monitor also
has a quality signal (digits FID of ``--eval-samples`` images each epoch) for
``oscillation`` and ``non_convergence``. At batch 256 an epoch of the 1,437 digits is 6
steps (180 in 30 epochs), at batch 16 it is 90 (2,700). Prints each run's diagnoses from
its ``health.json``, its first and last FID and its wall time; exits 1 if any run was
diagnosed. The runs go in parallel: about 50 minutes on 2 CPU cores shared with other work.

``--wgan-clip`` instead watches a sick run: the WGAN row of benchmarks/stabilizers.py
(weight clipping 0.01, d_steps 5, RMSProp 5e-5, 32/16 filters, 300 generator steps; FID
524-557 there), probed every 25 steps; it prints the probe's statistics over the real
batch's and the diagnoses (about 2 minutes).
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


def wgan_clip(seed: int = 0) -> int:
    import keras

    import keras_gan_zoo as zoo
    from keras_gan_zoo.monitor import TrainingMonitor

    keras.utils.set_random_seed(seed)
    model = zoo.build("dcgan", generator_filters=32, discriminator_filters=16, seed=seed,
                      adversarial_loss="wasserstein", clip_weights=0.01, d_steps=5)
    model.compile(g_optimizer=keras.optimizers.RMSprop(5e-5),
                  d_optimizer=keras.optimizers.RMSprop(5e-5))
    data = model.load_dataset("digits", batch_size=64 * 5, seed=seed, drop_remainder=True)
    watch = TrainingMonitor(None, reference=zoo.data.load("digits", batch_size=64, seed=0),
                            verbose=0)
    model.fit(data.repeat(), epochs=12, steps_per_epoch=25, callbacks=[watch], verbose=0)
    real = watch.probe_statistics.real
    for step, stats in watch.probes["generator"]:
        print(f"step {step}: " + ", ".join(f"{k} {v / real[k]:.2f}x" for k, v in stats.items()))
    for diagnosis in watch.diagnoses:
        print(diagnosis.line())
    return 0 if watch.diagnoses else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-sizes", default="256,16")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--eval-samples", type=int, default=1000)
    parser.add_argument("--output", default="runs/monitor_health")
    parser.add_argument("--wgan-clip", action="store_true",
                        help="watch the stabilizer benchmark's WGAN (clipping) row instead")
    args = parser.parse_args()
    if args.wgan_clip:
        return wgan_clip()
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
