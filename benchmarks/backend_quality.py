"""The same recipe trained on TensorFlow and on JAX: does JAX reach TensorFlow's quality?

For each recipe (default ``dcgan_digits`` and ``cgan_digits``), its model, data and schedule
(`Recipe.prepare`, seed 0) are trained with `fit` on each backend, in a process of its own,
then judged by FID of 2,000 samples against the digits ``train`` split with the shipped digits
extractor (`metrics.figures.fid`, seed 0). Goal: JAX's FID within 10% of TensorFlow's. The
backends draw different random numbers (initial weights, noise), so the two runs are two
seeds of the same training, not the same numbers.

    python benchmarks/backend_quality.py [--recipes dcgan_digits cgan_digits]
                                         [--backends tensorflow jax]

Results are kept in ``benchmarks/results/backend_quality.json`` as each run finishes; a
recipe and backend already there is not run again (``--fresh`` runs everything).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "backend_quality.json"


def worker(recipe_name: str) -> None:
    import keras

    import keras_gan_zoo as zoo
    from keras_gan_zoo.metrics import figures

    keras.utils.set_random_seed(0)
    model, dataset, fit_kwargs = zoo.load_recipe(recipe_name).prepare(seed=0)
    start = time.perf_counter()
    model.fit(dataset, verbose=0, **fit_kwargs)
    seconds = time.perf_counter() - start
    print(json.dumps({"fid": figures.fid(model, 2000, seed=0), "seconds": seconds}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipes", nargs="+", default=["dcgan_digits", "cgan_digits"])
    parser.add_argument("--backends", nargs="+", default=["tensorflow", "jax"],
                        choices=["tensorflow", "jax"])
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    kept = {} if args.fresh or not RESULTS.exists() else json.loads(RESULTS.read_text())
    for recipe in args.recipes:
        for backend in args.backends:
            key = f"{recipe} {backend}"
            if key not in kept:
                env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3",
                       "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
                done = subprocess.run([sys.executable, __file__, "--worker", recipe], env=env,
                                      capture_output=True, text=True)
                lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
                if done.returncode != 0 or not lines:
                    sys.exit(f"error: {key} failed:\n{done.stderr[-3000:]}")
                kept[key] = json.loads(lines[-1])
                RESULTS.parent.mkdir(parents=True, exist_ok=True)
                RESULTS.write_text(json.dumps(kept, indent=1, sort_keys=True))
            print(f"{key}: FID {kept[key]['fid']:.2f} after {kept[key]['seconds']:.0f} s of fit",
                  flush=True)
    print("\n| recipe | " + " | ".join(f"{b} FID | {b} fit seconds" for b in args.backends)
          + " | JAX / TensorFlow FID |")
    print("|---" * (2 + 2 * len(args.backends)) + "|")
    for recipe in args.recipes:
        rows = [kept[f"{recipe} {b}"] for b in args.backends]
        ratio = (kept[f"{recipe} jax"]["fid"] / kept[f"{recipe} tensorflow"]["fid"]
                 if len(args.backends) == 2 else float("nan"))
        cells = [f"{r['fid']:.2f} | {r['seconds']:.0f}" for r in rows]
        print(f"| {recipe} | " + " | ".join(cells) + f" | {ratio:.3f} |")


if __name__ == "__main__":
    main()
