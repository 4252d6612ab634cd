"""NoiseToImageGAN's switches: the modified losses, regularisers and stabilisers of its step.

Each switch is checked against its formula on a step whose inputs are known (fixed
noise and draws, SGD with rate 0 where the step must not move), on 2 replicas
against 1, through a ``.keras`` round trip and under mixed precision.
"""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan_zoo as zoo
from keras_gan_zoo import augment, losses, regularizers
from keras_gan_zoo.distribute import set_precision
from tests.fixed_noise import fixed_noise
from tests.model_steps import FEW_STEPS_EAGERLY, as_step
from tests.networks.stateless import value_and_gradient

GLOBAL_BATCH = 8
TINY = {
    "gan": dict(generator_units=[16], discriminator_units=[16], latent_dim=8),
    "dcgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=8),
    "cgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=8),
    "infogan": dict(latent_dim=8, generator_units=[16], generator_filters=4,
                    discriminator_units=[16], discriminator_filters=4, q_units=[8]),
    "coupledgan": dict(generator_filters=4, discriminator_filters=4, latent_dim=8),
    "ebgan": dict(generator_filters=4, discriminator_filters=4, embedding_dim=4, latent_dim=8),
}
#: Every switch on (the per-example ones; the loss is chosen per test).
SWITCHES = dict(gradient_penalty=10.0, r1_penalty=1.0, clip_weights=0.5, instance_noise=0.1,
                instance_noise_steps=100, diff_augment="translation,cutout,color", ema=0.9,
                g_learning_rate=1e-3, d_learning_rate=4e-4)


def tiny(name="gan", **config):
    return zoo.build(name, seed=0, **{**TINY[name], **config})


def fixed_draws(model, global_batch=GLOBAL_BATCH):
    """Like `fixed_noise` for the uniform and normal draws of `discriminator_inputs` and
    the gradient penalty: replica r of n gets rows block r of fixed [global_batch, ...]
    arrays, so n replicas together draw what one replica draws."""

    def rows(shape, normal):
        context = tf.distribute.get_replica_context()
        local = global_batch // context.num_replicas_in_sync
        trailing = [int(d) for d in shape[1:]]
        rng = np.random.default_rng(sum(trailing) + 7 * normal)
        draw = rng.standard_normal if normal else rng.uniform
        full = tf.constant(draw(size=(global_batch, *trailing)).astype(np.float32))
        start = tf.cast(context.replica_id_in_sync_group, tf.int32) * local
        return tf.slice(full, [start] + [0] * len(trailing), [local] + trailing)

    model.sample_uniform = lambda shape: rows(shape, False)
    model.sample_normal = lambda shape, dtype=tf.float32: tf.cast(rows(shape, True), dtype)


def batch_and_noise(model, seed=0):
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, (GLOBAL_BATCH, *model.image_shape)).astype(np.float32)
    noise = rng.standard_normal((GLOBAL_BATCH, model.latent_dim)).astype(np.float32)
    return real, noise


def frozen_step(model, real, noise):
    """One step that moves nothing (SGD at rate 0) on fixed noise and draws: its logs."""
    model.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(0.0))
    fixed_noise(model, noise)
    fixed_draws(model)
    return model.train_on_batch(real, return_dict=True)


def critic(model):
    return lambda images: losses.per_example_mean(model.discriminator_logits(images, True))


# ----------------------------------------------------------------- losses
@pytest.mark.parametrize("name", losses.ADVERSARIAL_LOSSES)
def test_logged_losses_are_the_loss_functions_on_the_logits(name):
    model = tiny(adversarial_loss=name)
    real, noise = batch_and_noise(model)
    logs = frozen_step(model, real, noise)
    real_logits = model.discriminator_logits(real, training=True)
    fake_logits = model.discriminator_logits(model.generator(noise, training=True), training=True)
    d_loss, g_loss = losses.adversarial_losses(name)
    assert logs["d_loss"] == pytest.approx(float(tf.reduce_mean(d_loss(real_logits, fake_logits))), rel=1e-5)
    assert logs["g_loss"] == pytest.approx(
        float(tf.reduce_mean(g_loss(fake_logits, real_logits))), rel=1e-5, abs=1e-6)
    assert model.adversarial_loss == name and "d_penalty" not in logs


