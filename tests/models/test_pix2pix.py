"""pix2pix: networks as the paper, training, distribution, save/export round trips, quality."""

import re
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo.data.paired import digits_pairs
from keras_gan_zoo.networks import patchgan_discriminator, unet_generator
from keras_gan_zoo.networks.unet import unet_depth
from tests.model_steps import FEW_STEPS_EAGERLY

SMALL = dict(image_shape=[32, 32, 1], generator_filters=8, discriminator_filters=8, seed=0)


def _numpy(x):
    return keras.ops.convert_to_numpy(x)


def _input_gradient(function, x):
    """The gradient of the scalar ``function(x)`` with respect to ``x`` on the Keras backend."""
    if keras.backend.backend() == "jax":
        import jax

        return np.asarray(jax.grad(function)(keras.ops.convert_to_tensor(x)))
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = function(x)
    return tape.gradient(value, x).numpy()


def _images(n=3, shape=(32, 32, 1), seed=0):
    return np.random.default_rng(seed).random((n, *shape)).astype(np.float32)


# ----------------------------------------------------------------- networks
def test_config_has_the_paper_defaults():
    config = zoo.load_config("pix2pix")["config"]
    assert config["image_shape"] == [256, 256, 3]
    assert (config["norm"], config["receptive_field"], config["l1_weight"]) == ("batch", 70, 100.0)
    assert (config["learning_rate"], config["beta_1"], config["dropout"]) == (0.0002, 0.5, 0.5)
    assert config["paper_test_mode"] is True


@pytest.mark.parametrize("size,depth", [(32, 5), (64, 6), (128, 7), (256, 8)])
def test_unet_depth_adapts_to_the_image_size(size, depth):
    assert unet_depth((size, size, 3)) == depth
    generator = unet_generator((size, size, 3), 3, filters=2)
    assert generator.output_shape == (None, size, size, 3)
    convs = [layer for layer in generator.layers if type(layer) is keras.layers.Conv2D]
    assert len(convs) == depth
    assert [layer.rate for layer in generator.layers
            if isinstance(layer, keras.layers.Dropout)] == [0.5, 0.5, 0.5]


def test_default_build_is_the_papers_256px_model():
    model = zoo.build("pix2pix")
    generator = model.generator
    assert model.discriminator.input_shape == (None, 256, 256, 6)  # concat(input, output)
    assert model.discriminator.output_shape == (None, 30, 30, 1)  # 70x70 patches
    convs = [layer for layer in generator.layers if type(layer) is keras.layers.Conv2D]
    assert [c.filters for c in convs] == [64, 128, 256, 512, 512, 512, 512, 512]
    ups = [layer for layer in generator.layers if isinstance(layer, keras.layers.Conv2DTranspose)]
    assert [u.filters for u in ups] == [512, 512, 512, 512, 256, 128, 64, 3]
    # Trainable parameters as the authors' code reports them: 54.414 M and 2.769 M.
    trainable = lambda net: sum(int(np.prod(v.shape)) for v in net.trainable_variables)  # noqa: E731
    assert (trainable(generator), trainable(model.discriminator)) == (54_414_531, 2_768_705)
    # No norm on the first encoder layer: its output goes straight into the skip concat.
    first = convs[0].output
    assert any(first is s for c in generator.layers if isinstance(c, keras.layers.Concatenate)
               for s in c.input)
    with pytest.raises(ValueError, match="power of two"):
        unet_generator((48, 48, 3), 3)


def test_unet_instance_norm_option_and_non_square():
    generator = unet_generator((32, 64, 3), 1, filters=4, norm="instance")
    assert generator.output_shape == (None, 32, 64, 1)
    assert any(isinstance(layer, keras.layers.GroupNormalization) for layer in generator.layers)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in generator.layers)


