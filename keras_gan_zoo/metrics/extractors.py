"""Feature extractors, chosen by name: images in [0, 1] -> ``(features, logits)``.

* ``"inception_v3"``: Keras' InceptionV3 with ImageNet weights; features are
  the 2048-d pool-3 (global average pool) activations, logits the 1000 ImageNet
  logits; images are resized to 299x299 (bilinear) and mapped to [-1, 1].
  For FID, KID and the Inception Score on RGB data.
* ``"digits"``: the zoo's small digits classifier (`digits_classifier`),
  shipped with the package; images are converted to grayscale, resized to
  28x28 and mapped to [-1, 1]. Features are its 128-d penultimate layer (the
  counterpart of Inception's pool-3, on which FID is defined and for which
  KID's kernel is scaled), logits its 10 class logits (classifier score).
  ``features="logits"`` computes FID/KID/P&R on the logits instead, which is
  TF-GAN's MNIST Fréchet classifier distance (its TF-Hub classifier exposes
  only logits). For the ``digits`` data and MNIST-like images.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import keras
import numpy as np

__all__ = [
    "DigitsExtractor",
    "EXTRACTORS",
    "FeatureExtractor",
    "InceptionV3Extractor",
    "INCEPTION_WEIGHTS_FILE",
    "INCEPTION_WEIGHTS_URL",
    "get_extractor",
    "inception_weights_path",
]

INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
INCEPTION_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                         "inception_v3/" + INCEPTION_WEIGHTS_FILE)
_INCEPTION_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"


class FeatureExtractor:
    """Base class: a Keras model with two outputs ``[features, logits]`` behind a
    preprocessing of images in [0, 1] (any size; channels 1 or 3).

    Calling the extractor on ``[N, H, W, C]`` images returns float32 NumPy
    ``(features [N, feature_dim], logits [N, num_classes])``, running at most
    ``max_batch`` images at a time. The preprocessing and the network are `keras.ops`,
    compiled for the active backend (`compiled_function`).
    """

    name = "extractor"

    def __init__(self, model: Any, feature_output: int = 0, max_batch: int = 500) -> None:
        self.model = model
        self.feature_output = int(feature_output)
        self.max_batch = int(max_batch)
        self.feature_dim = int(model.outputs[self.feature_output].shape[-1])
        self.num_classes = int(model.outputs[-1].shape[-1])
        self._runs: dict[tuple[int, ...], Callable[[np.ndarray], Any]] = {}

    def preprocess(self, images: Any) -> Any:
        """Images in [0, 1] -> the model's input (`keras.ops`)."""
        raise NotImplementedError

    def _forward(self, images: Any) -> tuple[Any, Any]:
        outputs = self.model(self.preprocess(images), training=False)
        return outputs[self.feature_output], outputs[-1]

    def __call__(self, images: Any) -> tuple[np.ndarray, np.ndarray]:
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise ValueError(
                f"{self.name} extractor expects images [N, H, W, C] with C = 1 or 3, in [0, 1]; "
                f"got shape {images.shape}."
            )
        shape = tuple(int(v) for v in images.shape[1:])
        if shape not in self._runs:  # one compiled function per image shape
            self._runs[shape] = compiled_function(self.model, self._forward, shape)
        features, logits = [], []
        for start in range(0, len(images), self.max_batch):
            f, l = self._runs[shape](images[start:start + self.max_batch])
            features.append(keras.ops.convert_to_numpy(f))
            logits.append(keras.ops.convert_to_numpy(l))
        if not features:
            return (np.zeros((0, self.feature_dim), np.float32),
                    np.zeros((0, self.num_classes), np.float32))
        return np.concatenate(features), np.concatenate(logits)

    def describe(self) -> dict[str, Any]:
        """What a result was computed with (written into evaluation JSON)."""
        return {"extractor": self.name, "feature_dim": self.feature_dim,
                "num_classes": self.num_classes}


