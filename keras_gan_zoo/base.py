"""`BaseGAN`: what every zoo entry shares.

An entry subclasses `BaseGAN`, builds its networks in ``__init__`` and, if its
algorithm differs from Goodfellow et al.'s Algorithm 1, overrides
``train_step`` using the helpers below. The helpers carry the rules that make
training correct under any ``tf.distribute`` strategy, once:

* **Loss reduction** (:meth:`replica_loss`): per-example losses are summed and
  divided by the *global* batch size inside the ``GradientTape``; the
  optimizer sums gradients over replicas, so one step on N replicas equals one
  step on one replica with the same global batch.
* **Logging** (:meth:`report`): `keras.metrics.Mean` trackers receive the
  per-example losses, so the logged value is the true global-batch mean (not
  1/N of it) whatever the number of replicas.
* **Noise** (:meth:`sample_noise`): stateless draws whose seed folds in the
  step and the replica id, so replicas draw different noise and a run is
  reproducible from its ``seed``.
* **Optimizers**: one per network, built explicitly in :meth:`compile` (inside
  the strategy scope), wrapped in a `LossScaleOptimizer` under ``mixed_float16``.
"""

from __future__ import annotations

import random
from typing import Any, Callable, ClassVar, Iterable, Mapping, Sequence

import keras
import numpy as np
import tensorflow as tf

from keras_gan_zoo import losses
from keras_gan_zoo.distribute import needs_custom_loop
from keras_gan_zoo.training import distributed_fit

Endpoint = tuple[Callable[..., Any], Sequence[tf.TensorSpec]]


def to_unit_range(images: tf.Tensor) -> tf.Tensor:
    """Map generator outputs from [-1, 1] (tanh) to [0, 1], as float32."""
    return tf.clip_by_value((tf.cast(images, tf.float32) + 1.0) * 0.5, 0.0, 1.0)


