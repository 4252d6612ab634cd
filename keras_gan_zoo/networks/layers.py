"""Layers and blocks shared by the network builders.

* `weight_init`: N(0, 0.02), the initialiser of DCGAN (Radford et al. 2015)
  that pix2pix and CycleGAN reuse.
* `batch_norm`: batch norm over the global batch (synchronised across replicas
  on TensorFlow; on JAX the plain layer, see its docstring); `dcgan_batch_norm`
  with the DCGAN authors' settings (PyTorch's momentum 0.1, epsilon 1e-5,
  scales ~ N(1, 0.02)).
* `normalization`: the norm an image-to-image config names: ``"batch"``,
  ``"instance"`` (Ulyanov et al. 2016: per example and channel over H and W,
  with a learned scale and offset; `GroupNormalization` with one group per
  channel) or ``"none"``; `conv` and `conv_norm` use it.
* `ReflectionPadding2D`: ``ops.pad(mode="reflect")`` as a layer (CycleGAN pads
  its 7x7 and residual convolutions by reflection), serialisable so that
  ``.keras`` files load without ``custom_objects``.
* `Conv2DTranspose`: Keras' `Conv2DTranspose` (same arguments, weights, names and values)
  whose gradient on JAX is `engine.conv_transpose`'s, several times faster on CPU.
* `ReplicaDropout`: Keras `Dropout` whose masks differ per replica under a
  `tf.distribute` strategy (Keras' seed state is a mirrored variable, the same on
  every replica); on JAX, Keras' `Dropout` itself.
* D's options (Improved GAN techniques, `networks.options`):
  `MinibatchDiscrimination` (Salimans et al. 2016) and `MinibatchStdDev`
  (Karras et al. 2018) add batch statistics to D's features; `spectral`
  wraps a weight layer in `SpectralNorm` (Miyato et al. 2018's reparametrisation).
  Both layers compute their statistics over the batch they are called on:
  under a `tf.distribute` strategy, each replica's batch; under JAX's
  `keras.distribution.DataParallel` (one SPMD program), the global batch.
* Blocks: a chain-shaped network is described as a list of *block functions*
  (`BlockFn`), each creating the fresh layers of one block (a weight layer and
  the norm, activation and reshape layers after it). `stack_blocks` creates a
  list of blocks' layers once; `apply_layers` calls them in order, so the same
  layers can be applied in several networks (CoupledGAN's shared blocks).
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence

import keras
import numpy as np
from keras import layers, ops

from keras_gan_zoo import engine
from keras_gan_zoo.distribute import fold_in_replica

NORMALIZATIONS = ("batch", "instance", "none")


class BlockFn(Protocol):
    """``block_fn(suffix=...) -> [layer, ...]``: fresh layers of one block, in call
    order. ``suffix`` (``""``, or ``"_a"`` for a domain's copy) ends the names of
    the layers the block names (``"images"``, ``"logits"``)."""

    def __call__(self, *, suffix: str = "") -> list[layers.Layer]: ...


def weight_init() -> keras.initializers.Initializer:
    """DCGAN's N(0, 0.02) initialiser."""
    return keras.initializers.RandomNormal(0.0, 0.02)


def batch_norm(synchronized: bool = True, **kwargs: Any) -> layers.BatchNormalization:
    """Batch norm whose statistics span the global batch under a distribution strategy.

    On TensorFlow, ``synchronized`` all-reduces the statistics over the replicas of a
    `tf.distribute` strategy (each replica holds a slice of the batch). Keras has no
    synchronized batch norm off TensorFlow (it raises); on JAX the zoo distributes with
    `keras.distribution.DataParallel`, one SPMD program over the global batch, where the
    plain layer's mean and variance already span the global batch: so there the layer is
    built with ``synchronized=False``, the backend's equivalent.
    """
    synchronized = synchronized and engine.SYNCHRONIZED_BATCH_NORM
    return layers.BatchNormalization(synchronized=synchronized, **kwargs)


def dcgan_batch_norm() -> layers.BatchNormalization:
    """Batch norm as in the DCGAN authors' code: momentum 0.9, epsilon 1e-5, scales ~ N(1, 0.02)."""
    return batch_norm(
        momentum=0.9, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02)
    )