def test_label_smoothing_is_the_real_target_of_the_loss_and_rejected_where_there_is_none():
    model = tiny(adversarial_loss="least_squares", label_smoothing=0.1)
    real, noise = batch_and_noise(model)
    logs = frozen_step(model, real, noise)
    real_logits = model.discriminator_logits(real, training=True)
    fake_logits = model.discriminator_logits(model.generator(noise, training=True), training=True)
    expected = losses.least_squares_discriminator_loss(real_logits, fake_logits, real_target=0.9)
    assert logs["d_loss"] == pytest.approx(float(tf.reduce_mean(expected)), rel=1e-5)
    with pytest.raises(ValueError, match="label_smoothing"):
        tiny(adversarial_loss="wasserstein", label_smoothing=0.1)
    with pytest.raises(ValueError, match="hinge"):
        tiny(adversarial_loss="wgan")


def test_gan_generator_loss_is_refused_with_its_replacement_adversarial_loss():
    assert tiny().adversarial_loss == "non_saturating"
    assert tiny(adversarial_loss="minimax").adversarial_loss == "minimax"
    assert "generator_loss" not in tiny().get_config()
    older = {**tiny().get_config(), "generator_loss": None}  # as configs saved then hold it
    assert type(tiny()).from_config(older).adversarial_loss == "non_saturating"
    for make in (tiny, zoo.entry_class("gan")):
        with pytest.raises(ValueError, match=r"GAN no longer takes generator_loss: pass "
                                             r"adversarial_loss \(e.g. adversarial_loss='minimax'\)"):
            make(generator_loss="minimax")


def test_relativistic_generator_step_sees_real_logits_with_several_d_steps():
    model = tiny(adversarial_loss="relativistic", d_steps=2)
    real, noise = batch_and_noise(model)
    model.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(0.0))
    model.sample_noise = lambda batch_size: tf.constant(noise)[:batch_size]
    logs = model.train_on_batch(real, return_dict=True)
    # Minibatches of 4; the G step's real batch is the first one (every second example).
    fake_logits = model.discriminator_logits(model.generator(noise[:4], training=True), True)
    expected = losses.relativistic_generator_loss(model.discriminator_logits(real[::2], True),
                                                  fake_logits)
    assert logs["g_loss"] == pytest.approx(float(tf.reduce_mean(expected)), rel=1e-5)
    with pytest.raises(ValueError, match="update_generator"):
        as_step(model, lambda model: model.update_generator(4))  # without the real batch it needs


# ------------------------------------------------------------ regularisers
def test_clip_weights_leaves_every_discriminator_weight_in_range():
    model = tiny(adversarial_loss="wasserstein", clip_weights=0.01, d_steps=5)
    model.compile(g_optimizer=keras.optimizers.SGD(1.0), d_optimizer=keras.optimizers.SGD(1.0))
    model.train_on_batch(model.example_batch(10))
    d_weights = [w.numpy() for w in model.discriminator.trainable_weights]
    assert max(np.abs(w).max() for w in d_weights) == pytest.approx(0.01)
    assert max(np.abs(w.numpy()).max() for w in model.generator.trainable_weights) > 0.01


@pytest.mark.parametrize("key", ["gradient_penalty", "r1_penalty"])
def test_gradient_penalties_are_their_formula_and_logged_apart_from_d_loss(key):
    model = tiny(adversarial_loss="wasserstein", **{key: 10.0})
    real, noise = batch_and_noise(model)
    logs = frozen_step(model, real, noise)
    fake = model.generator(noise, training=True)
    real_logits = model.discriminator_logits(real, training=True)
    fake_logits = model.discriminator_logits(fake, training=True)
    if key == "gradient_penalty":
        mix = model.sample_uniform([GLOBAL_BATCH])  # the fixed draws of the step
        penalty = regularizers.wasserstein_gradient_penalty(
            critic(model), tf.constant(real), fake, interpolation_weights=mix)
    else:
        penalty = regularizers.r1_gradient_penalty(critic(model), tf.constant(real), gamma=10.0)
    assert logs["d_penalty"] == pytest.approx(float(tf.reduce_mean(penalty)), rel=1e-4)
    adversarial = losses.wasserstein_discriminator_loss(real_logits, fake_logits)
    assert logs["d_loss"] == pytest.approx(float(tf.reduce_mean(adversarial)), rel=1e-5, abs=1e-6)


