"""The digits judge: a small CNN whose features and logits score generated digits.

Like TF-GAN's MNIST classifier (Fréchet classifier distance and classifier
score on its logits), for the zoo's offline ``digits`` data and MNIST-like
images (28x28 grayscale, any size is resized).

Which split it learns from: the zoo's entries train on the digits ``train``
split (1437 images), and the FID reference statistics are taken on it too. A
judge trained on those images could reward a generator for reproducing them
and would see the reference through features fitted to it. So the judge is
trained on the disjoint ``test`` split (360 images, with random shifts,
rotations and zooms) and its accuracy is measured on the 1437 ``train`` images
it never saw. ``scripts/train_digits_classifier.py`` retrains it
reproducibly (fixed seeds, deterministic ops) and records the accuracy in
``weights/digits_classifier.json`` next to the shipped weights.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import keras
import numpy as np

#: Input size of the classifier; other sizes are resized by the extractor.
IMAGE_SIZE = 28
WEIGHTS_FILE = "digits_classifier.weights.h5"
INFO_FILE = "digits_classifier.json"


def build_digits_classifier() -> keras.Model:
    """The architecture: ``[N, 28, 28, 1]`` in [-1, 1] -> ``[features (128-d), logits (10)]``.

    conv 3x3/32 + ReLU, max-pool 2, conv 3x3/64 stride 2 + ReLU, max-pool 2,
    dense 128 + ReLU (the ``features``), dropout 0.3, dense 10 (the ``logits``);
    ~151k parameters (600 KiB of weights), ~1.3 M multiply-adds per image.
    """
    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 1), name="images")
    h = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv1")(inputs)
    h = keras.layers.MaxPooling2D(name="pool1")(h)
    h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="conv2")(h)
    h = keras.layers.MaxPooling2D(padding="same", name="pool2")(h)
    features = keras.layers.Dense(128, activation="relu", name="features")(
        keras.layers.Flatten(name="flatten")(h))
    logits = keras.layers.Dense(10, name="logits")(keras.layers.Dropout(0.3, name="dropout")(features))
    return keras.Model(inputs, [features, logits], name="digits_classifier")


def shipped_file(name: str) -> Path:
    """Path of a file shipped in ``keras_gan_zoo/metrics/weights/``."""
    return Path(str(resources.files("keras_gan_zoo.metrics").joinpath("weights", name)))


def weights_path() -> Path:
    """The shipped weights file."""
    return shipped_file(WEIGHTS_FILE)


def classifier_info() -> dict[str, Any]:
    """What the training script recorded: splits, accuracy, seeds, versions, weights' sha256."""
    return json.loads(shipped_file(INFO_FILE).read_text())


def load_digits_classifier(path: str | Path | None = None) -> keras.Model:
    """The classifier with the shipped weights (or the weights file ``path``)."""
    path = Path(path) if path is not None else weights_path()
    if not path.is_file():
        raise FileNotFoundError(
            f"Digits classifier weights {path} do not exist; run "
            "'python scripts/train_digits_classifier.py' to create them."
        )
    model = build_digits_classifier()
    model.load_weights(str(path))
    return model


def train_digits_classifier(split: str = "test", epochs: int = 40, repeats: int = 4,
                            batch_size: int = 32,
                            learning_rate: float = 2e-3, seed: int = 0,
                            verbose: int = 0) -> tuple[keras.Model, dict[str, Any]]:
    """Train the classifier on digits ``split`` and measure it on the other split.

    Returns the model and a record of the run (accuracy on the held-out split,
    settings). Reproducible for a seed when op determinism is enabled
    (``tf.config.experimental.enable_op_determinism()``, as the script does).
    """
    from keras_gan_zoo.data import digits_arrays

    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    held_out = "train" if split == "test" else "test"
    keras.utils.set_random_seed(seed)
    x, y = digits_arrays(split, image_size=IMAGE_SIZE, channels=1)
    check_x, check_y = digits_arrays(held_out, image_size=IMAGE_SIZE, channels=1)
    model = build_digits_classifier()
    fill = {"fill_mode": "constant", "fill_value": -1.0}
    inputs = keras.Input(model.input_shape[1:])
    h = keras.layers.RandomTranslation(0.1, 0.1, seed=seed, **fill)(inputs)
    h = keras.layers.RandomRotation(0.04, seed=seed + 1, **fill)(h)
    h = keras.layers.RandomZoom(0.1, seed=seed + 2, **fill)(h)
    trainer = keras.Model(inputs, model(h)[1])
    trainer.compile(keras.optimizers.Adam(learning_rate),
                    keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=["accuracy"])
    # Each epoch shows every image `repeats` times, each time with fresh augmentation.
    trainer.fit(np.concatenate([x] * repeats), np.concatenate([y] * repeats), epochs=epochs, batch_size=batch_size, shuffle=True, verbose=verbose)
    logits = model.predict(check_x, batch_size=512, verbose=0)[1]
    accuracy = float(np.mean(np.argmax(logits, axis=1) == check_y))
    train_logits = model.predict(x, batch_size=512, verbose=0)[1]
    info = {
        "architecture": "conv3x3/32-relu, maxpool2, conv3x3/64 stride 2-relu, maxpool2, "
                        "dense 128-relu ('features'), dropout 0.3, dense 10 ('logits')",
        "input": "28x28x1 in [-1, 1]",
        "trained_on": f"digits '{split}' split ({len(x)} images), random translation 0.1, "
                      "rotation 0.04 turn, zoom 0.1",
        "accuracy_split": held_out,
        "accuracy_images": int(len(check_x)),
        "accuracy": accuracy,
        "training_accuracy": float(np.mean(np.argmax(train_logits, axis=1) == y)),
        "epochs": epochs,
        "repeats_per_epoch": repeats,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "seed": seed,
        "parameters": int(model.count_params()),
    }
    return model, info
