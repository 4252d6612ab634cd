"""Seconds to compute FID + KID + IS of 10,000 generated 28x28 digits (target: < 60 s on 2 CPU cores).

    python benchmarks/metrics_speed.py [--num-samples 10000] [--metrics fid,kid,is]

End to end through the streaming `Evaluator`: DCGAN (the zoo's default
config) generates the images batch by batch, the shipped digits classifier
extracts 128-d features and logits, then FID (float64 statistics), KID (100
subsets of 1000, cubic kernel, float64) and IS (10 splits) are computed. The
reference statistics of the digits ``train`` split (1437 images) are computed
once beforehand and timed separately. A breakdown follows the total.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import keras_gan_zoo as zoo  # noqa: E402
from keras_gan_zoo import metrics  # noqa: E402
from keras_gan_zoo.metrics import functional as F  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-samples", type=int, default=10000)
    parser.add_argument("--metrics", default="fid,kid,is")
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    print(f"TensorFlow {tf.__version__}, {os.cpu_count()} CPU cores visible; "
          f"{args.num_samples} samples, metrics {args.metrics}")

    model = zoo.build("dcgan", seed=0)
    evaluator = metrics.Evaluator(args.metrics, extractor="digits", batch_size=args.batch_size)
    start = time.perf_counter()
    evaluator.set_reference_dataset("digits", split="train")
    reference_seconds = time.perf_counter() - start
    model.generate(2, seed=0)  # build the generator's graph outside the timing
    evaluator.extractor(np.zeros((2, 28, 28, 1), np.float32))

    start = time.perf_counter()
    results = evaluator.evaluate(metrics.model_sample_fn(model), args.num_samples, seed=0)
    total = time.perf_counter() - start

    # Breakdown (a second pass, timed per stage).
    sample_fn = metrics.model_sample_fn(model)
    t = time.perf_counter()
    batches = list(evaluator.sample(sample_fn, args.num_samples, seed=0))
    generate_seconds = time.perf_counter() - t
    t = time.perf_counter()
    generated = evaluator.collect(iter(batches))
    feature_seconds = time.perf_counter() - t
    reference = evaluator.reference
    stages = {}
    if "fid" in evaluator.metrics:
        t = time.perf_counter()
        F.frechet_distance(reference.moments.mean, reference.moments.covariance,
                           generated.moments.mean, generated.moments.covariance)
        stages["FID"] = time.perf_counter() - t
    if "kid" in evaluator.metrics:
        t = time.perf_counter()
        F.kernel_distance(reference.features, generated.features)
        stages["KID"] = time.perf_counter() - t
    if "is" in evaluator.metrics:
        t = time.perf_counter()
        F.inception_score(logits=generated.logits)
        stages["IS"] = time.perf_counter() - t

    shown = ", ".join(f"{k} {v:.4g}" for k, v in results.items() if k not in ("seconds",))
    print(f"Results: {shown}")
    print(f"Reference statistics (digits train, {reference.count} images, once): "
          f"{reference_seconds:.1f} s")
    print(f"FID+KID+IS of {args.num_samples} samples, end to end: {total:.1f} s "
          f"(target < 60 s) -> {'OK' if total < 60 else 'SLOWER THAN TARGET'}")
    print(f"  breakdown: generate {generate_seconds:.1f} s, classifier features "
          f"{feature_seconds:.1f} s, " + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))


if __name__ == "__main__":
    main()