class BaseGAN(keras.Model):
    """Base class of the zoo's GANs (a `keras.Model` with a custom ``train_step``).

    Args:
        image_shape: ``(height, width, channels)`` of the images, in [-1, 1].
        latent_dim: size of the generator's noise input z.
        d_steps: discriminator updates per generator update (k in Algorithm 1
            of Goodfellow et al. 2014; WGAN uses 5). Each dataset batch is
            split into k interleaved minibatches, so every discriminator
            update sees fresh real data, as in the paper.
        label_smoothing: one-sided label smoothing: the real target becomes
            ``1 - label_smoothing`` (Salimans et al. 2016 use 0.1, i.e. 0.9).
        learning_rate, beta_1, beta_2: Adam defaults used by `compile` when no
            optimizer is passed.
        seed: seed of the training noise; ``None`` picks one at random.
    """

    #: Paper reference, shown by ``keras-gan-zoo list`` and in docstrings.
    paper: ClassVar[str] = ""
    #: Names of the `keras.metrics.Mean` trackers the entry reports.
    metric_names: ClassVar[tuple[str, ...]] = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(
        self,
        image_shape: Sequence[int] = (28, 28, 1),
        latent_dim: int = 100,
        d_steps: int = 1,
        label_smoothing: float = 0.0,
        learning_rate: float = 2e-4,
        beta_1: float = 0.5,
        beta_2: float = 0.999,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        image_shape = tuple(int(d) for d in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError(
                f"image_shape must be (height, width, channels) with positive sizes, "
                f"got {image_shape}."
            )
        if int(d_steps) < 1:
            raise ValueError(f"d_steps must be a positive integer, got {d_steps}.")
        if not 0.0 <= float(label_smoothing) < 1.0:
            raise ValueError(
                f"label_smoothing must be in [0, 1) (0.1 gives the real target 0.9), "
                f"got {label_smoothing}."
            )
        self.image_shape = image_shape
        self.latent_dim = int(latent_dim)
        self.d_steps = int(d_steps)
        self.label_smoothing = float(label_smoothing)
        self.learning_rate = float(learning_rate)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.seed = seed
        self._noise_seed = int(seed) if seed is not None else random.randrange(2**31)
        self._noise_draws = 0
        self.trackers = {name: keras.metrics.Mean(name=name) for name in self.metric_names}
        # The networks are functional models, built when the entry creates them.
        self.built = True

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "image_shape": list(self.image_shape),
            "latent_dim": self.latent_dim,
            "d_steps": self.d_steps,
            "label_smoothing": self.label_smoothing,
            "learning_rate": self.learning_rate,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "BaseGAN":
        config = dict(config)
        config.pop("trainable", None)
        config.pop("dtype", None)
        return cls(**config)

    # ----------------------------------------------------------------- compile
    @property
    def networks(self) -> dict[str, keras.Model]:
        """The entry's trainable networks, by name (``generator``, ``discriminator``, ...)."""
        return {"generator": self.generator, "discriminator": self.discriminator}

    def default_optimizer(self) -> keras.optimizers.Optimizer:
        """Adam with the entry's configured learning rate and betas."""
        return keras.optimizers.Adam(self.learning_rate, beta_1=self.beta_1, beta_2=self.beta_2)

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer | None = None,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        **kwargs: Any,
    ) -> None:
        """Configure training: one optimizer per network (defaults: the entry's Adam).

        Call it inside ``strategy.scope()`` when training distributed. Other
        keyword arguments (``steps_per_execution``, ``run_eagerly``, ...) go to
        `keras.Model.compile`.
        """
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                f"{type(self).__name__}.compile takes g_optimizer= and d_optimizer= "
                "(one per network) and computes its own losses; remove optimizer=/loss=."
            )
        super().compile(optimizer=None, **kwargs)
        g_variables, d_variables = self.optimizer_variables()
        self.g_optimizer = self._prepare_optimizer(g_optimizer, g_variables)
        self.d_optimizer = self._prepare_optimizer(d_optimizer, d_variables)

    def optimizer_variables(self) -> tuple[list[keras.Variable], list[keras.Variable]]:
        """The variables ``g_optimizer`` and ``d_optimizer`` update. Entries with several
        networks per side override it (CycleGAN: both generators, both discriminators)."""
        return self.generator.trainable_variables, self.discriminator.trainable_variables

    def _prepare_optimizer(
        self, optimizer: keras.optimizers.Optimizer | None, variables: Sequence[keras.Variable]
    ) -> keras.optimizers.Optimizer:
        optimizer = optimizer if optimizer is not None else self.default_optimizer()
        optimizer = keras.optimizers.get(optimizer)
        if self.dtype_policy.name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer
        ):
            optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        # Built here, inside the caller's strategy scope: `fit` only builds
        # `self.optimizer`, and an unbuilt one fails under MirroredStrategy.
        optimizer.build(list(variables))
        return optimizer

    def get_compile_config(self) -> dict[str, Any] | None:
        if not getattr(self, "compiled", False):
            return None
        return {
            "g_optimizer": keras.optimizers.serialize(self.g_optimizer),
            "d_optimizer": keras.optimizers.serialize(self.d_optimizer),
        }

    def compile_from_config(self, config: Mapping[str, Any]) -> None:
        self.compile(
            g_optimizer=keras.optimizers.deserialize(config["g_optimizer"]),
            d_optimizer=keras.optimizers.deserialize(config["d_optimizer"]),
        )

    # ---------------------------------------------------------- training rules
    @staticmethod
    def num_replicas() -> int:
        """Replicas taking part in the current step (1 outside a strategy)."""
        return tf.distribute.get_strategy().num_replicas_in_sync

    def replica_loss(
        self, per_example: tf.Tensor, optimizer: keras.optimizers.Optimizer | None = None
    ) -> tf.Tensor:
        """This replica's share of the global-batch mean of ``per_example``.

        ``sum(per_example) / global_batch_size``; call it inside the tape. With
        an optimizer, the result is also scaled for mixed precision.
        """
        loss = tf.nn.compute_average_loss(losses.per_example_mean(per_example))
        return optimizer.scale_loss(loss) if optimizer is not None else loss

    def replica_share(self, batch_loss: tf.Tensor) -> tf.Tensor:
        """This replica's share of a loss already averaged over its batch
        (e.g. EBGAN's pulling-away term): ``batch_loss / num_replicas``."""
        return tf.cast(batch_loss, tf.float32) / float(self.num_replicas())

    @staticmethod
    def apply_gradients(
        tape: tf.GradientTape,
        loss: tf.Tensor,
        optimizer: keras.optimizers.Optimizer,
        variables: Iterable[tf.Variable],
    ) -> None:
        """One optimizer update of ``variables`` from ``loss`` recorded on ``tape``."""
        variables = list(variables)
        gradients = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(gradients, variables))

    def _next_seed(self) -> tf.Tensor:
        """A fresh stateless seed, distinct per step, per draw and per replica."""
        self._noise_draws += 1
        step = tf.cast(self.g_optimizer.iterations + self.d_optimizer.iterations, tf.int32)
        seed = tf.constant([self._noise_seed % (2**31), self._noise_draws], tf.int32)
        seed = tf.random.experimental.stateless_fold_in(seed, step)
        replica_id = tf.distribute.get_replica_context()
        replica_id = 0 if replica_id is None else replica_id.replica_id_in_sync_group
        return tf.random.experimental.stateless_fold_in(seed, tf.cast(replica_id, tf.int32))

    def sample_noise(self, batch_size: int | tf.Tensor) -> tf.Tensor:
        """z ~ N(0, I) of shape ``[batch_size, latent_dim]`` for a training step."""
        return tf.random.stateless_normal((batch_size, self.latent_dim), self._next_seed())

    def real_images(self, data: Any) -> tf.Tensor:
        """The images of a dataset element (``images`` or ``(images, labels)``),
        checked against ``image_shape``."""
        images = data[0] if isinstance(data, (tuple, list)) else data
        if isinstance(images, Mapping):
            images = images["image"]
        self.check_image_shape(images.shape[1:], what="dataset images")
        return tf.cast(images, self.compute_dtype)

    def check_image_shape(
        self, shape: Sequence[int | None], what: str = "images",
        expected: Sequence[int] | None = None,
    ) -> None:
        """Raise a ValueError naming the fix if ``shape`` (no batch axis) is not ``expected``
        (default ``image_shape``; image-to-image entries also check their input shape)."""
        shape = tuple(shape)
        expected = self.image_shape if expected is None else tuple(expected)
        if len(shape) != 3 or any(
            s is not None and s != e for s, e in zip(shape, expected)
        ):
            h, w, c = expected
            raise ValueError(
                f"{what} have shape {shape} but this {type(self).__name__} was built for "
                f"image_shape {expected}. Load the data with "
                f"image_size=({h}, {w}), channels={c}, or build the model for your data, "
                f"e.g. build({self.name!r}, image_shape=[H, W, C])."
            )

    def report(self, **values: tf.Tensor) -> dict[str, tf.Tensor]:
        """Update the trackers with per-example values and return every tracker's result."""
        for name, value in values.items():
            self.trackers[name].update_state(tf.cast(value, tf.float32))
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    # ------------------------------------------------------------ the algorithm
    def discriminator_logits(self, images: tf.Tensor, training: bool) -> tf.Tensor:
        """D's logits for ``images``, in float32 (also under mixed precision)."""
        return tf.cast(self.discriminator(images, training=training), tf.float32)

    def generator_objective(self, fake_logits: tf.Tensor) -> tf.Tensor:
        """Per-example generator loss on D's logits for fakes (non-saturating by default)."""
        return losses.non_saturating_generator_loss(fake_logits)

    def sample_generator_inputs(self, batch_size: int | tf.Tensor) -> Any:
        """G's inputs for a training step: z by default (CGAN: ``[z, labels]``)."""
        return self.sample_noise(batch_size)

    def discriminator_view(self, images: tf.Tensor, generator_inputs: Any) -> Any:
        """What D is shown for fakes made from ``generator_inputs``: the images by
        default (CGAN: ``[images, labels]``, the labels they were generated from)."""
        return images

    def update_discriminator(self, real: Any) -> dict[str, tf.Tensor]:
        """One gradient step on D: minimise ``-log D(x) - log(1 - D(G(z)))``.

        ``real`` is what D is shown for real data: images (CGAN: ``[images, labels]``).
        """
        inputs = self.sample_generator_inputs(tf.shape(tf.nest.flatten(real)[0])[0])
        with tf.GradientTape() as tape:
            fake = self.discriminator_view(self.generator(inputs, training=True), inputs)
            real_logits = self.discriminator_logits(real, training=True)
            fake_logits = self.discriminator_logits(fake, training=True)
            per_example = losses.minimax_discriminator_loss(
                real_logits, fake_logits, real_target=1.0 - self.label_smoothing
            )
            loss = self.replica_loss(per_example, self.d_optimizer)
        self.apply_gradients(tape, loss, self.d_optimizer, self.discriminator.trainable_variables)
        return {
            "d_loss": per_example,
            "d_real": tf.sigmoid(losses.per_example_mean(real_logits)),
            "d_fake": tf.sigmoid(losses.per_example_mean(fake_logits)),
        }

    def update_generator(self, batch_size: int | tf.Tensor) -> dict[str, tf.Tensor]:
        """One gradient step on G against the current D."""
        inputs = self.sample_generator_inputs(batch_size)
        with tf.GradientTape() as tape:
            fake = self.discriminator_view(self.generator(inputs, training=True), inputs)
            per_example = self.generator_objective(self.discriminator_logits(fake, training=True))
            loss = self.replica_loss(per_example, self.g_optimizer)
        self.apply_gradients(tape, loss, self.g_optimizer, self.generator.trainable_variables)
        return {"g_loss": per_example}

    def train_step(self, data: Any) -> dict[str, tf.Tensor]:
        """Algorithm 1 of Goodfellow et al. 2014: k steps on D, then one on G."""
        real = self.real_images(data)
        for k in range(self.d_steps):  # minibatch k: every k-th example, fresh data per D step
            d_logs = self.update_discriminator(real[k :: self.d_steps])
        g_logs = self.update_generator(tf.shape(real[:: self.d_steps])[0])
        return self.report(**d_logs, **g_logs)

    def load_dataset(self, source: str = "digits", batch_size: int = 64, split: str = "train",
                     seed: int | None = None, **kwargs: Any) -> tf.data.Dataset:
        """Training data in the form ``train_step`` expects, at the model's image size and
        channels (`keras_gan_zoo.data.load`; entries with other data override it)."""
        from keras_gan_zoo import data

        height, width, channels = self.image_shape
        return data.load(source, image_size=(height, width), channels=channels,
                         batch_size=batch_size, split=split, seed=seed, **kwargs)

    def training_callbacks(self) -> list[keras.callbacks.Callback]:
        """Callbacks the paper's training schedule needs (CycleGAN: learning-rate decay);
        `keras-gan-zoo train` adds them. None by default."""
        return []

    def example_batch(self, batch_size: int, seed: int = 0) -> Any:
        """A random batch in the form ``train_step`` expects (for tests and benchmarks)."""
        rng = np.random.default_rng(seed)
        return rng.uniform(-1.0, 1.0, (batch_size, *self.image_shape)).astype(np.float32)

    def fit(self, x: Any = None, y: Any = None, **kwargs: Any) -> keras.callbacks.History:
        """`keras.Model.fit`; under ``MultiWorkerMirroredStrategy``, where Keras 3's own
        `fit` fails (keras-team/keras#20585), the same call runs
        `keras_gan_zoo.training.distributed_fit`."""
        if needs_custom_loop(self.distribute_strategy):
            if y is not None:
                raise ValueError("GANs take no targets: pass the dataset as x only.")
            return distributed_fit(self, x, **kwargs)
        return super().fit(x, y, **kwargs)

    def call(self, z: tf.Tensor, training: bool = False) -> tf.Tensor:
        """G(z) in the generator's range [-1, 1]; `generate` gives [0, 1]."""
        return self.generator(z, training=training)

    # --------------------------------------------------------------- inference
    def generate_images(self, z: tf.Tensor) -> tf.Tensor:
        """Graph-friendly sampling: images in [0, 1] for noise ``z`` (used by `export`)."""
        return to_unit_range(self.generator(z, training=False))

    def noise(
        self, num_samples: int | None = None, z: Any = None, seed: int | None = None
    ) -> np.ndarray:
        """Validated z: the given ``z``, or ``num_samples`` draws from N(0, I) seeded by ``seed``."""
        if z is None:
            if num_samples is None:
                raise ValueError("Pass num_samples=... or z=... to generate images.")
            if int(num_samples) < 1:
                raise ValueError(f"num_samples must be positive, got {num_samples}.")
            rng = np.random.default_rng(seed)
            return rng.standard_normal((int(num_samples), self.latent_dim)).astype(np.float32)
        z = np.asarray(z, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"z must have shape [num_samples, {self.latent_dim}] (latent_dim), got {z.shape}."
            )
        if num_samples is not None and int(num_samples) != z.shape[0]:
            raise ValueError(f"num_samples={num_samples} but z has {z.shape[0]} rows.")
        return z

    def generate(
        self, num_samples: int | None = None, z: Any = None, seed: int | None = None
    ) -> np.ndarray:
        """Images in [0, 1], shape ``[N, H, W, C]``; the same ``seed`` gives the same images."""
        return self.generate_images(tf.constant(self.noise(num_samples, z, seed))).numpy()

    def sample_grid(self, num_samples: int = 64, seed: int = 0) -> tuple[np.ndarray, int]:
        """Images for a picture of the model and its number of rows (fixed noise by ``seed``)."""
        images = self.generate(num_samples=num_samples, seed=seed)
        return images, int(np.ceil(np.sqrt(num_samples)))

    # ------------------------------------------------------------------ export
    def serving_endpoints(self) -> dict[str, Endpoint]:
        """Signatures for `export`: name -> (function, input specs). The specs'
        names become the signature's input keys; functions return dicts whose
        keys become its output keys."""
        return {
            "serving_default": (
                lambda z: {"images": self.generate_images(z)},
                [tf.TensorSpec([None, self.latent_dim], tf.float32, name="z")],
            )
        }

    def export(self, filepath: str, format: str = "tf_saved_model", verbose: bool = True, **kwargs: Any) -> None:
        """Write a TensorFlow SavedModel with the entry's serving signatures.

        Works on a model that was trained, loaded from ``.keras`` or never
        trained. For TF Serving use ``<base>/<model_name>/<version>`` as path.
        """
        if format != "tf_saved_model":
            raise ValueError(f"Only format='tf_saved_model' is supported, got {format!r}.")
        archive = keras.export.ExportArchive()
        archive.track(self)
        for name, (function, input_signature) in self.serving_endpoints().items():
            archive.add_endpoint(name, function, input_signature=input_signature)
        archive.write_out(str(filepath), verbose=verbose)