@pytest.mark.parametrize("field", [1, 16, 70])
def test_patchgan_receptive_field_is_measured(field):
    """The gradient of one output w.r.t. the input is non-zero on exactly field x field pixels."""
    discriminator = patchgan_discriminator((128, 128, 2), filters=4, receptive_field=field,
                                           norm="none")
    images = np.random.default_rng(0).normal(size=(1, 128, 128, 2)).astype(np.float32)
    h, w = discriminator.output_shape[1:3]
    gradient = _input_gradient(lambda x: discriminator(x)[0, h // 2, w // 2, 0], images)
    support = np.abs(gradient[0]).sum(-1) > 0
    rows, cols = np.where(support.any(1))[0], np.where(support.any(0))[0]
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == (field, field)


def test_patchgan_286_and_errors():
    assert patchgan_discriminator((256, 256, 6), 2, 286).output_shape == (None, 6, 6, 1)
    assert patchgan_discriminator((256, 256, 6)).output_shape == (None, 30, 30, 1)
    with pytest.raises(ValueError, match="receptive_field must be one of"):
        patchgan_discriminator((64, 64, 3), receptive_field=50)
    with pytest.raises(ValueError, match="smaller receptive_field"):
        patchgan_discriminator((32, 32, 3), receptive_field=286)


def test_rejects_noise_arguments_and_checks_shapes():
    with pytest.raises(ValueError, match="latent_dim"):
        zoo.entry_class("pix2pix")(latent_dim=10, **SMALL)
    model = zoo.build("pix2pix", **SMALL)
    with pytest.raises(ValueError, match=r"shape \(16, 16, 1\)"):
        model.translate(_images(shape=(16, 16, 1)))
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        model.translate(_images() * 255)


# ----------------------------------------------------------------- training
def test_train_step_updates_both_networks_and_reports_losses():
    model = zoo.build("pix2pix", **SMALL)
    model.compile()
    g_before = [_numpy(v).copy() for v in model.generator.trainable_variables]
    d_before = [_numpy(v).copy() for v in model.discriminator.trainable_variables]
    history = model.fit(model.load_dataset(batch_size=4, seed=0).take(2), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "d_loss", "g_loss", "l1_loss", "d_real", "d_fake"}
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert any(np.abs(b - _numpy(v)).max() > 0 for b, v in
               zip(g_before, model.generator.trainable_variables))
    assert any(np.abs(b - _numpy(v)).max() > 0 for b, v in
               zip(d_before, model.discriminator.trainable_variables))
    assert int(model.g_optimizer.iterations) == int(model.d_optimizer.iterations) == 2


def test_rgb_input_to_gray_output():
    model = zoo.build("pix2pix", image_shape=[32, 32, 1], input_channels=3, generator_filters=4,
                      discriminator_filters=4)
    assert model.discriminator.input_shape == (None, 32, 32, 4)  # concat(input, output)
    assert model.translate(_images(shape=(32, 32, 3))).shape == (3, 32, 32, 1)
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)
    logs = model.train_on_batch((_images(2, (32, 32, 3)) * 2 - 1, _images(2) * 2 - 1),
                                return_dict=True)
    assert np.isfinite(float(logs["l1_loss"]))
    images, rows = model.sample_grid(4)
    assert images.shape == (12, 32, 32, 3) and rows == 4  # an example per row


def test_paper_test_mode_keeps_dropout_at_inference():
    x = _images()
    paper = zoo.build("pix2pix", **SMALL)
    assert np.abs(paper.translate(x) - paper.translate(x)).max() > 1e-3  # dropout: stochastic
    plain = zoo.build("pix2pix", paper_test_mode=False, **SMALL)
    np.testing.assert_array_equal(plain.translate(x), plain.translate(x))
    images, rows = plain.sample_grid(num_samples=8, seed=0)
    assert images.shape == (24, 32, 32, 1) and rows == 8  # (input | output | target) x 8 rows
    assert 0.0 <= images.min() and images.max() <= 1.0


@pytest.mark.distributed
@pytest.mark.tensorflow_only(reason="tf.distribute")
def test_fit_under_mirrored_strategy(mirrored_strategy):
    with mirrored_strategy.scope():
        model = zoo.build("pix2pix", **SMALL)
        model.compile()
    history = model.fit(model.load_dataset(batch_size=4, seed=0).take(3), epochs=1, verbose=0)
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert int(model.g_optimizer.iterations.numpy()) == 3


# ------------------------------------------------------------ round trips
@pytest.fixture(scope="module")
def trained():
    """A small pix2pix after one training step (moving statistics and weights moved)."""
    model = zoo.build("pix2pix", **SMALL)
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)
    model.fit(model.load_dataset(batch_size=4, seed=0).take(1), epochs=1, verbose=0)
    return model


@pytest.mark.parametrize("paper_test_mode", [False, True])
def test_export_round_trip(tmp_path, trained, paper_test_mode):
    """Reloaded outputs equal the model's. With the paper's test mode (dropout at inference),
    the dropout masks come from seed-generator state that is exported with the model: the
    SavedModel's next call and the model's next call draw the same masks."""
    trained.paper_test_mode = paper_test_mode  # (a config value; switched here to share a model)
    trained.export(str(tmp_path / "saved"), verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "saved"))
    assert set(reloaded.signatures) == {"serving_default"}
    signature = reloaded.signatures["serving_default"]
    x = _images()
    for _ in range(2):  # twice: the masks advance in step
        served = signature(image=tf.constant(x))["images"].numpy()
        np.testing.assert_allclose(served, trained.translate(x), atol=1e-5, rtol=0)
    assert 0.0 <= served.min() and served.max() <= 1.0
    again = signature(image=tf.constant(x))["images"].numpy()
    if paper_test_mode:  # new dropout masks per call
        assert np.abs(served - again).max() > 1e-3
    else:
        np.testing.assert_array_equal(served, again)


