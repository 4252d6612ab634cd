"""TrainingMonitor: the failures of "When GANs fail" are named early, a healthy run is not."""

import json
import time

import keras
import numpy as np
import pytest

import keras_gan_zoo as zoo
from keras_gan_zoo import monitor
from keras_gan_zoo.data import digits_arrays
from keras_gan_zoo.monitor import Thresholds, TrainingMonitor


def small_dcgan(**overrides):
    config = dict(generator_filters=32, discriminator_filters=16, seed=0)
    config.update(overrides)
    return zoo.build("dcgan", **config)


def digits(batch_size=64):
    return zoo.data.load("digits", batch_size=batch_size, seed=0)


def real_digits():
    return (digits_arrays("train")[0] + 1.0) / 2.0


# ---------------------------------------------------------------- pure parts
def test_diversity_is_zero_for_copies_and_grows_with_spread():
    rng = np.random.default_rng(0)
    image = rng.uniform(size=(8, 8, 1))
    assert monitor.mean_pairwise_distance(np.stack([image] * 5)) == pytest.approx(0.0, abs=1e-6)
    black, white = np.zeros((8, 8, 1)), np.ones((8, 8, 1))
    assert monitor.mean_pairwise_distance(np.stack([black, white])) == pytest.approx(1.0)
    assert 0.2 < monitor.mean_pairwise_distance(real_digits()[:64]) < 0.4


def test_discriminator_loss_floor_follows_label_smoothing_and_loss():
    assert monitor.discriminator_loss_floor(small_dcgan()) == 0.0
    smoothed = small_dcgan(label_smoothing=0.1)
    assert monitor.discriminator_loss_floor(smoothed) == pytest.approx(0.3251, abs=1e-4)

    class Wasserstein:
        adversarial_loss = "wasserstein"

    assert monitor.discriminator_loss_floor(Wasserstein()) is None


def test_entries_declare_what_the_rules_read():
    """Each entry's `monitor_signals`: its D loss's key, floor and scale, D(G(z)) where D
    gives a probability, the noise probe, the epochs in which D's strength is not judged."""
    signals = small_dcgan().monitor_signals()
    assert (signals.d_loss, signals.d_loss_floor, signals.d_fake, signals.noise_probe) == (
        "d_loss", 0.0, "d_fake", True)
    assert small_dcgan(adversarial_loss="least_squares").monitor_signals().d_fake is None
    assert small_dcgan(adversarial_loss="wasserstein").monitor_signals().d_loss_floor is None
    ebgan = zoo.build("ebgan", generator_filters=8, discriminator_filters=8).monitor_signals()
    assert ebgan.d_loss is None and ebgan.noise_probe
    pix2pix = zoo.build("pix2pix", image_shape=[32, 32, 1], generator_filters=8,
                        discriminator_filters=8).monitor_signals()
    assert (pix2pix.d_loss_scale, pix2pix.d_fake, pix2pix.grace_epochs) == (0.5, "d_fake", 1)
    assert not pix2pix.noise_probe
    cyclegan = zoo.build("cyclegan", image_shape=[32, 32, 1], generator_filters=8,
                         discriminator_filters=8).monitor_signals()
    assert (cyclegan.d_loss_floor, cyclegan.d_loss_scale, cyclegan.d_fake) == (0.0, 2.0, None)


@pytest.mark.parametrize("loss, smoothing", [("non_saturating", 0.1), ("hinge", 0.0),
                                             ("wasserstein", 0.0)])
def test_a_noise_to_image_entry_and_another_model_with_its_loss_read_alike(loss, smoothing):
    """The noise-to-image signals are defined once (`signals.noise_to_image_signals`)."""
    from keras_gan_zoo.signals import noise_to_image_signals

    entry = small_dcgan(adversarial_loss=loss, label_smoothing=smoothing).monitor_signals()
    assert entry == noise_to_image_signals(loss, smoothing)

    class Other:
        adversarial_loss, label_smoothing = loss, smoothing

        def generate(self, num_samples, seed=None):
            return None

    assert monitor.entry_signals(Other()) == entry


