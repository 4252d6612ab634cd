"""The digits recipes on this machine: each one's wall time and figure; and the first run,
``keras-gan-zoo train dcgan`` (the ``dcgan_digits`` recipe), against the paper config trained
for the same wall time.

    python benchmarks/recipes.py [--only NAME,NAME] [--fresh]
    python benchmarks/recipes.py --first-run

Each ``<entry>_digits`` recipe is trained as ``keras-gan-zoo train --recipe NAME`` trains it
(`keras_gan_zoo.train`, into a temporary run folder; the wall time covers the whole call:
data, training, grids, checkpoints, export). Its figure:

* noise-to-image entries: FID of 2,000 samples against the digits ``train`` split, with the
  shipped digits classifier as feature extractor (`keras_gan_zoo.metrics`); CoupledGAN's
  domain a (digits);
* pix2pix: held-out mean L1 (images in [0, 1]) of its outputs to the targets (digits ``test``);
* CycleGAN: held-out cycle L1, the mean over both directions of ``|F(G(a)) - a|``.

``--first-run`` trains the recipe's model with `fit` for its schedule (time T), then the paper
config (``keras-gan-zoo train dcgan --dataset digits``: zoo_configs/dcgan.yaml, batch 64) for
the same wall time T, prints both FIDs and writes both sample grids (fixed noise, seed 0) to
``docs/first_run_recipe.png`` and ``docs/first_run_paper_config.png``.

Results are kept in ``benchmarks/results/recipes.json`` as each run finishes (keyed by the
recipe file's text, so a changed recipe is run again); an interrupted run resumes where it
stopped (``--fresh`` starts over).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo.metrics import figures  # noqa: E402
from keras_gan_zoo.plotting import save_image_grid  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "recipes.json"
NUM_SAMPLES = 2000
SEED = 0


def digits_recipes() -> list[str]:
    return [name for name in zoo.available_recipes() if name.endswith("_digits")]


def recipe_key(name: str) -> str:
    """The recipe and a digest of its file: a changed recipe is measured again."""
    text = zoo.load_recipe(name).path.read_bytes()
    return f"{name} {hashlib.sha256(text).hexdigest()[:12]}"


def training_key(name: str) -> str:
    """What `fit` trains in ``--first-run``: the recipe's config, data, batch and schedules
    (its comments and evaluation do not change that measurement)."""
    recipe = zoo.load_recipe(name)
    what = [recipe.config, recipe.data, recipe.batch_size, recipe.schedule,
            recipe.learning_rate_schedule]
    return f"{name} {hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:12]}"


def fid(model: keras.Model) -> float:
    """FID of `NUM_SAMPLES` samples against the digits ``train`` split (digits extractor)."""
    return figures.fid(model, NUM_SAMPLES, seed=SEED)


def figure(model: keras.Model) -> tuple[str, float]:
    if model.zoo_name in ("pix2pix", "cyclegan"):
        return figures.held_out_l1(model)
    return f"FID ({NUM_SAMPLES} samples, digits extractor)", fid(model)


def measure_recipe(name: str) -> dict[str, Any]:
    """Train recipe ``name`` as the CLI does; its wall time and figure."""
    keras.utils.set_random_seed(SEED)
    with tempfile.TemporaryDirectory() as folder:
        start, cpu = time.perf_counter(), time.process_time()
        run = zoo.train(recipe=name, output=Path(folder) / name, seed=SEED, verbose=0)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    metric, value = figure(run.model)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "metric": metric, "value": value,
            "schedule": zoo.load_recipe(name).schedule_text()}


class TimeLimit(keras.callbacks.Callback):
    """Stop `fit` once ``seconds`` of wall time have passed since training began."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if time.perf_counter() - self.start >= self.seconds:
            self.model.stop_training = True


def save_grid(model: keras.Model, path: Path) -> None:
    images, rows = model.sample_grid(64, seed=SEED)
    save_image_grid(images, path, rows)