def test_gradient_penalty_changes_the_discriminator_step():
    def d_weights_after_step(**config):
        model = tiny(adversarial_loss="wasserstein", **config)
        model.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
        real, noise = batch_and_noise(model)
        fixed_noise(model, noise)
        fixed_draws(model)
        model.train_on_batch(real)
        return [w.numpy() for w in model.discriminator.trainable_weights]

    plain, penalised = d_weights_after_step(), d_weights_after_step(gradient_penalty=10.0)
    assert max(np.abs(a - b).max() for a, b in zip(plain, penalised)) > 1e-4


# -------------------------------------------------------- instance noise
def test_instance_noise_stddev_decays_linearly_to_zero():
    values = [float(augment.instance_noise_stddev(0.2, 10, step)) for step in (0, 5, 10, 15)]
    np.testing.assert_allclose(values, [0.2, 0.1, 0.0, 0.0], atol=1e-7)
    assert float(augment.instance_noise_stddev(0.2, None, 10**6)) == pytest.approx(0.2)

    model = tiny(instance_noise=0.5, instance_noise_steps=4)
    model.compile()
    zeros = keras.ops.zeros((512, *model.image_shape))
    for step in range(5):
        expected = 0.5 * max(0.0, 1 - step / 4)
        assert float(model.instance_noise_stddev()) == pytest.approx(expected)
        noisy = as_step(model, lambda model: {"inputs": model.discriminator_inputs(zeros)})["inputs"]
        assert float(np.std(keras.ops.convert_to_numpy(noisy))) == pytest.approx(
            expected, rel=0.02, abs=1e-7)
        model.train_on_batch(model.example_batch(4))


def stddev_per_step(model, dataset, **fit_options):
    """``(G step, instance noise stddev)`` at the start of each training step of ``fit``."""
    seen = []

    def on_train_batch_begin(batch, logs=None):
        if keras.backend.backend() == "jax":
            model.jax_state_sync()  # fit on JAX holds the state apart from the variables
        seen.append((int(model.g_optimizer.iterations), float(model.instance_noise_stddev())))

    record = keras.callbacks.LambdaCallback(on_train_batch_begin=on_train_batch_begin)
    model.fit(dataset, callbacks=[record], verbose=0, **fit_options)
    return seen


