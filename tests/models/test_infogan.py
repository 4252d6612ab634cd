"""InfoGAN (Chen et al. 2016): codes, Q head, update rules, bad input, export, quality."""

from __future__ import annotations

import math
import time

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import ops
from scipy.optimize import linear_sum_assignment

import keras_gan_zoo as zoo
from keras_gan_zoo import losses
from tests.model_steps import FEW_STEPS_EAGERLY, as_step

SMALL = dict(latent_dim=8, generator_units=[32], generator_filters=8,
             discriminator_units=[32], discriminator_filters=8, q_units=[16])


def small_infogan(**overrides) -> zoo.InfoGAN:
    return zoo.build("infogan", **{**SMALL, "seed": 0, **overrides})


def snapshot(variables) -> list[np.ndarray]:
    return [np.array(v.numpy()) for v in variables]


def changed(before, variables) -> list[bool]:
    return [not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)]


def test_default_config_is_the_papers_mnist_setting():
    model = zoo.build("infogan")
    assert (model.latent_dim, model.num_categories, model.num_continuous) == (62, 10, 2)
    assert (model.categorical_weight, model.continuous_weight) == (1.0, 0.1)
    assert model.learning_rate == 2e-4 and model.generator_learning_rate == 1e-3
    assert [tuple(s) for s in model.generator.input_shape] == [(None, 62), (None,), (None, 2)]
    assert model.generator.output_shape == (None, 28, 28, 1)
    # D: conv64 - conv128 - FC1024 trunk; its features feed Q's own head.
    logits_shape, features_shape = model.discriminator.output_shape
    assert logits_shape == (None, 1) and features_shape == (None, 1024)
    assert model.q_network.input_shape == (None, 1024)
    posterior = model.q_network(np.zeros((3, 1024), np.float32))
    assert {name: tuple(t.shape) for name, t in posterior.items()} == {
        "categorical_logits": (3, 10), "continuous_mean": (3, 2)}
    assert zoo.load_config("infogan")["paper"].startswith("Chen et al. 2016")


def test_q_head_outputs_logits_with_one_softmax_only():
    model = small_infogan(continuous_std=None)
    head = model.q_network
    assert set(head(np.zeros((1, 32), np.float32))) == {"categorical_logits", "continuous_mean", "continuous_log_std"}
    assert head.get_layer("categorical_logits").activation is keras.activations.linear
    assert "Softmax" not in {type(layer).__name__ for layer in head.layers}


def test_mutual_information_terms():
    codes = np.array([0, 1, 2, 3], np.int32)
    perfect = np.eye(10, dtype=np.float32)[codes] * 100.0
    uniform = np.zeros((4, 10), np.float32)
    np.testing.assert_allclose(losses.categorical_mutual_information(codes, perfect), math.log(10), atol=1e-5)
    np.testing.assert_allclose(losses.categorical_mutual_information(codes, uniform), 0.0, atol=1e-6)
    c = np.array([[0.5, -0.5]], np.float32)
    # Gaussian with std 1 centred on the code: 2 * (ln 2 - ln sqrt(2 pi)).
    expected = 2 * (math.log(2.0) - 0.5 * math.log(2 * math.pi))
    np.testing.assert_allclose(losses.gaussian_mutual_information(c, c, 0.0), [expected], atol=1e-6)
    sharper = losses.gaussian_mutual_information(c, c, np.full((1, 2), -1.0, np.float32))
    assert float(sharper[0]) > expected


def test_one_step_reports_l_i_in_nats_within_its_bound():
    model = small_infogan()
    model.compile()
    assert model.q_optimizer is not model.d_optimizer and model.q_optimizer.built
    logs = model.train_on_batch(model.example_batch(8), return_dict=True)
    assert set(logs) == {"loss", "d_loss", "g_loss", "d_real", "d_fake", "l_i", "l_i_cont"}
    assert all(np.isfinite(v) for v in logs.values())
    assert logs["l_i"] <= math.log(10) + 1e-6


