"""Transforms of the discriminator's inputs, real and fake alike, against a D that wins.

* **Instance noise** (Sønderby et al. 2016, "Amortised MAP Inference for Image
  Super-resolution", sec. 4 and app. C; Arjovsky & Bottou 2017, "Towards
  Principled Methods for Training GANs", sec. 3): Gaussian noise on every
  image D sees, so that the real and fake distributions overlap; its standard
  deviation decays linearly to 0 (`instance_noise_stddev`), by default over the run.
* **DiffAugment** (Zhao, Liu, Lin, Zhu & Han 2020, "Differentiable Augmentation
  for Data-Efficient GAN Training", NeurIPS): random ``color`` (brightness,
  saturation, contrast), ``translation`` (1/8 of the image, zero padding) and
  ``cutout`` (a square of half the image size), applied to real and fake images
  in D's *and* G's steps. Every op is differentiable, so G learns through them;
  D never sees an un-augmented image, so G is not pushed to make augmented ones.
  The chosen policies are applied in the authors' order ``color,translation,cutout``
  whatever order they are named in (colour after cutout would shift the zeroed
  square). Ranges as in the authors' code, for images in [-1, 1]; the shift and
  cutout sizes round as their PyTorch code does (``int(size * ratio + 0.5)``:
  up to 4 pixels on 28x28 images, where their TensorFlow code's ``size // 8`` gives 3).

Pure `keras.ops` functions of the images and of per-example uniform draws
``[batch, k]`` in [0, 1) (`num_draws` columns), so they are deterministic given
the draws; the model draws them per replica and step
(`NoiseToImageGAN.sample_uniform`, `NoiseToImageGAN.sample_normal`).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from keras import ops

__all__ = ["POLICIES", "parse_policies", "num_draws", "color", "translation", "cutout",
           "diff_augment", "instance_noise_stddev"]


def _per_example(values: Any, like: Any) -> Any:
    """``[batch]`` -> ``[batch, 1, 1, 1]`` in ``like``'s dtype."""
    return ops.reshape(ops.cast(values, like.dtype), (-1, 1, 1, 1))


def color(images: Any, draws: Any) -> Any:
    """Random brightness (``+ U(-0.5, 0.5)``), saturation (``x U(0, 2)`` around the
    channel mean) and contrast (``x U(0.5, 1.5)`` around the image mean); 3 draws."""
    images = images + _per_example(draws[:, 0] - 0.5, images)
    mean = ops.mean(images, axis=3, keepdims=True)
    images = (images - mean) * _per_example(draws[:, 1] * 2.0, images) + mean
    mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
    return (images - mean) * _per_example(draws[:, 2] + 0.5, images) + mean


def _offsets(draws: Any, count: int) -> Any:
    """Uniform draws in [0, 1) -> integers in ``[0, count)``."""
    return ops.minimum(ops.cast(ops.floor(draws * count), "int32"), count - 1)


def translation(images: Any, draws: Any, ratio: float = 0.125) -> Any:
    """Shift each image by up to ``s = int(size * ratio + 0.5)`` pixels of its height
    and width (uniform in ``[-s, s]``; the rounding of the authors' PyTorch
    ``rand_translation``, their TensorFlow one shifts by up to ``size // 8``), filling
    with zeros; 2 draws. Written as two one-hot
    matrix products, so the gradient reaches every input pixel that stays in view."""
    height, width = int(images.shape[1]), int(images.shape[2])

    def shift_matrix(size: int, column: Any) -> Any:
        limit = int(size * ratio + 0.5)
        shift = _offsets(column, 2 * limit + 1) - limit
        # Row i picks input row i + shift; out-of-range rows of one_hot are all zeros.
        source = ops.expand_dims(ops.arange(size, dtype="int32"), 0) + ops.expand_dims(shift, 1)
        return ops.one_hot(source, size, dtype=images.dtype)

    images = ops.einsum("bih,bhwc->biwc", shift_matrix(height, draws[:, 0]), images)
    return ops.einsum("bjw,biwc->bijc", shift_matrix(width, draws[:, 1]), images)


def cutout(images: Any, draws: Any, ratio: float = 0.5) -> Any:
    """Zero a ``ratio``-sized rectangle at a random centre of each image (it may
    cross the border); 2 draws."""

    def inside(size: int, column: Any) -> Any:
        cut = int(size * ratio + 0.5)
        start = _offsets(column, size + 1 - cut % 2) - cut // 2
        rows = ops.expand_dims(ops.arange(size, dtype="int32"), 0)
        start = ops.expand_dims(start, 1)
        return ops.cast((rows >= start) & (rows < start + cut), images.dtype)

    rows = inside(int(images.shape[1]), draws[:, 0])
    columns = inside(int(images.shape[2]), draws[:, 1])
    mask = 1.0 - ops.expand_dims(rows, 2) * ops.expand_dims(columns, 1)
    return images * ops.expand_dims(mask, 3)


_POLICIES: dict[str, tuple[Callable[[Any, Any], Any], int]] = {
    "color": (color, 3),
    "translation": (translation, 2),
    "cutout": (cutout, 2),
}
#: The DiffAugment policies in the order they are applied (the authors'
#: ``color,translation,cutout``).
POLICIES = tuple(_POLICIES)


def parse_policies(policies: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"color,translation,cutout"`` (or a list of names, or ``None``/``""`` for
    none) -> the policy names as given, or a ValueError naming the valid ones."""
    if policies is None:
        return ()
    names = policies.split(",") if isinstance(policies, str) else list(policies)
    names = tuple(str(name).strip() for name in names if str(name).strip())
    unknown = [name for name in names if name not in _POLICIES]
    if unknown or len(set(names)) != len(names):
        raise ValueError(
            f"diff_augment must name each of {', '.join(POLICIES)} at most once, comma-separated "
            f"(e.g. 'color,translation,cutout'; null for none), got {policies!r}."
        )
    return names


def num_draws(policies: str | Sequence[str] | None) -> int:
    """How many uniform draws per example `diff_augment` takes for ``policies``."""
    return sum(_POLICIES[name][1] for name in parse_policies(policies))


def diff_augment(images: Any, policies: str | Sequence[str] | None, draws: Any) -> Any:
    """DiffAugment: ``policies`` applied to ``images`` ``[batch, H, W, C]`` in [-1, 1] in
    the authors' order (`POLICIES`: color, translation, cutout) whatever order they are
    named in, with the per-example uniform ``draws`` ``[batch, num_draws(policies)]``
    taken in that order. No policy: the images unchanged."""
    start = 0
    chosen = parse_policies(policies)
    for name in (name for name in POLICIES if name in chosen):
        function, count = _POLICIES[name]
        images = function(images, draws[:, start:start + count])
        start += count
    return images


def instance_noise_stddev(initial: float, steps: Any, step: Any) -> Any:
    """The instance noise's standard deviation at training ``step``:
    ``initial * max(0, 1 - step / steps)``, a linear decay reaching 0 at ``steps``
    (Sønderby et al. 2016 anneal it to 0); constant ``initial`` when ``steps`` is
    ``None`` or 0 (a tensor: while it is 0, e.g. a run of unknown length)."""
    if steps is None or (isinstance(steps, (int, float)) and not steps):
        return ops.convert_to_tensor(float(initial), "float32")
    steps = ops.cast(steps, "float32")
    progress = ops.cast(step, "float32") / ops.maximum(steps, 1.0)
    decayed = float(initial) * ops.maximum(0.0, 1.0 - progress)
    return ops.where(steps > 0, decayed, float(initial))
