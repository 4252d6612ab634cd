"""Running one of an entry's updates on its own, as a training step of the model; how a test
takes a step or two."""

import keras

from keras_gan_zoo import engine

#: ``run_eagerly`` for a test's one or two training steps: eager on TensorFlow, where tracing
#: the step costs more than running it (CycleGAN at 32 px: 25 s against 4 s of CPU); traced
#: on JAX, which compiles each eager op as a program of its own (CycleGAN at 32 px: 515
#: programs, first step 15 s eagerly against 8 s traced).
FEW_STEPS_EAGERLY = keras.backend.backend() == "tensorflow"


def as_step(model, update) -> dict:
    """``update(model)`` (one of its updates) run as a training step of ``model`` on the
    active backend (on JAX: in the scope of the model's state, written back after)."""
    return engine.train_step(lambda model, data: update(model))(model, None)
