"""The BaseGAN behaviour every entry shares, shown on GAN and DCGAN."""

import subprocess

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo


def small_dcgan(**overrides):
    config = dict(generator_filters=16, discriminator_filters=8, seed=0)
    config.update(overrides)
    return zoo.build("dcgan", **config)


def test_generate_is_in_unit_range_and_reproducible():
    model = small_dcgan()
    a = model.generate(8, seed=3)
    assert a.shape == (8, 28, 28, 1) and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, model.generate(8, seed=3))
    assert not np.allclose(a, model.generate(8, seed=4))
    z = model.noise(8, seed=3)
    np.testing.assert_array_equal(a, model.generate(z=z))


def test_generate_rejects_bad_noise():
    model = small_dcgan()
    with pytest.raises(ValueError, match=r"z must have shape \[num_samples, 100\]"):
        model.generate(z=np.zeros((2, 7)))
    with pytest.raises(ValueError, match="num_samples=... or z="):
        model.generate()


def test_d_steps_gives_k_discriminator_updates_per_generator_update():
    model = zoo.build("gan", d_steps=3, seed=0)
    model.compile()
    model.train_on_batch(model.example_batch(12))
    model.train_on_batch(model.example_batch(12))
    assert int(model.d_optimizer.iterations) == 6
    assert int(model.g_optimizer.iterations) == 2


def count_examples_per_update(model):
    """Wrap the model's updates: the real and fake examples each D step and G step sees."""
    seen = {"d_real": [], "d_fake": [], "g": []}
    update_discriminator, update_generator = model.update_discriminator, model.update_generator

    def spy_discriminator(real_images, condition=None):
        logs = update_discriminator(real_images, condition)
        seen["d_real"].append(real_images.shape[0])
        seen["d_fake"].append(logs["d_fake"].shape[0])
        return logs

    def spy_generator(batch_size, real_images=None, condition=None):
        logs = update_generator(batch_size, real_images, condition)
        seen["g"].append(logs["g_loss"].shape[0])
        return logs

    model.update_discriminator, model.update_generator = spy_discriminator, spy_generator
    return seen


@pytest.mark.parametrize("name", ["gan", "cgan"])
def test_each_of_the_k_discriminator_steps_sees_a_full_minibatch(name):
    # Algorithm 1 of Goodfellow et al. 2014: each of the k D steps draws m real examples
    # and m noise samples, G's step m noise samples. load_dataset(batch_size=m) gives
    # batches of k * m that the step splits k ways.
    model = zoo.build(name, d_steps=3, seed=0, **({"generator_filters": 4,
                      "discriminator_filters": 4} if name == "cgan" else {}))
    model.compile()
    seen = count_examples_per_update(model)
    dataset = model.load_dataset("digits", batch_size=8, drop_remainder=True)
    assert model.real_images(next(iter(dataset))).shape[0] == 24
    model.fit(dataset.take(2), epochs=1, verbose=0)
    assert seen == {"d_real": [8] * 3, "d_fake": [8] * 3, "g": [8]}  # traced once
    assert int(model.d_optimizer.iterations) == 6 and int(model.g_optimizer.iterations) == 2
    # A dataset of the user's own, batch B: each D step gets B / k of it (documented).
    model = zoo.build("gan", d_steps=3, seed=0)
    model.compile()
    seen = count_examples_per_update(model)
    model.fit(tf.data.Dataset.from_tensor_slices(model.example_batch(24)).batch(12, True),
              epochs=1, verbose=0)
    assert seen == {"d_real": [4] * 3, "d_fake": [4] * 3, "g": [4]}


def test_minimax_generator_loss_is_selectable():
    model = zoo.build("gan", adversarial_loss="minimax", seed=0)
    model.compile()
    logs = model.train_on_batch(model.example_batch(8), return_dict=True)
    assert logs["g_loss"] < 0  # log(1 - D(G(z))) is negative
    with pytest.raises(ValueError, match="non_saturating"):
        zoo.build("gan", adversarial_loss="hinged")


