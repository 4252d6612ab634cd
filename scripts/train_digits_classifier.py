"""Train the digits judge of `keras_gan_zoo.metrics` and write the shipped weights.

    python scripts/train_digits_classifier.py [--epochs 40] [--output keras_gan_zoo/metrics/weights]

Trains `build_digits_classifier` on the digits ``test`` split (the zoo's GANs
train on ``train``), measures its accuracy on the 1437 ``train`` images it never
saw, and writes ``digits_classifier.weights.h5`` and ``digits_classifier.json``
(accuracy, settings, versions, sha256 of the weights). Seeds are fixed and
TensorFlow's op determinism is on, so a rerun on the same versions gives the
same weights.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gan_zoo.files import sha256_of  # noqa: E402
from keras_gan_zoo.metrics.digits_classifier import (  # noqa: E402
    INFO_FILE, WEIGHTS_FILE, train_digits_classifier)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("test", "train"))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(Path(__file__).resolve().parent.parent
                                                / "keras_gan_zoo" / "metrics" / "weights"))
    args = parser.parse_args()
    tf.config.experimental.enable_op_determinism()
    start = time.perf_counter()
    model, info = train_digits_classifier(split=args.split, epochs=args.epochs, seed=args.seed,
                                          verbose=2)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    weights = output / WEIGHTS_FILE
    model.save_weights(str(weights))
    info.update({
        "training_seconds": round(time.perf_counter() - start, 1),
        "script": "scripts/train_digits_classifier.py",
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "weights_sha256": sha256_of(weights),
    })
    (output / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n")
    print(f"Accuracy on the held-out digits '{info['accuracy_split']}' split "
          f"({info['accuracy_images']} images): {info['accuracy']:.4f}")
    print(f"Wrote {weights} ({weights.stat().st_size / 1024:.0f} KiB) and {output / INFO_FILE}")


if __name__ == "__main__":
    main()
