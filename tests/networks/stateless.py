"""Backend-neutral helpers for network tests: a compiled `stateless_call` (``jax.jit`` on JAX,
``tf.function`` on TensorFlow) and a loss's value and gradient with respect to one variable."""

from __future__ import annotations

from typing import Any, Callable

import keras


def compiled_stateless_call(model: keras.Model, training: bool) -> Callable[..., Any]:
    """``f(trainable, non_trainable, inputs) -> (outputs, non_trainable)``: ``model.stateless_call``
    compiled by the active backend (``jax.jit`` / ``tf.function``)."""

    def call(trainable: list, non_trainable: list, inputs: Any) -> Any:
        return model.stateless_call(trainable, non_trainable, inputs, training=training)

    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(call)
    import tensorflow as tf

    return tf.function(call)


def state(model: keras.Model) -> tuple[list, list]:
    """The model's trainable and non-trainable values, as `stateless_call` takes them."""
    return ([v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables])


def value_and_gradient(loss_fn: Callable[[], Any], variable: keras.Variable,
                       updated: list[keras.Variable] = ()) -> tuple[Any, Any]:
    """``loss_fn()`` and its gradient with respect to ``variable``; the values ``loss_fn``
    assigns to ``updated`` are stored (on JAX the loss runs in a `keras.StatelessScope`)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn()
        return loss, tape.gradient(loss, variable)
    import jax

    def stateless(value: Any) -> Any:
        with keras.StatelessScope(state_mapping=[(variable, value)]) as scope:
            loss = loss_fn()
        return loss, [scope.get_current_value(v) for v in updated]

    (loss, new_values), gradient = jax.value_and_grad(stateless, has_aux=True)(variable.value)
    for v, new in zip(updated, new_values):
        if new is not None:
            v.assign(new)
    return loss, gradient
