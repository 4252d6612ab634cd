"""Running one of an entry's updates on its own, as a training step of the model."""

from keras_gan_zoo import engine


def as_step(model, update) -> dict:
    """``update(model)`` (one of its updates) run as a training step of ``model`` on the
    active backend (on JAX: in the scope of the model's state, written back after)."""
    return engine.train_step(lambda model, data: update(model))(model, None)
