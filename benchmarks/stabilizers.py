"""Which remedies help DCGAN on the digits: each stabiliser alone, a recommended combination,
WGAN and WGAN-GP, at the same number of generator steps, over several seeds.

    python benchmarks/stabilizers.py [--steps 300] [--seeds 0,1] [--only "NAME;NAME"] [--fresh]

Every variant trains the zoo's DCGAN (the paper's design; ``--widths`` sets its filters,
default 32/16 so that the whole table takes minutes on 2 CPU cores) on the embedded
digits (``train`` split, batch 64 per discriminator step) for ``--steps`` generator
steps, then draws 2,000 samples and reports FID, KID and recall against the digits
``train`` split with the shipped digits classifier as feature extractor
(`keras_gan_zoo.metrics`). Each row is the mean over the seeds with its spread
(half the range), and the wall time of one run. The recommended combination must cut
the paper default's FID by at least 25%.

Results are kept in ``benchmarks/results/stabilizers.json`` as each run finishes, so an
interrupted run resumes where it stopped (``--fresh`` starts over).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo import metrics  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "stabilizers.json"

#: The recommended combination for small datasets such as the digits: the switches of
#: ``zoo_configs/dcgan_stabilized.yaml`` (its ``config``), which
#: ``keras-gan-zoo train zoo_configs/dcgan_stabilized.yaml`` trains with.
RECOMMENDED_CONFIG = Path(__file__).resolve().parents[1] / "zoo_configs" / "dcgan_stabilized.yaml"
RECOMMENDED: dict[str, Any] = zoo.load_config(RECOMMENDED_CONFIG)["preset"]

#: name -> (config overrides, optimizers or None for the entry's Adam).
VARIANTS: dict[str, tuple[dict[str, Any], str | None]] = {
    "paper default": ({}, None),
    "label_smoothing=0.1": ({"label_smoothing": 0.1}, None),
    "adversarial_loss=least_squares": ({"adversarial_loss": "least_squares"}, None),
    "adversarial_loss=hinge": ({"adversarial_loss": "hinge"}, None),
    "instance_noise=0.1": ({"instance_noise": 0.1}, None),
    "minibatch_stddev": ({"minibatch_stddev": True}, None),
    "minibatch_discrimination": ({"minibatch_discrimination": 16}, None),
    "spectral_norm": ({"spectral_norm": True}, None),
    "TTUR (d 4e-4, g 1e-4)": ({"d_learning_rate": 4e-4, "g_learning_rate": 1e-4}, None),
    "ema=0.999": ({"ema": 0.999}, None),
    "ema=0.99": ({"ema": 0.99}, None),
    "ema=0.999, ema_rampup=null": ({"ema": 0.999, "ema_rampup": None}, None),
    "diff_augment=translation,cutout": ({"diff_augment": "translation,cutout"}, None),
    "r1_penalty=1": ({"r1_penalty": 1.0}, None),
    "d_steps=2": ({"d_steps": 2}, None),
    "learning rates 4e-4": ({"g_learning_rate": 4e-4, "d_learning_rate": 4e-4}, None),
    "recommended": (RECOMMENDED, None),
    "WGAN (clip 0.01, d_steps 5, RMSProp 5e-5)": (
        {"adversarial_loss": "wasserstein", "clip_weights": 0.01, "d_steps": 5}, "rmsprop"),
    "WGAN-GP (lambda 10, d_steps 5, Adam 1e-4, 0, 0.9)": (
        {"adversarial_loss": "wasserstein", "gradient_penalty": 10.0, "d_steps": 5}, "adam_gp"),
}


def optimizers(kind: str | None) -> dict[str, keras.optimizers.Optimizer]:
    """The WGAN paper's RMSProp(5e-5); WGAN-GP's Adam(1e-4, beta_1=0, beta_2=0.9)."""
    if kind == "rmsprop":
        return {"g_optimizer": keras.optimizers.RMSprop(5e-5),
                "d_optimizer": keras.optimizers.RMSprop(5e-5)}
    if kind == "adam_gp":
        return {name: keras.optimizers.Adam(1e-4, beta_1=0.0, beta_2=0.9)
                for name in ("g_optimizer", "d_optimizer")}
    return {}


def train_and_evaluate(overrides: dict[str, Any], optimizer_kind: str | None, seed: int,
                       steps: int, widths: tuple[int, int], evaluator: metrics.Evaluator,
                       num_samples: int) -> dict[str, float]:
    keras.utils.set_random_seed(seed)
    config = {"generator_filters": widths[0], "discriminator_filters": widths[1], "seed": seed,
              **overrides}
    model = zoo.build("dcgan", **config)
    model.compile(**optimizers(optimizer_kind))
    # 64 real images per D step: load_dataset batches d_steps x 64 for the k D steps.
    dataset = model.load_dataset("digits", batch_size=64, seed=seed, drop_remainder=True).repeat()
    start = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
    seconds = time.perf_counter() - start
    results = evaluator.evaluate(metrics.model_sample_fn(model), num_samples, seed=seed)
    return {"fid": results["fid"], "kid": results["kid"], "recall": results["recall"],
            "seconds": seconds}


def run_key(name: str, seed: int) -> str:
    """Where a run's result is kept: its variant's settings, so a changed variant reruns."""
    overrides, optimizer_kind = VARIANTS[name]
    return f"{name} | {json.dumps(overrides, sort_keys=True)} {optimizer_kind} | seed {seed}"


def summary(runs: list[dict[str, float]], key: str) -> str:
    values = np.array([run[key] for run in runs])
    spread = (values.max() - values.min()) / 2
    digits = 4 if key == "kid" else 2
    return f"{values.mean():.{digits}f} ± {spread:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="generator steps per run")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--widths", default="32,16", help="DCGAN generator,discriminator filters")
    parser.add_argument("--num-samples", type=int, default=2000)
    parser.add_argument("--only", default="", help="variant names separated by ; (default: all)")
    parser.add_argument("--fresh", action="store_true", help="ignore results kept from earlier runs")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    widths = tuple(int(w) for w in args.widths.split(","))
    names = [n for n in VARIANTS if not args.only or n in args.only.split(";")]

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    protocol = {"steps": args.steps, "widths": list(widths), "num_samples": args.num_samples}
    kept = {} if args.fresh or not RESULTS.is_file() else json.loads(RESULTS.read_text())
    if kept.get("protocol") != protocol:
        kept = {"protocol": protocol, "runs": {}}
    evaluator = metrics.Evaluator("fid,kid,pr", extractor="digits")
    evaluator.set_reference_dataset("digits", split="train")
    print(f"DCGAN {widths[0]}/{widths[1]} filters on digits, {args.steps} generator steps, "
          f"seeds {seeds}; FID/KID/recall of {args.num_samples} samples (digits extractor)")
    for name in names:
        overrides, optimizer_kind = VARIANTS[name]
        for seed in seeds:
            key = run_key(name, seed)
            if key in kept["runs"]:
                continue
            kept["runs"][key] = train_and_evaluate(overrides, optimizer_kind, seed, args.steps,
                                                   widths, evaluator, args.num_samples)
            print(f"  {name} | seed {seed}: " + ", ".join(f"{k} {v:.4g}" for k, v in kept["runs"][key].items()),
                  flush=True)
            temporary = RESULTS.with_suffix(".tmp")
            temporary.write_text(json.dumps(kept, indent=1))
            temporary.replace(RESULTS)

    print(f"\n| variant | FID | KID | recall | seconds per run |\n|---|---|---|---|---|")
    fids = {}  # name -> FID per seed
    for name in names:
        runs = [kept["runs"][run_key(name, s)] for s in seeds]
        fids[name] = np.array([r["fid"] for r in runs])
        print(f"| {name} | {summary(runs, 'fid')} | {summary(runs, 'kid')} | "
              f"{summary(runs, 'recall')} | {np.mean([r['seconds'] for r in runs]):.0f} |")
    if "paper default" in fids and "recommended" in fids:
        default, recommended = fids["paper default"], fids["recommended"]
        per_seed = ", ".join(f"seed {s}: {g:.0%}" for s, g in zip(seeds, 1 - recommended / default))
        print(f"\nrecommended vs paper default: FID {default.mean():.1f} -> {recommended.mean():.1f} "
              f"({1 - recommended.mean() / default.mean():.0%} lower; {per_seed}; target >= 25%)")

if __name__ == "__main__":
    main()