def test_generator_update_changes_only_the_generator():
    """The G step must not move D's trunk (nor D's head, nor Q's head)."""
    model = small_infogan()
    model.compile()
    trunk_and_head = model.discriminator.trainable_variables
    q_head = model.q_network.trainable_variables
    d_before, q_before = snapshot(trunk_and_head), snapshot(q_head)
    g_before = snapshot(model.generator.trainable_variables)
    as_step(model, lambda model: model.update_generator(16))
    assert not any(changed(d_before, trunk_and_head)), "G step updated the discriminator"
    assert not any(changed(q_before, q_head)), "G step updated the Q head"
    assert any(changed(g_before, model.generator.trainable_variables))


def test_discriminator_update_moves_trunk_and_q_head_but_not_the_generator():
    model = small_infogan()
    model.compile()
    real, _ = zoo.data.digits_arrays("train")
    d_before = snapshot(model.discriminator.trainable_variables)
    q_before = snapshot(model.q_network.trainable_variables)
    g_before = snapshot(model.generator.trainable_variables)
    as_step(model, lambda model: model.update_discriminator(ops.convert_to_tensor(real[:16])))
    assert all(changed(d_before, model.discriminator.trainable_variables))
    assert all(changed(q_before, model.q_network.trainable_variables))
    assert not any(changed(g_before, model.generator.trainable_variables))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(categorical=[0, 10]), r"categorical must be in \[0, 10\) \(10 classes\), got \[10\]"),
        (dict(categorical=np.eye(10)[[1, 2]]), r"categorical must be a 1-D array of class indices"),
        (dict(continuous=np.zeros((2, 3))), r"continuous must have shape \[num_samples, 2\], got \(2, 3\)"),
        (dict(continuous=np.zeros(2)), r"continuous must have shape \[num_samples, 2\], got \(2,\)"),
        (dict(categorical=[1, 2], continuous=np.zeros((3, 2))), r"num_samples=2 but continuous has 3 rows"),
        (dict(z=np.zeros((2, 62))), r"z must have shape \[num_samples, 8\]"),
        (dict(num_samples=3, categorical=[1, 2]), r"num_samples=3 but categorical has 2 entries"),
        (dict(), r"Pass num_samples=\.\.\. or any of z=, categorical=, continuous="),
    ],
)
def test_bad_code_inputs_are_clear_errors(kwargs, message):
    model = small_infogan()
    with pytest.raises(ValueError, match=message):
        model.generate(**kwargs)


def test_generate_fills_missing_codes_from_the_seed():
    model = small_infogan()
    a = model.generate(categorical=[3, 3], seed=4)
    np.testing.assert_array_equal(a, model.generate(categorical=[3, 3], seed=4))
    assert model.generate(num_samples=5, seed=0).shape == (5, 28, 28, 1)
    z = model.noise(2, seed=1)
    same_z_other_code = model.generate(z=z, categorical=[0, 0], continuous=[[0, 0], [1.5, 0]])
    assert np.abs(same_z_other_code[0] - same_z_other_code[1]).max() > 1e-5


def test_latent_traversal_grid():
    model = small_infogan()
    images, rows = model.sample_grid(num_samples=50, seed=7)
    assert rows == 10 and images.shape == (50, 28, 28, 1)
    z = np.repeat(model.noise(1, seed=7), 5, axis=0)
    sweep = np.stack([np.linspace(-2.0, 2.0, 5), np.zeros(5)], axis=1)
    np.testing.assert_allclose(images[15:20], model.generate(z=z, categorical=[3] * 5, continuous=sweep), atol=1e-6)


@pytest.mark.tensorflow_only(reason="tf.distribute")
def test_codes_differ_per_replica(mirrored_strategy):
    with mirrored_strategy.scope():
        model = small_infogan()
        model.compile()
    per_replica = mirrored_strategy.run(tf.function(lambda: model.sample_generator_inputs(32)))
    for part in per_replica:
        first, second = (t.numpy() for t in mirrored_strategy.experimental_local_results(part))
        assert not np.array_equal(first, second)


@pytest.mark.distributed
@pytest.mark.tensorflow_only(reason="tf.distribute")
def test_fit_under_mirrored_strategy(mirrored_strategy):
    with mirrored_strategy.scope():
        model = small_infogan()
        model.compile()
    dataset = zoo.data.load("digits", batch_size=16, drop_remainder=True, with_labels=False, seed=0).take(3)
    history = model.fit(dataset, epochs=1, verbose=0)
    for name, values in history.history.items():
        assert np.isfinite(values[-1]), f"{name} = {values[-1]}"