def compiled_function(model: keras.Model, forward: Callable[[Any], Any],
                      shape: tuple[int, ...]) -> Callable[[np.ndarray], Any]:
    """``forward(images)`` (keras ops calling ``model``) compiled for the active backend,
    for float32 images ``[batch, *shape]`` of any batch size.

    TensorFlow: a `tf.function` with a ``[None, *shape]`` signature (one graph). JAX: a
    `jax.jit` of ``forward`` over ``model``'s variables as arguments (`keras.StatelessScope`),
    so its weights are not baked into the program as constants; one compilation per batch
    size (the extractor's batches are ``max_batch`` images and one remainder). Other
    backends run eagerly.
    """
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        graph = tf.function(forward, input_signature=[tf.TensorSpec((None, *shape), tf.float32)])
        return lambda images: graph(tf.constant(images))
    if backend == "jax":
        import jax

        variables = list(model.variables)

        @jax.jit
        def pure(values: list[Any], images: Any) -> Any:
            with keras.StatelessScope(state_mapping=list(zip(variables, values))):
                return forward(images)

        return lambda images: pure([v.value for v in variables], images)
    return lambda images: forward(keras.ops.convert_to_tensor(images))


def _resize(images: Any, size: int) -> Any:
    """Bilinear, antialiased (`tf.image.resize`'s kernel on TensorFlow)."""
    if images.shape[1] == size and images.shape[2] == size:
        return images
    return keras.ops.image.resize(images, (size, size), interpolation="bilinear",
                                  antialias=True, data_format="channels_last")


class DigitsExtractor(FeatureExtractor):
    """The shipped digits classifier (`keras_gan_zoo.metrics.digits_classifier`).

    Args:
        features: ``"penultimate"`` (default, the 128-d hidden layer) or
            ``"logits"`` (TF-GAN's MNIST Fréchet classifier distance uses the
            classifier's logits; the cubic KID kernel is ill-suited to their
            large norms: KID of real vs real images is ±1000s there).
        weights: a weights file of `build_digits_classifier`; default the shipped one.
    """

    name = "digits"

    def __init__(self, features: str = "penultimate", weights: str | os.PathLike | None = None,
                 max_batch: int = 1000) -> None:
        from keras_gan_zoo.metrics import digits_classifier

        if features not in ("logits", "penultimate"):
            raise ValueError(f"features must be 'logits' or 'penultimate', got {features!r}.")
        self.features = features
        self.weights = Path(weights) if weights is not None else digits_classifier.weights_path()
        model = digits_classifier.load_digits_classifier(self.weights)
        super().__init__(model, feature_output=1 if features == "logits" else 0,
                         max_batch=max_batch)
        self.image_size = digits_classifier.IMAGE_SIZE

    def preprocess(self, images: Any) -> Any:
        gray = keras.ops.mean(images, axis=-1, keepdims=True)
        return _resize(gray, self.image_size) * 2.0 - 1.0

    def describe(self) -> dict[str, Any]:
        from keras_gan_zoo.metrics import digits_classifier

        info = {**super().describe(), "features": self.features, "weights": str(self.weights)}
        if self.weights == digits_classifier.weights_path():
            record = digits_classifier.classifier_info()
            info["classifier_accuracy"] = record["accuracy"]
            info["classifier_accuracy_split"] = record["accuracy_split"]
        return info