def test_instance_noise_decays_to_zero_over_the_fit_run_by_default():
    # Sønderby et al. 2016 anneal the noise to 0; without instance_noise_steps the run's
    # length is fit's epochs x steps per epoch (here 2 x 4 = 8 generator steps).
    model = tiny(instance_noise=0.5)
    model.compile()
    dataset = tf.data.Dataset.from_tensor_slices(model.example_batch(16)).batch(4)
    assert stddev_per_step(model, dataset, epochs=2) == [
        (step, pytest.approx(0.5 * (1 - step / 8))) for step in range(8)]
    # Continuing to epoch 4: the decay is over the whole run, from the step reached.
    assert stddev_per_step(model, dataset, epochs=4, initial_epoch=2) == [
        (step, pytest.approx(0.5 * (1 - step / 16))) for step in range(8, 16)]
    # A dataset of unknown length: constant in the first epoch, which counts its 4 steps.
    model = tiny(instance_noise=0.5)
    model.compile()
    seen = stddev_per_step(model, dataset.filter(lambda images: True), epochs=2)
    first, second = seen[:len(seen) // 2], seen[len(seen) // 2:]
    assert [stddev for _, stddev in first] == pytest.approx([0.5] * len(first))
    assert [stddev for _, stddev in second] == pytest.approx(
        [0.5 * max(0.0, 1 - step / 8) for step, _ in second])
    assert second[-1][1] < 0.25


def test_instance_noise_run_length_lets_fit_dispatch_batch_ends_asynchronously():
    # Keras runs batch-end callbacks on a thread (on JAX) only when each one is async_safe;
    # one that is not makes fit wait for every step's logs (measured: 5% of a small MLP's
    # step). The threads may end batches out of order: the count is the largest batch seen.
    from keras_gan_zoo.models.noise_to_image import InstanceNoiseRunLength

    assert InstanceNoiseRunLength.async_safe
    callback = InstanceNoiseRunLength()
    callback.counted = 0
    for batch in (0, 3, 1, 2):
        callback.on_train_batch_end(batch)
    assert callback.counted == 4


def test_instance_noise_steps_zero_keeps_the_noise_constant():
    model = tiny(instance_noise=0.5, instance_noise_steps=0)
    model.compile()
    dataset = tf.data.Dataset.from_tensor_slices(model.example_batch(16)).batch(4)
    assert [stddev for _, stddev in stddev_per_step(model, dataset, epochs=2)] == [0.5] * 8
    assert zoo.build("gan", instance_noise=0.5, instance_noise_steps=0).get_config()[
        "instance_noise_steps"] == 0


# ------------------------------------------------------------- DiffAugment
def test_diff_augment_without_policies_is_the_identity_and_bad_policies_are_named():
    images = tf.random.uniform((3, 8, 8, 2), -1, 1)
    for policies in (None, "", " , "):
        np.testing.assert_array_equal(augment.diff_augment(images, policies, tf.zeros((3, 0))), images)
    assert tiny(diff_augment="").diff_augment is None
    with pytest.raises(ValueError, match="translation, cutout"):
        tiny(diff_augment="translation,flip")


def test_diff_augment_passes_gradients_to_the_generator():
    model = tiny("dcgan", diff_augment="translation,cutout,color")
    model.compile()
    z = np.random.default_rng(0).standard_normal((4, model.latent_dim)).astype(np.float32)

    def fakes_and_augmented(model):
        fakes = model.generator(z, training=True)
        return {"fakes": fakes, "augmented": model.discriminator_inputs(fakes)}

    def loss():
        augmented = fakes_and_augmented(model)["augmented"]
        return keras.ops.mean(model.generator_objective(model.discriminator_logits(augmented, True)))

    images = {key: keras.ops.convert_to_numpy(value)
              for key, value in as_step(model, fakes_and_augmented).items()}
    assert not np.allclose(images["augmented"], images["fakes"])
    _, gradients = value_and_gradient(loss, model.generator.trainable_variables)
    gradients = [keras.ops.convert_to_numpy(g) if g is not None else None for g in gradients]
    assert all(g is not None and np.all(np.isfinite(g)) for g in gradients)
    assert all(np.abs(g).max() > 0 for g in gradients)


# ---------------------------------------------------------------------- EMA
def test_ema_is_the_moving_average_of_the_generator_after_each_step():
    model = tiny(ema=0.5, ema_rampup=None)
    model.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5))
    before = [w.numpy() for w in model.generator.weights]
    for average, weight in zip(model.generator_ema.get_weights(), before):
        np.testing.assert_array_equal(average, weight)
    assert not model.generator_ema.trainable_weights
    model.train_on_batch(model.example_batch(8))
    after = [w.numpy() for w in model.generator.weights]
    for average, old, new, weight in zip(model.generator_ema.get_weights(), before, after,
                                         model.generator.weights):
        if weight.trainable:  # batch-norm statistics: see the next test
            np.testing.assert_allclose(average, 0.5 * old + 0.5 * new, rtol=1e-6, atol=1e-7)
    assert max(np.abs(a - b).max() for a, b in zip(model.generator_ema.get_weights(), after)) > 1e-4
    # generate and the sample grids use the average.
    z = model.noise(3, seed=1)
    np.testing.assert_allclose(
        model.generate(z=z), zoo.pixels.to_unit_range(model.generator_ema(z)), atol=1e-6)


