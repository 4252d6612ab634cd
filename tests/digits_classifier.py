"""The judge of generated digits in the quality tests.

`DigitsClassifier.shipped()` wraps the classifier the project ships for its
metrics (trained on the digits *test* split, which no GAN trains on; 98.3% on
the train split it never saw). `train()` trains a smaller one from scratch.
Scores follow TF-GAN's classifier score for MNIST.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np

from keras_gan_zoo.data import digits_arrays


@dataclass
class DigitsClassifier:
    model: keras.Model
    accuracy: float  # on the split it was not trained on

    @classmethod
    def shipped(cls) -> "DigitsClassifier":
        from keras_gan_zoo.metrics.digits_classifier import classifier_info, load_digits_classifier

        network = load_digits_classifier()
        logits_only = keras.Model(network.input, network.outputs[1])
        return cls(logits_only, float(classifier_info()["accuracy"]))

    @classmethod
    def train(cls, split: str = "test", epochs: int = 80, image_size: int = 28) -> "DigitsClassifier":
        keras.utils.set_random_seed(0)
        x, y = digits_arrays("all", image_size=image_size)
        train_x, train_y = digits_arrays(split, image_size=image_size)
        other = "train" if split == "test" else "test"
        check_x, check_y = digits_arrays(other, image_size=image_size)
        inputs = keras.Input(x.shape[1:])
        h = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(inputs)
        h = keras.layers.MaxPooling2D()(h)
        h = keras.layers.Conv2D(64, 3, strides=2, padding="same", activation="relu")(h)
        h = keras.layers.GlobalAveragePooling2D()(h)
        h = keras.layers.Dropout(0.3)(h)
        logits = keras.layers.Dense(10)(h)
        model = keras.Model(inputs, logits)
        model.compile(keras.optimizers.Adam(3e-3),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        # Small random shifts so that slightly off-centre samples are still read.
        augment = keras.Sequential([keras.layers.RandomTranslation(0.08, 0.08, fill_value=-1.0)])
        aug_x = np.concatenate([train_x] + [augment(train_x, training=True).numpy() for _ in range(3)])
        aug_y = np.concatenate([train_y] * 4)
        model.fit(aug_x, aug_y, epochs=epochs, batch_size=64, verbose=0)
        accuracy = float(model.evaluate(check_x, check_y, verbose=0)[1])
        return cls(model, accuracy)

    def probabilities(self, images_unit: np.ndarray) -> np.ndarray:
        """Class probabilities for images in [0, 1] (as `generate` returns them)."""
        logits = self.model.predict(np.asarray(images_unit) * 2.0 - 1.0, verbose=0, batch_size=256)
        return keras.ops.convert_to_numpy(keras.ops.softmax(logits))

    def report(self, images_unit: np.ndarray) -> dict[str, float]:
        """Mean max-probability, classes covered (>= 2% of samples), classifier score
        ``exp(E KL(p(y|x) || p(y)))`` (10 = confident and uniform, 1 = useless)."""
        p = self.probabilities(images_unit)
        marginal = p.mean(axis=0)
        kl = np.sum(p * (np.log(p + 1e-12) - np.log(marginal + 1e-12)), axis=1)
        counts = np.bincount(p.argmax(axis=1), minlength=10)
        return {
            "confidence": float(p.max(axis=1).mean()),
            "classes_covered": int((counts >= 0.02 * len(p)).sum()),
            "classifier_score": float(np.exp(kl.mean())),
        }
