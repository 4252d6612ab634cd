"""The TensorFlow engine: objectives differentiated with ``tf.GradientTape``, the
`tf.distribute` rules of `keras_gan_zoo.distribute` (see `keras_gan_zoo.engine`)."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import contextlib

import keras
import tensorflow as tf

from keras_gan_zoo import distribute

__all__ = ["minimize", "input_gradients", "step_seed", "normal", "uniform", "global_count",
           "conv_transpose", "train_step", "group_optimizers", "values_kept",
           "SYNCHRONIZED_BATCH_NORM"]

#: Batch normalization can synchronise its statistics over `tf.distribute` replicas.
SYNCHRONIZED_BATCH_NORM = True

step_seed = distribute.step_seed
global_count = distribute.global_count


def minimize(objective: Callable[[], tuple[Any, Any]],
             *updates: tuple[keras.optimizers.Optimizer, Sequence[keras.Variable]]) -> Any:
    """Update each ``(optimizer, variables)`` of ``updates`` down the gradient of its loss in
    ``objective()``'s ``(losses, logs)`` (one loss, or a tuple with one per update; each this
    replica's share, loss-scaled: `distribute.replica_loss`), all from one forward pass;
    return the logs. Under a strategy, the optimizers sum the replicas' gradients."""
    with tf.GradientTape(persistent=len(updates) > 1) as tape:
        losses, logs = objective()
    losses = losses if isinstance(losses, (tuple, list)) else (losses,)
    for loss, (optimizer, variables) in zip(losses, updates, strict=True):
        variables = list(variables)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return logs


def input_gradients(function: Callable[[Any], Any], inputs: Any) -> tf.Tensor:
    """The gradient of ``sum(function(inputs))`` with respect to ``inputs`` (per example when
    ``function`` treats examples independently): a tape nested in the update's, so that a
    penalty on it is differentiated again (Gulrajani et al. 2017's double backpropagation)."""
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = tf.cast(function(inputs), tf.float32)
    return tape.gradient(outputs, inputs)


def normal(shape: Sequence[Any], seed: tf.Tensor, dtype: Any = "float32") -> tf.Tensor:
    """N(0, 1) draws of ``shape`` from the stateless ``seed`` (`step_seed`)."""
    return tf.random.stateless_normal(shape, seed, dtype=dtype)


def uniform(shape: Sequence[Any], seed: tf.Tensor, minval: float = 0.0, maxval: float = 1.0,
            dtype: Any = "float32") -> tf.Tensor:
    """U[minval, maxval) draws of ``shape`` from the stateless ``seed`` (`step_seed`)."""
    return tf.random.stateless_uniform(shape, seed, minval, maxval, dtype=dtype)


def conv_transpose(inputs: Any, kernel: Any, strides: Sequence[int], padding: str) -> Any:
    """Keras' ``ops.conv_transpose(inputs, kernel, strides, padding)`` (channels last, no
    dilation or output padding), as `keras.layers.Conv2DTranspose` computes it."""
    return keras.ops.conv_transpose(inputs, kernel, strides=list(strides), padding=padding,
                                    output_padding=None, dilation_rate=(1, 1),
                                    data_format="channels_last")


def train_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """An entry's ``train_step(self, data)`` as `fit` calls it on TensorFlow: unchanged."""
    return step


def group_optimizers(optimizers: Sequence[keras.optimizers.Optimizer],
                     variables: Sequence[Sequence[keras.Variable]]) -> None:
    """Nothing: on TensorFlow each optimizer keeps its variables itself, and `fit` needs no
    ``model.optimizer``."""
    return None


def values_kept(model: keras.Model) -> contextlib.AbstractContextManager:
    """Nothing to keep: on TensorFlow the variables hold their values throughout `fit`."""
    return contextlib.nullcontext()