def batch_norm_statistics(generator, z):
    """Each batch-norm layer's (moving mean, mean of its input over ``z`` in training mode)."""
    norms = [layer for layer in generator.layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    probe = keras.Model(generator.inputs, [layer.input for layer in norms])
    inputs = probe(z, training=True)
    numpy = keras.ops.convert_to_numpy
    return [(numpy(layer.moving_mean), np.mean(numpy(x), axis=tuple(range(x.ndim - 1))))
            for layer, x in zip(norms, inputs)]


def test_ema_batch_norm_statistics_belong_to_the_averaged_weights():
    # The averaged generator's moving statistics are re-estimated for its own weights (a
    # forward pass in training mode after each update), not copied from G, whose
    # statistics belong to G's current weights.
    model = tiny("dcgan", ema=0.99, ema_rampup=None)
    model.compile(g_optimizer=keras.optimizers.Adam(1e-2), d_optimizer=keras.optimizers.Adam(1e-2))
    for seed in range(30):
        model.train_on_batch(model.example_batch(16, seed=seed))
    z = model.noise(512, seed=0)
    averaged = batch_norm_statistics(model.generator_ema, z)
    current = batch_norm_statistics(model.generator, z)
    for (ema_moving, _), (g_moving, _) in zip(averaged, current):
        assert not np.allclose(ema_moving, g_moving)
    # Over all the layers' channels: the first layer's statistics (a projection of z) barely
    # differ between G and its average, so one layer alone is a coin toss.
    own = sum(np.abs(moving - batch).sum() for moving, batch in averaged)
    copied = sum(np.abs(g_moving - batch).sum()
                 for (g_moving, _), (_, batch) in zip(current, averaged))
    assert own < 0.5 * copied


def test_ema_rampup_follows_stylegan2_ada():
    # beta = 0.5 ** (1 / max(t * ema_rampup, 1e-8)) at t steps done, at most ema (Karras et
    # al. 2020, training_loop.py with ema_nimg = min(ema_nimg, cur_nimg * ema_rampup)).
    model = tiny(ema=0.999)
    assert model.ema_rampup == 0.05
    for step, want in [(0, 0.0), (1, 0.5 ** 20), (100, 0.5 ** 0.2), (10**6, 0.999)]:
        assert float(model.ema_decay(step)) == pytest.approx(want, rel=1e-6, abs=1e-12)
    assert float(tiny(ema=0.999, ema_rampup=None).ema_decay(0)) == pytest.approx(0.999)
    # The first update copies G; without the ramp-up the average keeps 0.999 of the start.
    for rampup, kept in [(0.05, 0.0), (None, 0.999)]:
        model = tiny(ema=0.999, ema_rampup=rampup)
        model.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5))
        pairs = [(a, w) for a, w in zip(model.generator_ema.weights, model.generator.weights)
                 if w.trainable]
        before = [w.numpy() for _, w in pairs]
        model.train_on_batch(model.example_batch(8))
        for (average, weight), old in zip(pairs, before):
            np.testing.assert_allclose(average.numpy(), kept * old + (1 - kept) * weight.numpy(),
                                       rtol=1e-5, atol=1e-6)
    assert "ema_rampup" in tiny(ema=0.9).get_config()


def test_ema_with_decay_zero_equals_the_generator():
    model = tiny(ema=0.0)
    model.compile()
    for _ in range(2):
        model.train_on_batch(model.example_batch(8))
    for average, weight in zip(model.generator_ema.weights, model.generator.weights):
        if weight.trainable:  # the batch-norm statistics are its own
            np.testing.assert_array_equal(average.numpy(), weight.numpy())
    assert not hasattr(tiny(), "generator_ema")


def test_ema_weights_are_exported(tmp_path):
    model = tiny(ema=0.5)
    model.compile()
    model.train_on_batch(model.example_batch(8))
    model.export(str(tmp_path / "m"), verbose=False)
    z = model.noise(3, seed=0)
    served = tf.saved_model.load(str(tmp_path / "m")).signatures["serving_default"](z=tf.constant(z))
    np.testing.assert_allclose(served["images"].numpy(), model.generate(z=z), atol=1e-6)