def inception_weights_path(weights: str | os.PathLike | None = None,
                           cache_dir: str | os.PathLike | None = None,
                           allow_download: bool = True) -> Path:
    """The InceptionV3 ImageNet weights file (with top), found without surprises.

    ``weights``: a path to the ``.h5`` file (must exist). Otherwise the file
    Keras caches, ``<cache_dir>/models/inception_v3_weights_tf_dim_ordering_tf_kernels.h5``
    (``cache_dir`` defaults to ``$KERAS_HOME`` or ``~/.keras``); if it is not
    there and ``allow_download``, Keras downloads it. With no file and no
    network, a `FileNotFoundError` says where to put it.
    """
    if weights is not None:
        path = Path(weights).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"InceptionV3 weights file {str(path)!r} does not exist. Pass the path of "
                f"{INCEPTION_WEIGHTS_FILE} (download it from {INCEPTION_WEIGHTS_URL})."
            )
        return path
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"), ".keras"))
    cached = Path(cache_dir).expanduser() / "models" / INCEPTION_WEIGHTS_FILE
    if cached.is_file():
        return cached
    reason = "downloading is disabled"
    if allow_download:
        try:
            return Path(keras.utils.get_file(
                INCEPTION_WEIGHTS_FILE, INCEPTION_WEIGHTS_URL, cache_subdir="models",
                cache_dir=str(Path(cache_dir).expanduser()), file_hash=_INCEPTION_MD5))
        except Exception as error:  # no network, proxy, disk: all end the same way
            reason = f"the download failed ({type(error).__name__}: {error})"
    raise FileNotFoundError(
        f"InceptionV3 ImageNet weights not found and {reason}. Put the file "
        f"{INCEPTION_WEIGHTS_FILE} (from {INCEPTION_WEIGHTS_URL}, 92 MB) at {cached} "
        "(Keras' cache; KERAS_HOME moves it), or pass its path: "
        "get_extractor('inception_v3', weights=PATH) / --inception-weights PATH."
    )


class InceptionV3Extractor(FeatureExtractor):
    """Keras' InceptionV3: 2048-d pool-3 features and 1000 ImageNet logits at 299x299.

    Note: these are Keras' ImageNet weights, not the 2015-12-05 TensorFlow graph
    that TF-GAN, the original FID code and pytorch-fid use, and the resizing
    differs; FIDs computed here are close to, but not interchangeable with,
    published FIDs. Compare numbers computed with the same extractor.

    Args:
        weights: ``"imagenet"`` (Keras' cache, downloaded if allowed), a path to
            the ``.h5`` file, or ``None`` for random weights (tests only).
        cache_dir, allow_download: see `inception_weights_path`.
    """

    name = "inception_v3"
    image_size = 299

    def __init__(self, weights: str | os.PathLike | None = "imagenet",
                 cache_dir: str | os.PathLike | None = None, allow_download: bool = True,
                 max_batch: int = 50) -> None:
        if weights is None:
            path = None
        else:
            path = inception_weights_path(None if weights == "imagenet" else weights,
                                          cache_dir, allow_download)
        self.weights = path
        try:
            base = keras.applications.InceptionV3(
                include_top=True, weights=None if path is None else str(path),
                classifier_activation=None)
        except (OSError, ValueError, KeyError) as error:  # h5py: "file signature not found"
            detail = " ".join(str(error).split())[:160]
            raise ValueError(
                f"InceptionV3 weights file {str(path)!r} is not readable as "
                f"{INCEPTION_WEIGHTS_FILE} (truncated, corrupt or another network's; "
                f"{type(error).__name__}: {detail}). Download it again from "
                f"{INCEPTION_WEIGHTS_URL}.") from None
        model = keras.Model(base.input, [base.get_layer("avg_pool").output, base.output],
                            name="inception_v3_features")
        super().__init__(model, feature_output=0, max_batch=max_batch)

    def preprocess(self, images: Any) -> Any:
        if images.shape[-1] == 1:
            images = keras.ops.tile(images, [1, 1, 1, 3])
        return _resize(images, self.image_size) * 2.0 - 1.0

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "weights": str(self.weights) if self.weights else "random"}


#: Extractor names accepted by `get_extractor` (and ``--extractor``).
EXTRACTORS = {"digits": DigitsExtractor, "inception_v3": InceptionV3Extractor}


def get_extractor(name: str | FeatureExtractor = "digits", **kwargs: Any) -> FeatureExtractor:
    """An extractor by name (``"digits"``, ``"inception_v3"``); an instance is returned as is."""
    if isinstance(name, FeatureExtractor):
        return name
    key = str(name).lower().replace("-", "_")
    key = {"inception": "inception_v3", "inceptionv3": "inception_v3"}.get(key, key)
    if key not in EXTRACTORS:
        raise ValueError(f"Unknown extractor {name!r}; choose one of {', '.join(EXTRACTORS)}.")
    return EXTRACTORS[key](**kwargs)
