"""`train` and the run's steps, by their former module name: they live in `keras_gan_zoo.run`."""

from keras_gan_zoo.run.plan import choose_recipe, run_name
from keras_gan_zoo.run.runner import TrainingRun, run_callbacks, train

__all__ = ["TrainingRun", "choose_recipe", "run_callbacks", "run_name", "train"]
