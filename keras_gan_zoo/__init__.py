"""keras_gan_zoo: a Keras 3 model zoo of Generative Adversarial Networks.

    import keras_gan_zoo as zoo
    model = zoo.build("dcgan")                 # DCGAN's defaults + zoo_configs/dcgan.yaml
    model.compile()
    model.fit(zoo.data.load("digits"), epochs=5)
    images = model.generate(16, seed=0)        # [16, 28, 28, 1] in [0, 1]
    model.export("saved_models/dcgan/1")       # SavedModel, serving_default(z) -> images

    run = zoo.train("dcgan", dataset="digits", epochs=5)  # all of the above, as `keras-gan-zoo train`
    run = zoo.train("dcgan")                   # the first run: the dcgan_digits recipe
    model, dataset, fit_kwargs = zoo.load_recipe("cyclegan_horse2zebra").prepare()
    model = zoo.from_preset("dcgan_digits")    # trained: sample without training first
"""

import os

# Quieter TensorFlow start-up (C++ INFO/WARNING lines); set the variable yourself to change it.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# First: an unsupported Keras backend (torch, numpy) is refused in one line, before anything fails.
from keras_gan_zoo import engine  # noqa: E402,F401
from keras_gan_zoo import callbacks, data, losses, metrics, networks  # noqa: E402
from keras_gan_zoo.base import BaseGAN  # noqa: E402
from keras_gan_zoo.models import *  # noqa: F401,F403,E402  (registers the entries)
from keras_gan_zoo.models import __all__ as _entry_names  # noqa: E402
from keras_gan_zoo.models.image_to_image import ImageToImageGAN  # noqa: E402
from keras_gan_zoo.models.noise_to_image import NoiseToImageGAN  # noqa: E402
from keras_gan_zoo.monitor import TrainingMonitor  # noqa: E402
from keras_gan_zoo.presets import available_presets, from_preset, save_preset  # noqa: E402
from keras_gan_zoo.recipes import Recipe, available_recipes, load_recipe  # noqa: E402
from keras_gan_zoo.registry import available, build, entry_class, load_config, register  # noqa: E402
from keras_gan_zoo.run.runner import train  # noqa: E402
from keras_gan_zoo.signals import MonitorSignals  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "BaseGAN",
    "ImageToImageGAN",
    "MonitorSignals",
    "NoiseToImageGAN",
    "Recipe",
    "TrainingMonitor",
    "available",
    "available_presets",
    "available_recipes",
    "build",
    "callbacks",
    "data",
    "entry_class",
    "from_preset",
    "load_config",
    "load_recipe",
    "losses",
    "metrics",
    "networks",
    "register",
    "save_preset",
    "train",
    *_entry_names,
]