def test_training_moves_both_networks_and_reports_every_tracker():
    model = small_dcgan()
    model.compile()
    g_before = [w.numpy().copy() for w in model.generator.trainable_weights]
    d_before = [w.numpy().copy() for w in model.discriminator.trainable_weights]
    history = model.fit(zoo.data.load("digits", batch_size=32).take(3), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "d_loss", "g_loss", "d_real", "d_fake"}
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(g_before, model.generator.trainable_weights))
    assert any(not np.allclose(a, b.numpy()) for a, b in zip(d_before, model.discriminator.trainable_weights))


def test_wrong_image_shape_names_the_problem_and_the_fix():
    model = small_dcgan()
    model.compile()
    data = zoo.data.load("digits", image_size=32, batch_size=8).take(1)
    with pytest.raises(ValueError) as error:
        model.fit(data, epochs=1, verbose=0)
    message = str(error.value)
    assert "(32, 32, 1)" in message and "(28, 28, 1)" in message and "image_size=(28, 28)" in message


def test_compile_rejects_single_optimizer_api():
    with pytest.raises(ValueError, match="g_optimizer= and d_optimizer="):
        small_dcgan().compile(optimizer="adam")


@pytest.mark.parametrize("state", ["untrained", "trained", "reloaded"])
def test_savedmodel_round_trip(tmp_path, state):
    model = small_dcgan()
    if state != "untrained":
        model.compile()
        model.fit(zoo.data.load("digits", batch_size=16).take(2), epochs=1, verbose=0)
    if state == "reloaded":
        model.save(tmp_path / "model.keras")
        model = keras.models.load_model(tmp_path / "model.keras")
    model.export(str(tmp_path / "dcgan" / "1"), verbose=False)
    z = model.noise(5, seed=11)
    served = tf.saved_model.load(str(tmp_path / "dcgan" / "1")).signatures["serving_default"]
    out = served(z=tf.constant(z))
    assert list(out) == ["images"]
    images = out["images"].numpy()
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32
    assert np.abs(images - model.generate(z=z)).max() <= 1e-5


def test_keras_file_round_trip_keeps_config_weights_and_compile(tmp_path):
    model = zoo.build("gan", latent_dim=32, label_smoothing=0.1, seed=5)
    model.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.SGD(0.1))
    model.fit(zoo.data.load("digits", batch_size=16).take(2), epochs=1, verbose=0)
    model.save(tmp_path / "gan.keras")
    loaded = keras.models.load_model(tmp_path / "gan.keras")
    assert type(loaded) is type(model)
    assert loaded.get_config() == model.get_config()
    z = model.noise(6, seed=2)
    np.testing.assert_allclose(loaded.generate(z=z), model.generate(z=z), atol=1e-6)
    assert isinstance(loaded.d_optimizer, keras.optimizers.SGD)
    assert loaded.g_optimizer.learning_rate.numpy() == pytest.approx(1e-3)
    loaded.fit(zoo.data.load("digits", batch_size=16).take(1), epochs=1, verbose=0)


def test_saved_model_cli_lists_the_signature(tmp_path):
    small_dcgan().export(str(tmp_path / "m"), verbose=False)
    shown = subprocess.run(["saved_model_cli", "show", "--all", "--dir", str(tmp_path / "m")],
                           capture_output=True, text=True, check=True).stdout
    assert "signature_def['serving_default']" in shown
    assert "inputs['z']" in shown and "outputs['images']" in shown
    assert "(-1, 100)" in shown and "(-1, 28, 28, 1)" in shown


def test_the_state_kerass_jax_fit_keeps_after_each_step_is_stored_as_given():
    """Keras' JAX `fit` puts every variable's value in ``model._jax_state`` after each step
    (for a callback that syncs it); `keras.Layer.__setattr__` would walk the dict to track what
    it holds, arrays only, on every step. It is stored as given, untracked."""
    model = zoo.build("gan", seed=0)
    state = {"trainable_variables": [np.zeros(2, "float32")], "metrics_variables": []}
    model._jax_state = state
    assert model._jax_state is state
    model.compile()
    model.fit(model.example_batch(8), batch_size=4, epochs=1, verbose=0)
    assert int(model.g_optimizer.iterations) == 2  # fit syncs its state back as before
