"""CGAN (Mirza & Osindero 2014): conditioning, training, bad input, export, quality."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo

SMALL_MLP = dict(architecture="mlp", generator_units=[32, 64], discriminator_units=[64, 32],
                 latent_dim=16)
SMALL_CONV = dict(architecture="conv", generator_filters=8, discriminator_filters=8,
                  kernel_size=3, latent_dim=16)


def small_cgan(architecture: str = "mlp", **overrides) -> zoo.CGAN:
    config = dict(SMALL_MLP if architecture == "mlp" else SMALL_CONV)
    config.update(seed=0, **overrides)
    return zoo.build("cgan", **config)


def layer_types(model: keras.Model) -> set[str]:
    return {type(layer).__name__ for layer in model._flatten_layers()}


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_build_and_one_step_with_labels_concatenated(architecture):
    model = small_cgan(architecture)
    assert isinstance(model, zoo.CGAN) and model.architecture == architecture
    assert model.generator.output_shape == (None, 28, 28, 1)
    assert model.discriminator.output_shape == (None, 1)
    for network in (model.generator, model.discriminator):
        # The label joins by concatenation of its one-hot vector, not by a product.
        assert {"CategoryEncoding", "Concatenate"} <= layer_types(network)
        assert "Multiply" not in layer_types(network)
    model.compile()
    logs = model.train_on_batch(model.example_batch(8), return_dict=True)
    assert set(logs) == {"loss", "d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v) for v in logs.values())


def test_learned_embedding_option_and_the_label_changes_the_image():
    model = small_cgan("conv", embedding_dim=6)
    assert "Embedding" in layer_types(model.generator)
    z = model.noise(1, seed=0).repeat(2, axis=0)
    images = model.generate(z=z, labels=[3, 7])
    assert images.shape == (2, 28, 28, 1)
    assert np.abs(images[0] - images[1]).max() > 1e-6  # small: untrained DCGAN outputs are near 0.5


def test_default_config_builds_from_the_registry():
    model = zoo.build("cgan")
    assert model.num_classes == 10 and model.latent_dim == 100
    assert "cgan" in zoo.available()
    assert zoo.load_config("cgan")["paper"].startswith("Mirza & Osindero 2014")


def test_dataset_without_labels_is_a_clear_error():
    model = small_cgan()
    model.compile()
    images_only = zoo.data.load("digits", batch_size=8, with_labels=False).take(1)
    with pytest.raises(ValueError, match=r"CGAN trains on \(images, labels\) pairs, but the dataset yields images only"):
        model.fit(images_only, epochs=1, verbose=0)


def test_one_hot_dataset_labels_are_a_clear_error():
    model = small_cgan()
    model.compile()
    images, labels = model.example_batch(4)
    with pytest.raises(ValueError, match=r"int class indices of shape \[batch\]"):
        model.train_on_batch(images, np.eye(10, dtype=np.float32)[labels])


def test_fit_on_labelled_digits_and_the_labels_flow():
    model = small_cgan()
    model.compile()
    dataset = zoo.data.load("digits", batch_size=16, with_labels=True).take(2)
    history = model.fit(dataset, epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(labels=[0, 10]), r"labels must be in \[0, 10\) \(10 classes\), got \[10\]"),
        (dict(labels=[-1, 2]), r"labels must be in \[0, 10\) \(10 classes\), got \[-1\]"),
        (dict(labels=np.eye(10)[[1, 2]]), r"1-D array of class indices .* not one-hot"),
        (dict(labels=[0.5, 1.0]), r"labels must be integer class indices"),
        (dict(labels=[1, 2], num_samples=3), r"num_samples=3 but labels has 2 entries"),
        (dict(labels=[1, 2], z=np.zeros((3, 16))), r"z has 3 rows but labels has 2 entries"),
        (dict(labels=[1, 2], z=np.zeros((2, 5))), r"z must have shape \[num_samples, 16\]"),
        (dict(), r"Pass labels=\[\.\.\.\] \(class indices in \[0, 10\)\)"),
    ],
)
def test_bad_generate_inputs_are_clear_errors(kwargs, message):
    model = small_cgan()
    with pytest.raises(ValueError, match=message):
        model.generate(**kwargs)


def test_generate_is_seeded_and_random_labels_work():
    model = small_cgan()
    a = model.generate(labels=[1, 2, 3], seed=5)
    b = model.generate(labels=[1, 2, 3], seed=5)
    np.testing.assert_array_equal(a, b)
    assert 0.0 <= a.min() and a.max() <= 1.0
    assert model.generate(num_samples=4, seed=0).shape == (4, 28, 28, 1)


def test_sample_grid_row_r_is_class_r():
    model = small_cgan()
    images, rows = model.sample_grid(num_samples=30, seed=3)
    assert rows == 10 and images.shape == (30, 28, 28, 1)
    z = model.noise(3, seed=3)
    for r in (0, 4, 9):
        np.testing.assert_allclose(images[3 * r : 3 * r + 3], model.generate(z=z, labels=[r] * 3), atol=1e-6)


@pytest.mark.tensorflow_only(reason="tf.distribute")
def test_fake_labels_differ_per_replica(mirrored_strategy):
    with mirrored_strategy.scope():
        model = small_cgan()
        model.compile()
    per_replica = mirrored_strategy.run(tf.function(lambda: model.sample_labels(64)))
    first, second = (t.numpy() for t in mirrored_strategy.experimental_local_results(per_replica))
    assert not np.array_equal(first, second)
    assert 0 <= min(first.min(), second.min()) and max(first.max(), second.max()) < 10


@pytest.mark.distributed
@pytest.mark.tensorflow_only(reason="tf.distribute")
@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_fit_under_mirrored_strategy(mirrored_strategy, architecture):
    with mirrored_strategy.scope():
        model = small_cgan(architecture)
        model.compile()
    dataset = zoo.data.load("digits", batch_size=16, drop_remainder=True, seed=0).take(3)
    history = model.fit(dataset, epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.isfinite(values[-1]), f"{name} = {values[-1]}"


@pytest.mark.parametrize("architecture", ["mlp", "conv"])
def test_export_round_trip_matches_generate(tmp_path, architecture):
    model = small_cgan(architecture)
    model.compile()
    model.train_on_batch(model.example_batch(8))  # move batch-norm statistics off their init
    model.export(tmp_path / "saved", verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "saved"))
    signature = reloaded.signatures["serving_default"]
    z = model.noise(10, seed=1)
    labels = np.arange(10, dtype=np.int32)
    served = signature(z=tf.constant(z), label=tf.constant(labels))["images"].numpy()
    expected = model.generate(z=z, labels=labels)
    assert served.shape == (10, 28, 28, 1)
    assert np.abs(served - expected).max() <= 1e-5
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label must be class indices in \[0, 10\)"):
        signature(z=tf.constant(z[:1]), label=tf.constant([10], tf.int32))


def test_keras_save_and_load_round_trip(tmp_path):
    model = small_cgan("conv", embedding_dim=4)
    model.compile()
    model.train_on_batch(model.example_batch(8))
    path = tmp_path / "cgan.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, zoo.CGAN) and loaded.get_config() == model.get_config()
    np.testing.assert_allclose(
        loaded.generate(labels=[0, 5, 9], seed=2), model.generate(labels=[0, 5, 9], seed=2), atol=1e-6
    )


def conditional_accuracy(model, classifier, per_class: int = 50, seed: int = 1) -> float:
    labels = np.repeat(np.arange(model.num_classes), per_class)
    predicted = classifier.probabilities(model.generate(labels=labels, seed=seed)).argmax(axis=1)
    return float((predicted == labels).mean())


#: The configuration of the quality test: zoo_configs/cgan.yaml (conv networks).
#: Measured (seed 0): conditional accuracy 0.894-0.938 at epochs 20-32, 0.952 at 36, 0.968 at
#: 40, 0.970 at 48.
QUALITY_EPOCHS = 40


@pytest.mark.slow
@pytest.mark.both_backends
def test_generated_digits_have_the_conditioned_class(digits_classifier):
    """A classifier trained on the held-out digits test split reads the class each
    image was conditioned on (target >= 90%; untrained: near chance)."""
    model = zoo.build("cgan", seed=0)
    model.compile()
    untrained = conditional_accuracy(model, digits_classifier)
    dataset = zoo.data.load("digits", batch_size=64, split="train", with_labels=True, seed=0)
    start = time.perf_counter()
    model.fit(dataset, epochs=QUALITY_EPOCHS, verbose=0)
    seconds = time.perf_counter() - start
    trained = conditional_accuracy(model, digits_classifier)
    print(f"\nCGAN conditional accuracy: untrained {untrained:.1%}, trained {trained:.1%} "
          f"after {QUALITY_EPOCHS} epochs ({seconds:.0f} s); classifier's own held-out "
          f"accuracy {digits_classifier.accuracy:.1%}")
    assert untrained <= 0.30
    assert trained >= 0.90