def test_grace_epochs_and_scale_follow_the_entry(tmp_path):
    """pix2pix: D winning is not named in its first epoch, and is from the second, on its
    halved loss (margin 0.025); CycleGAN: on its summed least-squares loss alone."""
    model = zoo.build("pix2pix", image_shape=[32, 32, 1], generator_filters=8,
                      discriminator_filters=8, seed=0)
    watch = TrainingMonitor(tmp_path, verbose=0)
    watch.set_model(model)
    watch.on_train_begin()
    for epoch in range(2):
        watch.on_epoch_begin(epoch)
        for batch in range(25):
            watch.on_train_batch_end(batch, {"d_loss": 0.02, "d_fake": 0.001})
        assert [d.epoch for d in watch.diagnoses] == ([] if epoch == 0 else [2])
    assert watch.diagnoses[0].name == "discriminator_wins"
    assert "d_learning_rate" in watch.diagnoses[0].advice  # the switches pix2pix takes
    assert "label_smoothing" not in watch.diagnoses[0].advice
    assert monitor.check_discriminator_wins([0.03] * 4, [0.001] * 4, 0.0, Thresholds(), 0.5) is None

    cyclegan = zoo.build("cyclegan", image_shape=[32, 32, 1], generator_filters=8,
                         discriminator_filters=8, seed=0)
    watch = TrainingMonitor(None, verbose=0)
    watch.set_model(cyclegan)
    watch.on_train_begin()
    watch.on_epoch_begin(0)
    d_loss = [0.25] * 20 + [0.08] * 20  # healthy: ~0.25 (balanced: 0.5); floor 0, margin 0.1
    for batch in range(40):  # Keras logs the epoch's running mean
        watch.on_train_batch_end(batch, {"d_loss": float(np.mean(d_loss[:batch + 1]))})
        assert bool(watch.diagnoses) == (batch >= 30)  # the window's median: 0.08


def test_rules_on_made_up_histories():
    t = Thresholds(window=4)
    assert monitor.check_discriminator_wins([0.01] * 4, [0.001] * 4, 0.0, t)
    assert monitor.check_discriminator_wins([0.01] * 4, [0.3] * 4, 0.0, t) is None
    assert monitor.check_discriminator_wins([0.34] * 4, [0.001] * 4, 0.325, t)  # smoothed floor
    assert monitor.check_discriminator_wins([0.2] * 4, None, 0.0, t) is None
    assert monitor.check_generator_wins([0.95] * 4, t)
    assert monitor.check_generator_wins([0.4] * 4, t) is None
    t = Thresholds(window=4, diversity_warmup_steps=0, diversity_patience_steps=20)
    real = {"diversity": 0.3}
    low = {"diversity": 0.01}
    assert monitor.check_mode_collapse([(20, low), (40, low)], real, t)
    assert monitor.check_mode_collapse([(20, low), (30, low)], real, t) is None  # 10 steps
    assert monitor.check_mode_collapse([(20, low), (40, {"diversity": 0.2})], real, t) is None
    assert monitor.check_mode_collapse(  # fell from its own best
        [(10, {"diversity": 0.25}), (20, {"diversity": 0.02}), (40, low)], None, t)
    one_class = {"diversity": 0.25, "classes": 1.2}  # pixel diversity alone would pass it
    assert "classes" in monitor.check_mode_collapse([(20, one_class), (40, one_class)],
                                                    {"diversity": 0.3, "classes": 9.5}, t)
    flat = [100.0] * 4 + [99.0] * 10
    spread = [0.3] * 14  # g_loss's std over each epoch's steps
    assert monitor.check_stalled_quality(flat, [1.0] * 14, t, spread) is None  # converged
    assert monitor.check_stalled_quality(flat, [0.5, 2.0] * 7, t, spread)[0] == "oscillation"
    rising = list(np.linspace(1.0, 3.0, 14))  # G's loss climbs while samples stay as bad
    assert monitor.check_stalled_quality(flat, rising, t, spread)[0] == "non_convergence"
    improving = list(np.linspace(300, 50, 14))
    assert monitor.check_stalled_quality(improving, [1.0] * 14, t, spread) is None