# ------------------------------------------------------- learning rates
def test_separate_learning_rates_set_the_default_optimizers():
    model = tiny(g_learning_rate=1e-3, d_learning_rate=4e-4)
    model.compile()
    assert float(model.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(4e-4)
    model = tiny(learning_rate=5e-5, g_learning_rate=1e-3)
    model.compile()
    assert float(model.d_optimizer.learning_rate) == pytest.approx(5e-5)
    pix2pix = zoo.build("pix2pix", image_shape=[32, 32, 1], generator_filters=4,
                        discriminator_filters=4, d_learning_rate=1e-5)
    pix2pix.compile()
    assert float(pix2pix.d_optimizer.learning_rate) == pytest.approx(1e-5)
    assert float(pix2pix.g_optimizer.learning_rate) == pytest.approx(2e-4)


def test_infogan_learning_rates_are_g_learning_rate_and_old_configs_load():
    model = tiny("infogan")
    model.compile()
    assert model.g_learning_rate == model.generator_learning_rate == 1e-3
    assert float(model.q_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(model.d_optimizer.learning_rate) == pytest.approx(2e-4)
    config = {k: v for k, v in model.get_config().items() if k != "g_learning_rate"}
    old = zoo.InfoGAN.from_config({**config, "generator_learning_rate": 5e-4})
    assert old.generator_learning_rate == 5e-4
    assert tiny("infogan", g_learning_rate=None).generator_learning_rate == 2e-4  # learning_rate


# ------------------------------------------------------------ applicability
ADVERSARIAL = {"gan": "relativistic", "dcgan": "hinge", "cgan": "relativistic",
               "infogan": "relativistic", "coupledgan": "least_squares"}


@pytest.mark.parametrize("name, extra", [
    *((name, {}) for name in sorted(TINY)),
    ("cgan", dict(conditioning="projection", auxiliary_classifier=True, spectral_norm=True)),
], ids=[*sorted(TINY), "acgan"])
def test_every_entry_trains_with_every_switch_it_takes(name, extra):
    config = dict(SWITCHES, **extra)
    if name == "ebgan":
        config = {k: v for k, v in config.items() if k not in zoo.EBGAN.excluded_arguments}
    else:
        config["adversarial_loss"] = ADVERSARIAL[name]
    model = tiny(name, **config)
    model.compile(run_eagerly=FEW_STEPS_EAGERLY)
    logs = model.train_on_batch(model.example_batch(8), return_dict=True)
    assert all(np.isfinite(v) for v in logs.values()), logs
    assert ("d_penalty" in logs) == (name != "ebgan")
    assert hasattr(model, "generator_ema")


@pytest.mark.parametrize("key, value", [("adversarial_loss", "hinge"), ("gradient_penalty", 10.0),
                                        ("r1_penalty", 1.0), ("clip_weights", 0.01)])
def test_entries_name_the_switches_they_do_not_take(key, value):
    with pytest.raises(ValueError, match=rf"EBGAN does not take \['{key}'\].*not used by EBGAN"):
        zoo.EBGAN(**TINY["ebgan"], **{key: value})
    with pytest.raises(ValueError, match=key):
        tiny("ebgan", **{key: value})
    with pytest.raises(ValueError, match="does not take"):
        zoo.entry_class("pix2pix")(image_shape=[32, 32, 1], **{key: value})


def test_coupledgan_rejects_the_relativistic_loss():
    with pytest.raises(ValueError, match="mix the two domains"):
        tiny("coupledgan", adversarial_loss="relativistic")


@pytest.mark.parametrize("key, value, match", [
    ("ema", 1.0, "ema"), ("ema", -0.1, "ema"), ("gradient_penalty", -1.0, "gradient_penalty"),
    ("instance_noise_steps", -1, "instance_noise_steps"), ("ema_rampup", -0.1, "ema_rampup"),
    ("clip_weights", float("nan"), "clip_weights"),
    ("g_learning_rate", 0.0, "g_learning_rate"), ("diff_augment", "flip", "diff_augment"),
])
def test_bad_switch_values_name_their_key(key, value, match):
    with pytest.raises(ValueError, match=match):
        tiny(**{key: value})


# ------------------------------------------------------------- distribution
def one_step(strategy, weights, real, noise, config):
    with strategy.scope():
        model = tiny(**config)
        model.set_weights(weights)
        model.compile(g_optimizer=keras.optimizers.SGD(0.5), d_optimizer=keras.optimizers.SGD(0.5))
    fixed_noise(model, noise)
    fixed_draws(model)
    history = model.fit(tf.data.Dataset.from_tensor_slices(real).batch(GLOBAL_BATCH), epochs=1,
                        verbose=0, shuffle=False)
    return model, {key: values[0] for key, values in history.history.items()}


@pytest.mark.distributed
@pytest.mark.tensorflow_only(reason="tf.distribute")
@pytest.mark.parametrize("config", [
    dict(adversarial_loss="wasserstein", gradient_penalty=10.0, clip_weights=0.05),
    dict(adversarial_loss="hinge", r1_penalty=1.0, ema=0.9),
    dict(adversarial_loss="least_squares", instance_noise=0.2, instance_noise_steps=10,
         diff_augment="translation,cutout,color"),
], ids=["wgan_gp_clip", "hinge_r1_ema", "lsgan_noise_diffaugment"])
def test_two_replicas_make_the_same_step_as_one(config, mirrored_strategy):
    # relativistic is left out: its batch means are each replica's (losses.BATCH_LEVEL_LOSSES),
    # so 2 replicas make a different (per-replica batch) step by design.
    reference = tiny(**config)
    weights = reference.get_weights()
    real, noise = batch_and_noise(reference)
    single, single_logs = one_step(tf.distribute.get_strategy(), weights, real, noise, config)
    mirrored, mirrored_logs = one_step(mirrored_strategy, weights, real, noise, config)
    assert max(np.abs(a - b).max() for a, b in zip(weights, single.get_weights())) > 1e-3
    for a, b in zip(single.get_weights(), mirrored.get_weights()):
        np.testing.assert_allclose(a, b, atol=2e-5, rtol=1e-4)
    for key, value in single_logs.items():
        assert mirrored_logs[key] == pytest.approx(value, rel=1e-4, abs=1e-6), key


@pytest.mark.distributed
def test_relativistic_loss_trains_on_two_replicas(mirrored_strategy):
    with mirrored_strategy.scope():
        model = tiny(adversarial_loss="relativistic", ema=0.9)
        model.compile()
    history = model.fit(zoo.data.load("digits", batch_size=8, drop_remainder=True).take(2),
                        epochs=1, verbose=0)
    assert all(np.isfinite(v[0]) for v in history.history.values())


# --------------------------------------------------------- saving, precision
@pytest.mark.parametrize("name, config", [
    ("gan", dict(SWITCHES, adversarial_loss="wasserstein")),
    ("dcgan", dict(adversarial_loss="relativistic", label_smoothing=0.0, ema=0.99)),
    ("cgan", dict(gradient_penalty=1.0, ema=0.5)),
    ("infogan", dict(ema=0.5, d_learning_rate=1e-4, diff_augment="color")),
])
def test_keras_round_trip_keeps_every_switch_and_the_ema_weights(tmp_path, name, config):
    model = tiny(name, **config)
    model.compile()
    model.train_on_batch(model.example_batch(8))
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert loaded.get_config() == model.get_config()
    for key, value in config.items():
        assert loaded.get_config()[key] == value
    for original, restored in zip(model.generator_ema.weights, loaded.generator_ema.weights):
        np.testing.assert_array_equal(original.numpy(), restored.numpy())
    np.testing.assert_allclose(loaded.sample_grid(8, seed=2)[0], model.sample_grid(8, seed=2)[0],
                               atol=1e-6)


@pytest.mark.parametrize("mode", ["float16", "bfloat16"])
def test_one_mixed_precision_step_with_every_switch_is_finite(mode):
    set_precision(mode)
    try:
        model = tiny("dcgan", adversarial_loss="hinge", **SWITCHES)
        if mode == "float16" and keras.backend.backend() == "jax":
            # float16 needs loss scaling, which the JAX engine refuses by design.
            with pytest.raises(ValueError, match="not supported on the JAX backend.*bfloat16"):
                model.compile()
            return
        model.compile()
        logs = model.train_on_batch(model.example_batch(8), return_dict=True)
        images = model.generate(2, seed=0)
    finally:
        set_precision("off")
    assert all(np.isfinite(v) for v in logs.values()), logs
    assert images.dtype == np.float32 and np.all(np.isfinite(images))


def test_uniform_noise_option_draws_z_in_minus_one_one_and_generates():
    model = zoo.build("dcgan", noise="uniform", generator_filters=4, discriminator_filters=4,
                      latent_dim=8, seed=0)
    model.compile()
    for z in (keras.ops.convert_to_numpy(model.sample_noise(4000)), model.noise(4000, seed=0)):  # training, inference
        assert z.min() >= -1.0 and z.max() <= 1.0
        assert abs(z.std() - 1 / math.sqrt(3)) < 0.02  # U(-1, 1), not a clipped normal
    images = model.generate(4, seed=0)
    assert images.shape == (4, 28, 28, 1) and images.min() >= 0.0 and images.max() <= 1.0