def test_keras_save_load_round_trip(tmp_path, trained):
    x = _images()
    trained.paper_test_mode = False
    trained.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert type(loaded).__name__ == "Pix2Pix" and loaded.get_config() == trained.get_config()
    np.testing.assert_allclose(loaded.translate(x), trained.translate(x), atol=1e-6)
    assert loaded.compiled
    loaded.fit(loaded.load_dataset(batch_size=4, seed=0).take(1), epochs=1, verbose=0)
    # Paper test mode: a .keras file does not keep the dropout RNG state, a loaded model
    # starts where an int seed puts it, as a freshly built model does.
    fresh = zoo.build("pix2pix", **SMALL)
    fresh.save(tmp_path / "paper.keras")
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "paper.keras").translate(x),
                               fresh.translate(x), atol=1e-6)


# ----------------------------------------------------------------- quality
@pytest.mark.slow
def test_learns_digits_from_outlines_better_than_baselines():
    """Held-out mean L1 (images in [0, 1]) of the paper-mode model (dropout and batch statistics
    at test time) after a CI-sized budget: 200 steps of batch 8 at 32x32, narrow networks.
    Measured (seed 0): trained 0.058 (0.075 after 150 steps, 0.037 after 400), untrained
    0.341, output=input 0.233."""
    keras.utils.set_random_seed(0)
    start = time.perf_counter()
    model = zoo.build("pix2pix", image_shape=[32, 32, 1], generator_filters=16,
                      discriminator_filters=16, seed=0)
    model.compile()
    inputs, targets = (x / 2.0 + 0.5 for x in digits_pairs("test", 32, 1))
    held_out_l1 = lambda: float(np.abs(model.translate(inputs) - targets).mean())  # noqa: E731
    identity, untrained = float(np.abs(inputs - targets).mean()), held_out_l1()
    model.fit(model.load_dataset(batch_size=8, seed=0).repeat(), steps_per_epoch=50,
              epochs=4, verbose=0)
    trained = held_out_l1()
    print(f"\npix2pix held-out L1: trained {trained:.4f}, untrained {untrained:.4f}, "
          f"output=input {identity:.4f} ({time.perf_counter() - start:.0f} s)")
    assert trained < 0.5 * identity and trained < 0.5 * untrained


TINY_PIX2PIX = dict(image_shape=[32, 32, 1], generator_filters=4, discriminator_filters=4, seed=0)


@pytest.mark.distributed
@pytest.mark.tensorflow_only(reason="tf.distribute")
def test_pix2pix_replicas_draw_different_dropout_masks(mirrored_strategy):
    with mirrored_strategy.scope():
        model = zoo.build("pix2pix", **TINY_PIX2PIX)
    images = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 1)), tf.float32)

    @tf.function
    def on_each_replica():  # the same images and weights on both replicas: only dropout differs
        return mirrored_strategy.run(lambda: model(images, training=True))

    first, second = (t.numpy() for t in mirrored_strategy.experimental_local_results(on_each_replica()))
    assert not np.allclose(first, second)


def test_paper_test_mode_inference_leaves_batch_norm_moving_averages_unchanged():
    model = zoo.build("pix2pix", **TINY_PIX2PIX)
    assert model.paper_test_mode and model.norm == "batch"
    moving = [v for v in model.generator.non_trainable_variables
              if re.search(r"moving_(mean|variance)", v.path)]
    assert moving
    before = [_numpy(v).copy() for v in moving]
    model.translate(np.random.default_rng(0).uniform(0, 1, (4, 32, 32, 1)))
    model.sample_grid(num_samples=4)
    changed = [v.path for v, old in zip(moving, before) if not np.array_equal(_numpy(v), old)]
    assert changed == []


def test_paper_test_mode_samples_compiled_with_the_dropout_state_in_the_model():
    """`predict` runs the model compiled (jax.jit on JAX, a tf.function on TensorFlow), on the
    model's variables: the dropout layers' seed-generator state is among them, so two calls
    draw different masks, and the batch-norm moving averages are left as they were."""
    model = zoo.build("pix2pix", **TINY_PIX2PIX)
    dropouts = [layer for layer in model.generator.layers
                if isinstance(layer, keras.layers.Dropout)]
    states = {id(layer.seed_generator.state) for layer in dropouts}
    assert len(dropouts) == 3 and states <= {id(v) for v in model.non_trainable_variables}
    moving = [v for v in model.generator.non_trainable_variables
              if re.search(r"moving_(mean|variance)", v.path)]
    before = [_numpy(v).copy() for v in moving]
    x = _images(4) * 2.0 - 1.0
    first, second = (model.predict(x, batch_size=4, verbose=0) for _ in range(2))
    assert np.abs(first - second).max() > 1e-3  # new masks per call
    assert all(np.array_equal(_numpy(v), old) for v, old in zip(moving, before))