def drive(watch, model, epochs, steps_per_epoch, g_loss=None, fid=None):
    """Run ``watch``'s hooks as ``fit`` would, without training: ``steps_per_epoch`` logged
    steps an epoch (``g_loss[epoch][step]`` per step when given, as Keras' running means),
    ``fid[epoch]`` in each epoch's logs."""
    watch.set_model(model)
    watch.on_train_begin()
    for epoch in range(epochs):
        watch.on_epoch_begin(epoch)
        logs = {}
        for batch in range(steps_per_epoch):
            logs = {} if g_loss is None else {"g_loss": float(np.mean(g_loss[epoch][:batch + 1]))}
            watch.on_train_batch_end(batch, logs)
        watch.on_epoch_end(epoch, {**logs, **({} if fid is None else {"fid": fid[epoch]})})
        if watch.diagnoses:
            return watch.diagnoses[0]
    return None


def scripted_dcgan(images_at):
    """A DCGAN whose `generate` returns ``images_at(call)`` (call 0, 1, ...: one per probe)."""
    model = small_dcgan()
    calls = iter(range(10**6))
    model.generate = lambda num_samples, seed: images_at(next(calls))[:num_samples]
    return model


def test_mode_collapse_waits_for_a_warm_up_and_patience_counted_in_steps():
    """An untrained DCGAN generator draws nearly one image. At batch 256 (6 steps an epoch)
    the digits paper config is still at 0.18x-0.46x the real pixel diversity and 0.11x the
    real classes at epochs 1-3 (steps 6-18), and normal by epoch 14: a count of probes
    named it at epoch 2. A generator that stays collapsed is named once it has had
    ``diversity_warmup_steps`` + ``diversity_patience_steps`` steps, at any batch size."""
    real = real_digits()
    constant = np.repeat(real[:1], 64, axis=0)
    learning = scripted_dcgan(lambda call: constant if call < 3 else real[64 * call % 1300:][:64])
    watch = TrainingMonitor(reference=real, stop_on="mode_collapse", verbose=0)
    assert drive(watch, learning, epochs=20, steps_per_epoch=6) is None

    t = Thresholds()
    for steps_per_epoch in (6, 23, 90):  # batch 256, 64, 16 on the digits
        watch = TrainingMonitor(reference=real, verbose=0)
        found = drive(watch, scripted_dcgan(lambda call: constant), 400 // steps_per_epoch + 2,
                      steps_per_epoch)
        first_judged = -(-t.diversity_warmup_steps // steps_per_epoch) * steps_per_epoch
        named = first_judged + max(steps_per_epoch,
                                   -(-t.diversity_patience_steps // steps_per_epoch) * steps_per_epoch)
        assert (found.name, found.step) == ("mode_collapse", named)


def test_mode_collapse_sees_one_class_and_memorised_images_in_feature_space():
    """Pixel RMS diversity of 64 samples of one digit is 0.54-0.91x the real data's, of three
    memorised images 0.63-0.75x: far above its 0.15x threshold. In the digits classifier's
    features one digit has 0.10-0.14x the real number of classes, three images <= 0.31x and
    a coverage of the real data <= 0.08x; real images: about 1x of each."""
    x, y = digits_arrays("train")
    x = (x + 1.0) / 2.0
    reference, held_out = x[:1000], x[1000:]
    one_digit = x[y == 3][:64]
    three = x[[5, 50, 500]][np.arange(64) % 3]
    for images, collapsed in ((one_digit, True), (three, True), (held_out[:64], False)):
        watch = TrainingMonitor(reference=reference, verbose=0)
        found = drive(watch, scripted_dcgan(lambda call: images), epochs=12, steps_per_epoch=23)
        assert (found is not None) == collapsed
        if collapsed:
            assert "digits features" in found.evidence
    print(found, watch.probes["generator"][-1], watch.probe_statistics.real)


def test_the_ema_generator_and_the_generator_are_both_probed():
    """With ``ema`` on, `generate` samples the moving average; G itself is probed too, and a
    collapse of either is named with the network's name."""
    model = small_dcgan(ema=0.99)
    model.compile()
    real = real_digits()
    constant = np.repeat(real[:1], 64, axis=0)
    # G (probed with ema set aside) collapses; the moving average still draws real digits.
    model.generate = lambda num_samples, seed: (constant if model.ema is None
                                                else real[:num_samples])
    watch = TrainingMonitor(reference=real, verbose=0)
    found = drive(watch, model, epochs=12, steps_per_epoch=23)
    assert sorted(watch.probes) == ["generator", "generator_ema"]
    assert found.name == "mode_collapse" and found.evidence.startswith("generator probe")
    assert model.ema == 0.99


def test_oscillation_verdict_does_not_move_with_a_constant_added_to_g_loss():
    """A noisy, level G loss (each step N(0, 0.3); epoch means vary by about 0.3/sqrt(10))
    under a stalled FID: scaled by its epoch mean, it was named ``oscillation`` at offset 0
    and not at 0.5. Measured in units of the within-epoch spread, every offset and a
    critic's scale get one verdict: not named; a G loss whose epoch means swing by more
    than a step's spread is named at any offset."""
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 0.3, (25, 10))
    swinging = noise + np.where(np.arange(25) % 2, 1.0, -1.0)[:, None]
    fid = [100.0] * 5 + [99.5] * 20
    for series, verdict in ((noise, None), (swinging, "oscillation")):
        for offset in (0.0, 0.5, -3.0, 100.0):
            for scale in (1.0, 1e-3):  # a Wasserstein critic's values have no fixed scale
                watch = TrainingMonitor(verbose=0)
                found = drive(watch, small_dcgan(), 25, 10, g_loss=offset + scale * series,
                              fid=fid)
                assert (found.name if found else None) == verdict, (offset, scale)


def test_stop_on_names_are_checked():
    assert monitor.parse_stop_on("discriminator_wins, mode_collapse") == (
        "discriminator_wins", "mode_collapse")
    with pytest.raises(ValueError, match="choose from discriminator_wins"):
        TrainingMonitor(stop_on=["mode_colapse"])


def test_callback_reads_per_step_values_and_skips_what_is_not_logged(tmp_path):
    """Keras logs running epoch means; the monitor recovers each step's value."""
    model = small_dcgan()
    model.compile()
    watch = TrainingMonitor(tmp_path, stop_on="discriminator_wins", verbose=0)
    watch.set_model(model)
    watch.on_train_begin()
    assert json.loads((tmp_path / "health.json").read_text()) == []
    watch.on_epoch_begin(0)
    for batch in range(30):  # D's loss at 0 but no D(G(z)) logged (as EBGAN, CycleGAN)
        watch.on_train_batch_end(batch, {"d_loss": 0.0, "g_loss": 5.0})
    assert watch.diagnoses == [] and not getattr(model, "stop_training", False)

    watch.on_epoch_begin(1)
    d_fake = [0.5] * 5 + [0.001] * 25  # the epoch's running mean stays above 0.02 to step 25
    for batch in range(30):
        watch.on_train_batch_end(batch, {"d_loss": 0.0, "d_fake": float(np.mean(d_fake[:batch + 1]))})
        if getattr(model, "stop_training", False):
            break
    assert batch == 19 and model.stop_training  # the window's median: 0.001
    (record,) = json.loads((tmp_path / "health.json").read_text())
    assert record["name"] == "discriminator_wins" and record["epoch"] == 2
    assert record["step"] == 50 and "D(G(z)) 0.0010" in record["evidence"]

    watch.on_train_batch_end(20, {"d_loss": float("nan")})
    assert watch.diagnoses[-1].name == "diverged"


# ------------------------------------------------------------------ training
def test_strong_discriminator_is_diagnosed_and_stops_training(tmp_path, capsys):
    """D at Adam(1e-2), G at Adam(1e-6): D's loss goes to 0 within the first epoch."""
    model = small_dcgan()
    model.compile(g_optimizer=keras.optimizers.Adam(1e-6, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5))
    watch = TrainingMonitor(tmp_path, reference=digits(), stop_on="discriminator_wins")
    history = model.fit(digits(), epochs=10, callbacks=[watch], verbose=0)

    first = watch.diagnoses[0]
    assert first.name == "discriminator_wins" and first.epoch <= 3
    assert model.stop_training and len(history.epoch) == first.epoch < 10
    line = capsys.readouterr().out
    assert f"diagnosis: discriminator_wins at epoch {first.epoch} step {first.step}: " in line
    assert "try: label_smoothing=0.1" in line
    records = json.loads((tmp_path / "health.json").read_text())
    assert records[0] == {"name": "discriminator_wins", "epoch": first.epoch, "step": first.step,
                          "evidence": first.evidence, "advice": monitor.ADVICE["discriminator_wins"]}
    assert "median d_loss" in records[0]["evidence"]
    print(f"discriminator_wins at epoch {first.epoch} step {first.step}: {first.evidence}")


def collapsed_dcgan():
    """A DCGAN whose generator sees z * 0: every sample is the same image."""
    model = small_dcgan()
    z = keras.Input((model.latent_dim,))
    model.generator = keras.Model(z, model.generator(keras.layers.Rescaling(0.0)(z)))
    return model


def test_generator_with_one_output_is_diagnosed_mode_collapse(tmp_path):
    model = collapsed_dcgan()
    model.compile()
    watch = TrainingMonitor(tmp_path, reference=real_digits(), stop_on=["mode_collapse"],
                            thresholds={"diversity_warmup_steps": 23,
                                        "diversity_patience_steps": 23})
    history = model.fit(digits(), epochs=4, callbacks=[watch], verbose=0)

    found = {d.name: d for d in watch.diagnoses}
    assert "mode_collapse" in found and found["mode_collapse"].epoch <= 3
    assert model.stop_training and len(history.epoch) == found["mode_collapse"].epoch < 4
    assert watch.diversity_history[-1] < 0.01 < watch.real_diversity
    records = json.loads((tmp_path / "health.json").read_text())
    assert "mode_collapse" in [r["name"] for r in records]
    print(f"mode_collapse at epoch {found['mode_collapse'].epoch}: {found['mode_collapse'].evidence}")


@pytest.mark.slow
def test_healthy_dcgan_run_gets_no_diagnosis(tmp_path):
    """The default DCGAN recipe on the digits for 30 epochs, watched with every rule on,
    including a quality signal (digits FID). Networks at 32/16 filters instead of
    128/64 to stay near 3 minutes on a loaded 2-core machine (64/32 took 282 s there)."""
    model = small_dcgan()
    model.compile()
    reference = real_digits()
    watch = TrainingMonitor(tmp_path, reference=reference, quality=monitor.digits_fid(reference))
    start = time.time()
    model.fit(digits(), epochs=30, callbacks=[watch], verbose=0)
    print(f"30 epochs in {time.time() - start:.0f} s; diversity {watch.diversity_history[-1]:.3f} "
          f"(real {watch.real_diversity:.3f}); quality {watch.quality_history[-1]:.1f}")
    assert watch.diagnoses == []
    assert json.loads((tmp_path / "health.json").read_text()) == []


def small_pix2pix():
    return zoo.build("pix2pix", image_shape=[32, 32, 1], generator_filters=16,
                     discriminator_filters=16, seed=0)


def test_healthy_pix2pix_run_gets_no_diagnosis(tmp_path):
    """pix2pix's PatchGAN D rejects G's early, blurry outputs with near certainty while the
    L1 term (x100) trains G: a strong D in the first epoch is normal there, not
    ``discriminator_wins`` (it was named at epoch 1 step ~70 before the entry's signals).
    Small networks at 32x32, batch 8: 180 steps per epoch; D(G(x)) recovers to ~0.3 in epoch 2."""
    model = small_pix2pix()
    model.compile()
    data = model.load_dataset(batch_size=8, seed=0)
    watch = TrainingMonitor(tmp_path, reference=data, verbose=0)
    model.fit(data, epochs=2, callbacks=[watch], verbose=0)
    assert watch.diagnoses == []
    assert json.loads((tmp_path / "health.json").read_text()) == []


def test_pix2pix_with_a_far_stronger_discriminator_is_diagnosed_after_its_grace_epoch(tmp_path):
    """D at Adam(1e-2), G at Adam(1e-6): D(G(x)) ~1e-5 and L1 flat (0.68, healthy: 0.1), named
    at the first step of epoch 2."""
    model = small_pix2pix()
    model.compile(g_optimizer=keras.optimizers.Adam(1e-6, beta_1=0.5),
                  d_optimizer=keras.optimizers.Adam(1e-2, beta_1=0.5))
    watch = TrainingMonitor(tmp_path, verbose=0)
    data = model.load_dataset(batch_size=8, seed=0).repeat()
    model.fit(data, steps_per_epoch=30, epochs=2, callbacks=[watch], verbose=0)
    (diagnosis,) = watch.diagnoses
    assert (diagnosis.name, diagnosis.epoch) == ("discriminator_wins", 2)
    assert 31 <= diagnosis.step <= 60  # the first step judged: 31


def test_each_adversarial_loss_has_its_discriminator_rules_said():
    """The relativistic average D loss has a floor of 0 (balanced: 2 log 2) and no D(G(z))
    probability: ``discriminator_wins`` is judged on its loss alone, as for hinge and least
    squares. The Wasserstein critic's loss has no floor: which losses each rule covers is
    said in ``--help``."""
    from tests.cli_capture import run_cli

    relativistic = small_dcgan(adversarial_loss="relativistic")
    signals = relativistic.monitor_signals()
    assert (signals.d_loss_floor, signals.d_fake) == (0.0, None)
    watch = TrainingMonitor(verbose=0)
    watch.set_model(relativistic)
    watch.on_train_begin()
    watch.on_epoch_begin(0)
    for batch in range(25):
        watch.on_train_batch_end(batch, {"d_loss": 0.01, "g_loss": 6.0})
    assert [d.name for d in watch.diagnoses] == ["discriminator_wins"]

    from keras_gan_zoo.signals import judged_losses

    assert judged_losses("discriminator_wins") == (
        "minimax", "non_saturating", "least_squares", "hinge", "relativistic")
    assert judged_losses("generator_wins") == ("minimax", "non_saturating")
    shown = " ".join(run_cli("train", "--help").out.split())
    assert "not wasserstein" in shown and "generator_wins for minimax, non_saturating" in shown


def test_colour_images_without_inception_weights_are_judged_on_pixels_and_it_is_said(capsys):
    rgb = np.random.default_rng(0).uniform(size=(200, 32, 32, 3)).astype("float32")
    watch = TrainingMonitor(reference=rgb)
    watch.set_model(small_dcgan())
    watch.on_train_begin()
    assert watch.probe_statistics.space == "pixels" and set(watch.probe_statistics.real) == {
        "diversity"}
    assert "mode_collapse is judged on pixel diversity" in capsys.readouterr().out


#: Probe statistics over a real batch's, at each epoch end of 30 epochs of the digits paper
#: config (seed 1; `ProbeStatistics` with the digits classifier), at batch 256 (6 steps an
#: epoch) and batch 16 (90): benchmarks/monitor_health.py runs the same configuration.
HEALTHY_PROBES = {
    6: {"diversity": [0.04, 0.12, 0.14, 0.14, 0.18, 0.19, 0.18, 0.19, 0.23, 0.27, 0.31, 0.36,
                      0.4, 0.44, 0.5, 0.54, 0.57, 0.59, 0.61, 0.59, 0.58, 0.6, 0.63, 0.65, 0.65,
                      0.65, 0.66, 0.68, 0.68, 0.67],
        "coverage": [0.01, 0.0, 0.01, 0.01, 0.01, 0.03, 0.05, 0.08, 0.09, 0.12, 0.16, 0.15, 0.16,
                     0.18, 0.2, 0.2, 0.22, 0.21, 0.23, 0.26, 0.22, 0.24, 0.25, 0.24, 0.23, 0.28,
                     0.26, 0.26, 0.25, 0.24],
        "classes": [0.11, 0.11, 0.12, 0.12, 0.13, 0.11, 0.11, 0.11, 0.11, 0.12, 0.12, 0.14, 0.23,
                    0.44, 0.59, 0.69, 0.77, 0.8, 0.82, 0.69, 0.79, 0.73, 0.79, 0.79, 0.8, 0.79,
                    0.83, 0.83, 0.85, 0.85]},
    90: {"diversity": [0.27, 0.64, 0.66, 0.71, 0.69, 0.68, 0.72, 0.72, 0.72, 0.7, 0.7, 0.75,
                       0.74, 0.75, 0.78, 0.75, 0.75, 0.75, 0.77, 0.77, 0.77, 0.78, 0.78, 0.79,
                       0.8, 0.81, 0.81, 0.81, 0.81, 0.81],
         "coverage": [0.08, 0.25, 0.26, 0.3, 0.28, 0.29, 0.32, 0.34, 0.33, 0.4, 0.41, 0.42,
                      0.38, 0.4, 0.4, 0.34, 0.28, 0.4, 0.4, 0.4, 0.4, 0.48, 0.47, 0.48, 0.39,
                      0.44, 0.43, 0.4, 0.39, 0.44],
         "classes": [0.13, 0.78, 0.78, 0.84, 0.79, 0.74, 0.83, 0.84, 0.83, 0.83, 0.81, 0.88,
                     0.82, 0.86, 0.82, 0.81, 0.84, 0.9, 0.94, 0.9, 0.88, 0.93, 0.87, 0.85, 0.91,
                     0.89, 0.86, 0.89, 0.92, 0.88]},
}


def test_healthy_probe_histories_at_batch_256_and_16_are_not_named_in_60_epochs():
    """The rule on the measured histories (each continued to 60 epochs at its last value, a
    run twice as long): never named; judged from the first probe, as a count of probes
    was, the batch-256 run would be named by epoch 2."""
    real = {"diversity": 1.0, "coverage": 1.0, "classes": 1.0}
    for steps_per_epoch, series in HEALTHY_PROBES.items():
        values = [dict(zip(series, row)) for row in zip(*series.values())]
        probes = [((epoch + 1) * steps_per_epoch, values[min(epoch, 29)]) for epoch in range(60)]
        for end in range(1, 61):
            assert monitor.check_mode_collapse(probes[:end], real, Thresholds()) is None
    early = Thresholds(diversity_warmup_steps=0, diversity_patience_steps=6)
    probes = [(6 * (epoch + 1), dict(zip(HEALTHY_PROBES[6], row)))
              for epoch, row in enumerate(zip(*HEALTHY_PROBES[6].values()))]
    assert monitor.check_mode_collapse(probes[:2], real, early)