def first_run() -> dict[str, Any]:
    """The dcgan_digits recipe for its schedule, then the paper config for the same wall time."""
    recipe = zoo.load_recipe("dcgan_digits")
    keras.utils.set_random_seed(SEED)
    model, dataset, fit_kwargs = recipe.prepare(seed=SEED)
    start = time.perf_counter()
    history = model.fit(dataset, verbose=0, **fit_kwargs)
    seconds = time.perf_counter() - start
    save_grid(model, ROOT / "docs" / "first_run_recipe.png")
    result = {"recipe": {"seconds": seconds, "epochs": len(history.history["g_loss"]),
                         "fid": fid(model), "config": recipe.config}}
    print(f"  dcgan_digits recipe: {result['recipe']['epochs']} epochs in {seconds:.0f} s, "
          f"FID {result['recipe']['fid']:.2f}", flush=True)

    keras.utils.set_random_seed(SEED)
    paper = zoo.build("dcgan", seed=SEED)  # zoo_configs/dcgan.yaml: the paper config
    paper.compile()
    data = paper.load_dataset("digits", batch_size=64, seed=SEED)
    start = time.perf_counter()
    history = paper.fit(data, epochs=10_000, callbacks=[TimeLimit(seconds)], verbose=0)
    paper_seconds = time.perf_counter() - start
    save_grid(paper, ROOT / "docs" / "first_run_paper_config.png")
    result["paper_config"] = {"seconds": paper_seconds, "epochs": len(history.history["g_loss"]),
                              "fid": fid(paper)}
    print(f"  paper config (--dataset digits): {result['paper_config']['epochs']} epochs in "
          f"{paper_seconds:.0f} s, FID {result['paper_config']['fid']:.2f}", flush=True)
    return result


def save(kept: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    temporary = RESULTS.with_suffix(".tmp")
    temporary.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
    temporary.replace(RESULTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="recipe names separated by , (default: all "
                                                   "digits recipes)")
    parser.add_argument("--first-run", action="store_true",
                        help="compare dcgan_digits with the paper config at the same wall time")
    parser.add_argument("--fresh", action="store_true", help="ignore results kept from earlier runs")
    args = parser.parse_args()
    kept = {} if args.fresh or not RESULTS.is_file() else json.loads(RESULTS.read_text())
    kept.setdefault("recipes", {})

    if args.first_run:
        key = training_key("dcgan_digits")
        if kept.get("first_run", {}).get("key") != key:
            print("First run: dcgan_digits recipe vs the paper config at the same wall time")
            kept["first_run"] = {"key": key, **first_run()}
            save(kept)
        result = kept["first_run"]
        print(f"\n| run | epochs | seconds | FID ({NUM_SAMPLES} samples, digits extractor) |\n"
              "|---|---|---|---|")
        for label, part in (("`keras-gan-zoo train dcgan` (dcgan_digits recipe)", "recipe"),
                            ("paper config (`--dataset digits`), same wall time", "paper_config")):
            row = result[part]
            print(f"| {label} | {row['epochs']} | {row['seconds']:.0f} | {row['fid']:.2f} |")
        return

    names = args.only.split(",") if args.only else digits_recipes()
    for name in names:
        key = recipe_key(name)
        if key in kept["recipes"]:
            continue
        kept["recipes"][key] = measure_recipe(name)
        row = kept["recipes"][key]
        print(f"  {name}: {row['seconds']:.0f} s, {row['metric']} {row['value']:.4g}", flush=True)
        save(kept)
    print("\n| recipe | schedule | wall time (s) | figure |\n|---|---|---|---|")
    for name in names:
        row = kept["recipes"][recipe_key(name)]
        print(f"| `{name}` | {row['schedule']} | {row['seconds']:.0f} | {row['metric']} "
              f"{row['value']:.4g} |")


if __name__ == "__main__":
    main()