def stack_blocks(block_fns: Sequence[BlockFn], suffix: str = "") -> list[layers.Layer]:
    """The fresh layers of ``block_fns``, in order (``suffix``: see `BlockFn`)."""
    return [layer for block_fn in block_fns for layer in block_fn(suffix=suffix)]


def apply_layers(layer_list: Sequence[layers.Layer], x: Any) -> Any:
    """``x`` through each layer of ``layer_list`` in turn."""
    for layer in layer_list:
        x = layer(x)
    return x


@keras.saving.register_keras_serializable(package="keras_gan_zoo")
class ReflectionPadding2D(layers.Layer):
    """Pad H and W of ``[batch, H, W, C]`` by reflection (``padding`` pixels each side)."""

    def __init__(self, padding: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, inputs: Any) -> Any:
        p = self.padding
        return ops.pad(inputs, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple[int | None, ...]:
        batch, height, width, channels = input_shape
        grow = lambda size: None if size is None else size + 2 * self.padding  # noqa: E731
        return batch, grow(height), grow(width), channels

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "padding": self.padding}


@keras.saving.register_keras_serializable(package="keras_gan_zoo")
class ReplicaDropout(layers.Dropout):
    """`keras.layers.Dropout` with different masks on each replica of a strategy.

    Keras' `Dropout` draws its masks from a `SeedGenerator` whose state is a
    model variable: under ``MirroredStrategy`` every replica holds the same
    state and draws the same masks. This layer advances the same state (so
    successive calls differ, and the state is saved with the model) and folds
    the replica id into the stateless seed (`distribute.fold_in_replica`), as
    `BaseGAN` does for z. Same arguments and variables as `Dropout`.

    On JAX the zoo distributes with `keras.distribution.DataParallel`: one SPMD
    program draws one mask over the global batch, each example its own, so Keras'
    `Dropout` is already right there and is what this layer runs. The replica id
    exists only under `tf.distribute`, hence the TensorFlow-only path.
    """

    def call(self, inputs: Any, training: bool = False) -> Any:
        if keras.backend.backend() != "tensorflow":
            return super().call(inputs, training=training)
        if not training or self.rate == 0:
            return inputs
        import tensorflow as tf  # the replica id and the stateless dropout op: tf.distribute's

        state = self.seed_generator.next()
        seed = fold_in_replica(tf.cast(tf.math.floormod(state, tf.int32.max - 1), tf.int32))
        noise_shape = None
        if self.noise_shape is not None:
            noise_shape = [tf.shape(inputs)[i] if size is None else size
                           for i, size in enumerate(self.noise_shape)]
        return tf.nn.experimental.stateless_dropout(inputs, self.rate, seed, noise_shape)


@keras.saving.register_keras_serializable(package="keras_gan_zoo")
class Conv2DTranspose(layers.Conv2DTranspose):
    """`keras.layers.Conv2DTranspose` computed with `engine.conv_transpose`: on TensorFlow the
    same ops; on JAX the same values with a gradient several times faster on CPU (JAX's own
    gradient of the kernel is a convolution with an input dilation, on a slow path of
    XLA:CPU). The class name is Keras' so that the layers' automatic names, and with them
    the weights' paths in the zoo's files, are unchanged. Dilated, grouped, channels-first
    or output-padded layers take Keras' own call."""

    def call(self, inputs: Any) -> Any:
        if (self.rank != 2 or self.data_format != "channels_last"
                or self.output_padding is not None or max(self.dilation_rate) != 1
                or getattr(self, "groups", 1) != 1):
            return super().call(inputs)
        outputs = engine.conv_transpose(inputs, self.kernel, self.strides, self.padding)
        if self.use_bias:
            outputs = ops.add(outputs, ops.reshape(self.bias, (1, 1, 1, self.filters)))
        return outputs if self.activation is None else self.activation(outputs)


def check_normalization(norm: str) -> str:
    if norm not in NORMALIZATIONS:
        raise ValueError(f"norm must be one of {NORMALIZATIONS}, got {norm!r}.")
    return norm


