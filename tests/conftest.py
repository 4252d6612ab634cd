"""Shared fixtures: two logical CPUs for distribution tests, a digits classifier for quality tests."""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# Read when JAX starts (TensorFlow's two logical CPUs are made below): two host devices for
# JAX's distribution tests, and LLVM's optimization level 1 instead of 2, which compiles the
# tests' many small programs faster at no measured cost in speed (a CycleGAN step at 32 px:
# compiling 10.5 -> 7.5 s, building the networks 5.2 -> 2.4 s, the step 0.42 -> 0.44 s; level
# 0 compiles in 5.7 s but runs the step in 2.5 s).
XLA_TEST_FLAGS = {"--xla_force_host_platform_device_count": "2",
                  "--xla_backend_optimization_level": "1"}
_xla_flags = os.environ.get("XLA_FLAGS", "").split()
os.environ["XLA_FLAGS"] = " ".join(_xla_flags + [
    f"{flag}={value}" for flag, value in XLA_TEST_FLAGS.items()
    if not any(given.startswith(flag + "=") for given in _xla_flags)])
# JAX compiles each test's small models anew; many are the same programs (the CLI's tiny GAN
# in every run-folder test, one op's program in each worker): keep compiled programs across
# tests, workers and runs (a folder under the system's temporary directory).
# Every program, however quick to compile: most compile in under 0.2 s, and keeping those
# too took 7-10% off two modules' times from an empty cache.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR",
                      os.path.join(tempfile.gettempdir(), "keras_gan_zoo_jax_cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Must happen before TensorFlow initialises its devices.
_cpus = tf.config.list_physical_devices("CPU")
tf.config.set_logical_device_configuration(
    _cpus[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402

from tests.digits_classifier import DigitsClassifier  # noqa: E402


@pytest.fixture(scope="session")
def mirrored_strategy() -> tf.distribute.MirroredStrategy:
    """MirroredStrategy over two logical CPU devices."""
    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


@pytest.fixture(scope="session")
def digits_classifier() -> DigitsClassifier:
    """The shipped digits classifier (trained on the *test* split, which no GAN trains on)."""
    return DigitsClassifier.shipped()


#: The DCGAN the quality tests train on the digits (test_quality, test_metrics).
QUALITY_DCGAN = dict(generator_filters=64, discriminator_filters=32, seed=0)


@pytest.fixture(scope="session")
def quality_dcgan_weights() -> dict[int, list[np.ndarray]]:
    """One run shared by the quality tests (each needs the same model, only trained for a
    different number of epochs): the `QUALITY_DCGAN` trained on the digits at batch 32,
    its weights after 10 and after 15 epochs. Load them into ``zoo.build("dcgan",
    **QUALITY_DCGAN)``."""
    import keras_gan_zoo as zoo

    keras.utils.set_random_seed(1234)
    model = zoo.build("dcgan", **QUALITY_DCGAN)
    model.compile()
    snapshots = {}

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch + 1 in (10, 15):
                snapshots[epoch + 1] = [np.array(w) for w in self.model.get_weights()]

    start = time.perf_counter()
    model.fit(zoo.data.load("digits", batch_size=32, seed=0), epochs=15, verbose=0,
              callbacks=[Snapshot()])
    print(f"\nquality DCGAN: 15 epochs on the digits in {time.perf_counter() - start:.0f} s")
    return snapshots


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the slow checks first; skip the tests marked ``tensorflow_only(reason=...)`` or
    ``jax_only(reason=...)`` under the other Keras backend, with the marker's reason."""
    # The slow checks first: pytest-xdist hands out tests in this order (after the groups of
    # tests sharing a fixture), so that no minutes-long check starts last while the other
    # worker idles.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    backend = keras.backend.backend()
    for item in items:
        for name, wanted in (("tensorflow_only", "tensorflow"), ("jax_only", "jax")):
            marker = item.get_closest_marker(name)
            if marker is not None and backend != wanted:
                reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
                item.add_marker(pytest.mark.skip(reason=f"{wanted} only: {reason}"))


@pytest.fixture(autouse=True)
def _seed_everything():
    keras.utils.set_random_seed(1234)
    np.random.seed(1234)
    yield