def test_fit_ignores_labels_it_is_given():
    model = small_infogan()
    model.compile()
    history = model.fit(zoo.data.load("digits", batch_size=16).take(2), epochs=1, verbose=0)
    assert np.isfinite(history.history["l_i"][-1])


def test_export_round_trip_matches_generate(tmp_path):
    model = small_infogan()
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)  # one step to move the weights
    model.train_on_batch(model.example_batch(8))
    model.export(tmp_path / "saved", verbose=False)
    signature = tf.saved_model.load(str(tmp_path / "saved")).signatures["serving_default"]
    z = model.noise(10, seed=1)
    categorical = np.arange(10, dtype=np.int32)
    continuous = np.random.default_rng(0).uniform(-2, 2, (10, 2)).astype(np.float32)
    served = signature(z=tf.constant(z), categorical=tf.constant(categorical),
                       continuous=tf.constant(continuous))["images"].numpy()
    expected = model.generate(z=z, categorical=categorical, continuous=continuous)
    assert served.shape == (10, 28, 28, 1)
    assert np.abs(served - expected).max() <= 1e-5
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"categorical must be class indices in \[0, 10\)"):
        signature(z=tf.constant(z[:1]), categorical=tf.constant([-1], tf.int32),
                  continuous=tf.constant(continuous[:1]))


def test_keras_save_and_load_round_trip(tmp_path):
    model = small_infogan(continuous_std=None)
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)  # one step to move the weights
    model.train_on_batch(model.example_batch(8))
    path = tmp_path / "infogan.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, zoo.InfoGAN) and loaded.get_config() == model.get_config()
    assert loaded.q_optimizer.get_config()["learning_rate"] == pytest.approx(1e-3)
    kwargs = dict(categorical=[0, 4, 9], continuous=[[0, 0], [1, -1], [-2, 2]], seed=3)
    np.testing.assert_allclose(loaded.generate(**kwargs), model.generate(**kwargs), atol=1e-6)
    for original, restored in zip(model.q_network.weights, loaded.q_network.weights):
        np.testing.assert_array_equal(original.numpy(), restored.numpy())


def hungarian_accuracy(model, classifier, per_category: int = 100, seed: int = 1) -> float:
    """Accuracy of the best one-to-one map categories -> digit classes (10% if collapsed)."""
    categories = np.repeat(np.arange(model.num_categories), per_category)
    predicted = classifier.probabilities(model.generate(categorical=categories, seed=seed)).argmax(axis=1)
    counts = np.zeros((model.num_categories, 10))
    np.add.at(counts, (categories, predicted), 1)
    rows, columns = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, columns].sum() / len(categories))


#: Smaller than the paper's MNIST networks (see the README) to fit the CI budget.
QUALITY_OVERRIDES = dict(generator_units=[256], generator_filters=32,
                         discriminator_units=[256], discriminator_filters=32)
QUALITY_EPOCHS = 50


@pytest.mark.slow
def test_categorical_code_captures_digit_identity_without_labels(digits_classifier):
    model = zoo.build("infogan", seed=0, **QUALITY_OVERRIDES)
    model.compile()
    untrained = hungarian_accuracy(model, digits_classifier)
    dataset = zoo.data.load("digits", batch_size=64, split="train", with_labels=False,
                            drop_remainder=True, seed=0)
    start = time.perf_counter()
    history = model.fit(dataset, epochs=QUALITY_EPOCHS, verbose=0)
    seconds = time.perf_counter() - start
    trained = hungarian_accuracy(model, digits_classifier)
    l_i = history.history["l_i"][-1]
    print(f"\nInfoGAN categorical code vs digit class (Hungarian): untrained {untrained:.1%}, "
          f"trained {trained:.1%}; L_I {l_i:.3f} nats (ln 10 = {math.log(10):.3f}) after "
          f"{QUALITY_EPOCHS} epochs ({seconds:.0f} s)")
    assert l_i <= math.log(10) + 1e-6
    assert l_i >= 2.0
    assert trained >= 0.80