def normalization(norm: str) -> layers.Layer | None:
    """A fresh normalisation layer for ``norm`` (None for ``"none"``)."""
    check_normalization(norm)
    if norm == "batch":
        return dcgan_batch_norm()
    if norm == "instance":
        return layers.GroupNormalization(
            groups=-1, epsilon=1e-5, gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02)
        )
    return None


def conv(filters: int, kernel_size: int, strides: int = 1, padding: str = "same",
         use_bias: bool = True, transpose: bool = False, **kwargs: Any) -> layers.Layer:
    """A (transposed) convolution with the N(0, 0.02) weights both papers use."""
    layer = Conv2DTranspose if transpose else layers.Conv2D
    return layer(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
                 kernel_initializer=weight_init(), **kwargs)


def conv_norm(x: Any, filters: int, kernel_size: int, strides: int = 1, norm: str = "none",
              padding: str = "same", transpose: bool = False) -> Any:
    """Convolution then ``norm`` (no bias before a normalisation that has its own offset)."""
    layer = normalization(norm)
    x = conv(filters, kernel_size, strides, padding, use_bias=layer is None,
             transpose=transpose)(x)
    return x if layer is None else layer(x)


def _unit(x: Any, epsilon: float = 1e-12) -> Any:
    """``x / ||x||_2`` over all its entries."""
    return x * ops.rsqrt(ops.maximum(ops.sum(ops.square(x)), epsilon))


@keras.saving.register_keras_serializable(package="keras_gan_zoo")
class SpectralNorm(layers.Wrapper):
    """Spectral normalisation as a reparametrisation (Miyato, Kataoka, Koyama & Yoshida
    2018, "Spectral Normalization for GANs", eq. 8 and 12): the wrapped layer's kernel
    ``W`` (``kernel`` or ``embeddings``) stays the trained variable, and the layer
    computes with ``W / sigma(W)``.

    ``sigma(W) = v^T W u`` (W reshaped to ``[-1, out]``) from ``power_iterations``
    power iterations from the stored ``u`` (``vector_u``, non-trainable, updated by
    each training call; inference uses it without updating it), ``u`` and ``v`` held
    constant in the gradient, so the gradient reaches ``W`` through ``sigma`` as in the
    paper and its reference code. Keras' `SpectralNormalization` instead overwrites the
    kernel with ``W / sigma`` on each training call: no gradient flows through
    ``sigma``, and each of D's several calls in a step divides the kernel again.
    Under a distribution strategy every replica computes the same ``u`` (same W and
    u); its update is their mean.
    """

    def __init__(self, layer: layers.Layer, power_iterations: int = 1, **kwargs: Any) -> None:
        super().__init__(layer, **kwargs)
        if int(power_iterations) < 1:
            raise ValueError(f"power_iterations must be >= 1, got {power_iterations!r}.")
        self.power_iterations = int(power_iterations)

    def kernel_variable(self) -> keras.Variable:
        """The wrapped layer's raw ``W``."""
        for name in ("kernel", "embeddings"):
            if hasattr(self.layer, name):
                return getattr(self.layer, name)
        raise ValueError(f"SpectralNorm wraps a layer with a kernel or embeddings, got "
                         f"{type(self.layer).__name__}.")

    def build(self, input_shape: Sequence[int | None]) -> None:
        super().build(input_shape)
        kernel = self.kernel_variable()
        self.vector_u = self.add_weight(
            shape=(1, int(kernel.shape[-1])), initializer=keras.initializers.RandomNormal(),
            trainable=False, aggregation="mean", name="vector_u", dtype="float32")

    def normalized_kernel(self, update: bool = False) -> Any:
        """``W / sigma(W)`` in float32; ``update``: store the iterated ``u`` (training)."""
        kernel = self.kernel_variable()
        w = ops.cast(kernel, "float32")
        matrix = ops.reshape(w, (-1, int(kernel.shape[-1])))
        u = ops.cast(self.vector_u, "float32")
        for _ in range(self.power_iterations):
            v = _unit(ops.matmul(u, ops.transpose(matrix)))
            u = _unit(ops.matmul(v, matrix))
        u, v = ops.stop_gradient(u), ops.stop_gradient(v)
        if update:
            self.vector_u.assign(u)
        return w / ops.sum(ops.matmul(v, matrix) * u)

    def call(self, inputs: Any, training: bool = False) -> Any:
        normalized = self.normalized_kernel(update=bool(training))
        kernel = self.kernel_variable()
        # The wrapped layer reads W / sigma where it reads its kernel variable. A stateless
        # scope does not read through the one around it, so the layer's other variables (the
        # bias) are mapped to their values as read here: inside an enclosing scope (JAX's
        # stateless step, `stateless_call`) the values that scope gives them, else the stored.
        mapping = [(kernel, normalized)]
        mapping += [(v, v.value) for v in self.layer.weights if v is not kernel]
        with keras.StatelessScope(state_mapping=mapping):
            return self.layer(inputs)

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> Any:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "power_iterations": self.power_iterations}


