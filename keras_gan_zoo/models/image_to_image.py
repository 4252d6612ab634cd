"""`ImageToImageGAN`: what pix2pix and CycleGAN share on top of `BaseGAN`.

Their generators take an image instead of noise:

* ``translate(images)`` (also ``generate(images)``) maps images in [0, 1] to
  translated images in [0, 1]; ``translate_images`` is its graph version,
  used by the serving signatures, which take ``image`` in [0, 1] (checked:
  ``serving_ranges``) and return ``images`` in [0, 1].
* At inference the generators run through `run_generator`: in training mode
  when ``inference_training_flag`` says so (pix2pix's test mode), with the
  batch-norm moving averages kept as they are.
* ``sample_grid`` shows one example per row (pix2pix: input | output | target,
  titled by ``grid_titles``), from data set with ``use_sample_data`` or the
  offline default's held-out split (``default_sample_data``, at the model's channels).
* ``load_dataset`` reads the entry's kind of data (pairs or two domains) at
  the model's shapes, and ``training_callbacks`` lists the callbacks the
  paper's schedule needs (a CLI can add both without knowing the entry).

``image_shape`` is the shape of the *output* images (pix2pix's targets,
CycleGAN's domain B); ``input_channels`` (default: the same channels) sets the
input's (pix2pix's inputs, CycleGAN's domain A).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import keras
import numpy as np
from keras import ops

from keras_gan_zoo import inputs
from keras_gan_zoo.base import BaseGAN, Endpoint
from keras_gan_zoo.pixels import to_model_range, to_unit_range
from keras_gan_zoo.signals import MonitorSignals
from keras_gan_zoo.tensorflow_import import EXPORT, lazy_tensorflow

tf = lazy_tensorflow(EXPORT)

#: What the generators take and give at inference: images in [0, 1].
UNIT_IMAGES = inputs.Range(0.0, 1.0, "divide 8-bit images by 255")


class ImageToImageGAN(BaseGAN):
    """Base of the image-to-image entries (see the module docstring)."""

    serving_ranges = {"image": UNIT_IMAGES}
    evaluation_sampling = "translate"

    def __init__(
        self,
        image_shape: Sequence[int] = (256, 256, 3),
        input_channels: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(image_shape=image_shape, **kwargs)
        self.input_channels = int(input_channels or self.image_shape[2])
        if self.input_channels not in (1, 3):
            raise ValueError(f"input_channels must be 1 or 3, got {input_channels}.")
        self._sample_data: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def source_shape(self) -> tuple[int, int, int]:
        """Shape of the input images (``image_shape`` with ``input_channels``)."""
        return (*self.image_shape[:2], self.input_channels)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "input_channels": self.input_channels}

    # -------------------------------------------------------------- training
    def image_pair(self, data: Any) -> tuple[tf.Tensor, tf.Tensor]:
        """``(inputs, outputs)`` of a dataset element (or of ``train_on_batch((x, y))``),
        checked against the model's shapes."""
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None and isinstance(x, (tuple, list)) and len(x) == 2:
            x, y = x
        if y is None or isinstance(x, (tuple, list, dict)):
            raise ValueError(
                f"{type(self).__name__} trains on pairs of image batches (x, y), but the data "
                f"has {type(data).__name__} elements without them. Load data with "
                f"{type(self).__name__}.load_dataset(...)."
            )
        self.check_image_shape(x.shape[1:], what="input images", expected=self.source_shape)
        self.check_image_shape(y.shape[1:], what="output images")
        return ops.cast(x, self.compute_dtype), ops.cast(y, self.compute_dtype)

    def example_batch(self, batch_size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """A random pair ``(inputs, outputs)`` in [-1, 1], the form ``train_step`` expects."""
        rng = np.random.default_rng(seed)
        return tuple(rng.uniform(-1.0, 1.0, (batch_size, *shape)).astype(np.float32)
                     for shape in (self.source_shape, self.image_shape))

    def monitor_signals(self) -> MonitorSignals:
        """No noise probe (G takes images); of the monitor's remedies, these entries take
        the two learning rates (their papers' losses are kept). Entries add their D's values."""
        return MonitorSignals(advice={
            "discriminator_wins": "a lower d_learning_rate or higher g_learning_rate",
            "generator_wins": "a higher d_learning_rate or lower g_learning_rate",
            "diverged": "a lower d_learning_rate and g_learning_rate",
        })

    # ------------------------------------------------------------- inference
    def inference_training_flag(self) -> bool:
        """The ``training`` flag the generators get at inference (pix2pix: the paper's test mode)."""
        return False

    def run_generator(self, generator: keras.Model, images: tf.Tensor, training: bool = False
                      ) -> tf.Tensor:
        """``generator`` on images in [-1, 1]. At inference (``training=False``) with
        `inference_training_flag` (pix2pix's test mode) it runs in training mode, on the
        statistics of the batch, and its batch-norm moving averages are left as they were."""
        if training or not self.inference_training_flag():
            return generator(images, training=training)
        # Reads and assignments of a variable keep their program order (a tf.function's
        # automatic control dependencies; a stateless scope's record under jax.jit).
        statistics = moving_statistics(generator)
        kept = [ops.copy(variable.value) for variable in statistics]
        outputs = generator(images, training=True)
        for variable, value in zip(statistics, kept):
            variable.assign(value)
        return outputs

    def translate_images(self, images: tf.Tensor, generator: keras.Model | None = None) -> tf.Tensor:
        """Graph-friendly translation: images in [0, 1] -> ``generator``'s output in [0, 1]."""
        generator = self.generator if generator is None else generator
        images = ops.cast(to_model_range(images, maximum=1.0), self.compute_dtype)
        return to_unit_range(self.run_generator(generator, images))

    def _validated(self, images: Any, shape: Sequence[int]) -> tuple[np.ndarray, bool]:
        images = np.asarray(images, dtype=np.float32)
        single = images.ndim == 3
        images = images[None] if single else images
        self.check_image_shape(images.shape[1:], what="images to translate", expected=shape)
        return inputs.check_array(images, "images", shape, UNIT_IMAGES, allow_empty=True), single

    def _translate_numpy(self, images: Any, generator: keras.Model, shape: Sequence[int]
                         ) -> np.ndarray:
        batch, single = self._validated(images, shape)
        out = ops.convert_to_numpy(self.translate_images(ops.convert_to_tensor(batch), generator))
        return out[0] if single else out

    def translate(self, images: Any) -> np.ndarray:
        """Translate images in [0, 1] (``[N, H, W, C]`` or one ``[H, W, C]``) to images in [0, 1]."""
        return self._translate_numpy(images, self.generator, self.source_shape)

    def generate(self, images: Any) -> np.ndarray:
        """Same as `translate`: image-to-image generators take images, not noise."""
        return self.translate(images)

    def call(self, images: tf.Tensor, training: bool = False) -> tf.Tensor:
        """The generator on images in the model range [-1, 1] (`run_generator`)."""
        return self.run_generator(self.generator, images, training)

    # ---------------------------------------------------------- sample grids
    def use_sample_data(self, inputs: Any, targets: Any) -> None:
        """Set the images ``sample_grid`` shows (in [-1, 1], as the datasets yield them)."""
        self._sample_data = (np.asarray(inputs, np.float32), np.asarray(targets, np.float32))

    def default_sample_data(self) -> tuple[np.ndarray, np.ndarray]:
        """Images for `sample_grid` when none were set (in [-1, 1]): the offline default's
        held-out split, its inputs converted to ``input_channels``."""
        inputs, targets = self.held_out_digits()
        if self.input_channels != self.image_shape[2]:
            inputs = np.repeat(inputs.mean(-1, keepdims=True), self.input_channels, axis=-1)
        return inputs, targets

    def held_out_digits(self) -> tuple[np.ndarray, np.ndarray]:
        """The offline default's test split ``(inputs, outputs)`` in [-1, 1], both at
        ``image_shape``."""
        raise NotImplementedError

    def sample_columns(self, inputs: np.ndarray, targets: np.ndarray) -> list[np.ndarray]:
        """The columns of a sample grid (one per title of ``grid_titles``) for inputs/targets,
        all images in [0, 1]."""
        raise NotImplementedError

    def sample_grid(self, num_samples: int = 8, seed: int = 0) -> tuple[np.ndarray, int]:
        """The `sample_columns` of ``num_samples`` examples chosen by ``seed``, one row
        each (the tiles row by row), and the number of rows."""
        inputs, targets = self._sample_data or self.default_sample_data()
        index = np.random.default_rng(seed).choice(
            min(len(inputs), len(targets)), size=min(num_samples, len(inputs), len(targets)),
            replace=False)
        unit = [np.asarray(to_unit_range(images[index])) for images in (inputs, targets)]
        return row_grid(self.sample_columns(*unit))

    # ---------------------------------------------------------------- export
    def image_endpoint(self, function: Callable[[tf.Tensor], tf.Tensor],
                       shape: Sequence[int]) -> Endpoint:
        """A serving signature ``(image in [0, 1]) -> {"images": ...}`` for `export`."""
        return (lambda image: {"images": function(image)},
                [tf.TensorSpec([None, *shape], tf.float32, name="image")])

    def serving_endpoints(self) -> dict[str, Endpoint]:
        return {"serving_default": self.image_endpoint(self.translate_images, self.source_shape)}


def moving_statistics(model: keras.Model) -> list[keras.Variable]:
    """The moving means and variances of ``model``'s batch-norm layers (nested models too)."""
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            found += [layer.moving_mean, layer.moving_variance]
        elif isinstance(layer, keras.Model):
            found += moving_statistics(layer)
    return found


def row_grid(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, int]:
    """Lay out ``columns`` (equal-length ``[N, H, W, C]`` in [0, 1]) as tiles for
    `plotting.image_grid`: example i's images side by side in row i, at the columns' widest
    channels. Returns ``(tiles, rows)``."""
    channels = max(column.shape[-1] for column in columns)
    columns = [np.repeat(c, channels, axis=-1) if c.shape[-1] != channels else c for c in columns]
    return np.stack(columns, axis=1).reshape(-1, *columns[0].shape[1:]), len(columns[0])
