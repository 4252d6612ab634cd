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


def value_and_gradient(loss_fn: Callable[[], Any], variable: keras.Variable | list[keras.Variable],
                       updated: list[keras.Variable] = ()) -> tuple[Any, Any]:
    """``loss_fn()`` and its gradient with respect to ``variable`` (a list of gradients for a
    list of variables); the values ``loss_fn`` assigns to ``updated`` are stored (on JAX the
    loss runs in a `keras.StatelessScope`)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        with tf.GradientTape() as tape:
            loss = loss_fn()
        return loss, tape.gradient(loss, variable)
    import jax

    variables = list(variable) if isinstance(variable, (list, tuple)) else [variable]

    def stateless(values: list[Any]) -> Any:
        with keras.StatelessScope(state_mapping=list(zip(variables, values))) as scope:
            loss = loss_fn()
        return loss, [scope.get_current_value(v) for v in updated]

    (loss, new_values), gradients = jax.value_and_grad(stateless, has_aux=True)(
        [v.value for v in variables])
    gradient = gradients if isinstance(variable, (list, tuple)) else gradients[0]
    for v, new in zip(updated, new_values):
        if new is not None:
            v.assign(new)
    return loss, gradient