def spectral(layer: layers.Layer, enabled: bool = True) -> layers.Layer:
    """``layer`` (with a ``kernel`` or ``embeddings``) in `SpectralNorm` if ``enabled``
    (Miyato et al. 2018, one power iteration per training call)."""
    return SpectralNorm(layer) if enabled else layer


@keras.saving.register_keras_serializable(package="keras_gan_zoo")
class MinibatchDiscrimination(layers.Layer):
    """Minibatch discrimination (Salimans et al. 2016, "Improved Techniques for
    Training GANs", sec. 3.2) as the authors' ``MinibatchLayer`` (improved-gan,
    ``nn.py``): ``[N, A] -> [N, A + num_kernels]``.

    ``M_i = x_i T`` with T (``A x B x C``, B = ``num_kernels``, C = ``kernel_dim``)
    weight-normalised: ``T = theta exp(log_weight_scale) / ||theta||`` (norm over A),
    theta ~ N(0, 0.05); ``o(x_i)_b = sum_{j != i} exp(-||M_i,b - M_j,b||_L1) + bias_b``
    (the self term excluded), concatenated to ``x_i``; the bias starts at -1.

    The authors initialise on data: the first training call (D's first, on real
    images) scales each kernel so that the mean nearest-neighbour L1 distance
    over its batch is 2 and sets the bias to minus the mean feature, so the
    features start centred and sensitive to the batch (with theta alone, the
    distances between D's features of digits are far from 1 and ``exp(-L1)``
    saturates). ``initialized`` records it, saved with the model. Under a
    distribution strategy each replica's batch gives its own statistics; the
    stored scale and bias are their mean. Computed in float32 over the batch the
    layer is called on (under a `tf.distribute` strategy, each replica's; under
    JAX's DataParallel, the global batch).
    """

    def __init__(self, num_kernels: int = 100, kernel_dim: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_kernels = int(num_kernels)
        self.kernel_dim = int(kernel_dim)

    def build(self, input_shape: Sequence[int | None]) -> None:
        kernels = (self.num_kernels, self.kernel_dim)
        self.theta = self.add_weight(
            shape=(int(input_shape[-1]), *kernels), name="theta",
            initializer=keras.initializers.RandomNormal(0.0, 0.05))
        self.log_weight_scale = self.add_weight(
            shape=kernels, initializer="zeros", aggregation="mean", name="log_weight_scale")
        self.bias = self.add_weight(shape=(self.num_kernels,), aggregation="mean", name="bias",
                                    initializer=keras.initializers.Constant(-1.0))
        self.initialized = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                           aggregation="mean", name="initialized")

    def call(self, inputs: Any, training: bool = False) -> Any:
        x = ops.cast(inputs, "float32")
        theta = ops.cast(self.theta, "float32")
        log_scale = ops.cast(self.log_weight_scale, "float32")
        bias = ops.cast(self.bias, "float32")
        kernel = theta * ops.exp(log_scale) * ops.rsqrt(ops.sum(ops.square(theta), axis=0))
        m = ops.einsum("na,abc->nbc", x, kernel)
        eye = ops.eye(ops.shape(m)[0], dtype="float32")
        l1 = ops.sum(ops.abs(m[:, None] - m[None]), axis=-1) + 1e6 * eye[:, :, None]  # [N, N, B]
        if training:
            # Data-dependent init, written without a branch on the variable's value (traced
            # under tf.distribute and jax.jit alike): `first` is 1 on the first training call
            # only. The assignments are recorded by an enclosing stateless scope on JAX.
            first = 1.0 - ops.cast(self.initialized, "float32")
            nearest = ops.stop_gradient(0.5 * ops.mean(ops.min(l1, axis=1), axis=0))  # [B]
            divisor = first * nearest + (1.0 - first)
            l1 = l1 / divisor
            features = ops.sum(ops.exp(-l1), axis=1)
            bias = first * ops.stop_gradient(-ops.mean(features, axis=0)) + (1.0 - first) * bias
            self.log_weight_scale.assign(log_scale - ops.log(divisor)[:, None])
            self.bias.assign(bias)
            self.initialized.assign(1.0)
        else:
            features = ops.sum(ops.exp(-l1), axis=1)
        features = features + bias
        return ops.concatenate([inputs, ops.cast(features, inputs.dtype)], axis=-1)

    def load_own_variables(self, store: Any) -> None:
        """Also loads the one-variable layer of older ``.keras`` files (T ~ N(0, 0.05), the
        self term included) as an initialised layer that computes the same features."""
        if len(store.keys()) != 1:
            return super().load_own_variables(store)
        tensor = np.asarray(store["0"], np.float32).reshape(self.theta.shape)
        self.theta.assign(tensor)
        self.log_weight_scale.assign(np.log(np.sqrt((tensor**2).sum(0))))
        self.bias.assign(np.ones(self.num_kernels, np.float32))  # exp(-0) of the self term
        self.initialized.assign(1.0)

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], int(input_shape[-1]) + self.num_kernels)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_kernels": self.num_kernels,
                "kernel_dim": self.kernel_dim}


@keras.saving.register_keras_serializable(package="keras_gan_zoo")
class MinibatchStdDev(layers.Layer):
    """Minibatch standard deviation (Karras et al. 2018, "Progressive Growing of
    GANs", sec. 3): one feature (map) more, ``[N, ..., C] -> [N, ..., C + 1]``.

    The batch is split into groups of ``group_size`` (example i in group
    ``i mod ceil(N / group_size)``, the paper code's strided groups; the last
    groups are one smaller when N is not a multiple); the std over the group
    of every feature and position, averaged over them, is one number per
    group, broadcast as a constant feature map. Computed in float32 over the
    batch the layer is called on (under a `tf.distribute` strategy, each replica's;
    under JAX's DataParallel, the global batch).
    """

    def __init__(self, group_size: int = 4, epsilon: float = 1e-8, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.group_size = int(group_size)
        self.epsilon = float(epsilon)

    def call(self, inputs: Any) -> Any:
        x = ops.reshape(ops.cast(inputs, "float32"), (ops.shape(inputs)[0], -1))
        index = ops.arange(ops.shape(x)[0])
        groups = (ops.shape(x)[0] + self.group_size - 1) // self.group_size
        same = ops.cast(ops.equal(index[:, None] % groups, index[None] % groups), "float32")
        size = ops.sum(same, axis=1, keepdims=True)
        mean = ops.matmul(same, x) / size  # example i's group mean
        variance = ops.matmul(same, ops.square(x)) / size - ops.square(mean)
        std = ops.sqrt(ops.maximum(variance, 0.0) + self.epsilon)
        stat = ops.cast(ops.mean(std, axis=1), inputs.dtype)
        shape = ops.shape(inputs)
        stat = ops.broadcast_to(ops.reshape(stat, (-1,) + (1,) * (len(inputs.shape) - 1)),
                                (*shape[:-1], 1))
        return ops.concatenate([inputs, stat], axis=-1)

    def compute_output_shape(self, input_shape: Sequence[int | None]) -> tuple[int | None, ...]:
        return (*input_shape[:-1], int(input_shape[-1]) + 1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "group_size": self.group_size, "epsilon": self.epsilon}
