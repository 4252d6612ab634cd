"""Two-domain data: unpaired batches ``(images_a, images_b)``, for CoupledGAN and CycleGAN.

The offline default follows the MNIST experiments of Liu & Tuzel 2016
(sec. 5): domain a is digits, domain b a transformed copy of digits (edge
images, or negative images), made from a *disjoint* half of the data so that
no digit image appears in both domains and nothing tells the model which
images correspond. Spelled as a source for `keras_gan_zoo.data.load`:

* ``"digits+edges"``, ``"digits+negative"``: one source, split into two
  halves (even / odd positions), domain b the transform of the second half;
* ``"A|B"``: two sources (any the data module supports), e.g.
  ``"./photos|./paintings"``; ``"A|B+negative"`` also transforms domain b.

`split_domains` makes the two domains, `pair_domains` the batches; CoupledGAN's
`~keras_gan_zoo.data.load_two_domains` and CycleGAN's
`~keras_gan_zoo.data.unpaired.load_unpaired` differ only in their options.
"""

from __future__ import annotations

from typing import Callable

from keras_gan_zoo.data.pipeline import Examples, batch
from keras_gan_zoo.data.transforms import DOMAIN_TRANSFORMS, Augmentation, jittered
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)


def parse_two_domains(source: str) -> tuple[str, str | None, str | None] | None:
    """``(source_a, source_b, transform_b)`` for a two-domain spelling
    (``"digits+edges"``, ``"A|B"``, ``"A|B+negative"``), else ``None``."""
    parts = source.split("|")
    if len(parts) > 2:
        return None
    transform = None
    head, plus, tail = parts[-1].rpartition("+")
    if plus and tail in DOMAIN_TRANSFORMS:
        parts[-1], transform = head, tail
    if len(parts) == 1 and transform is None:
        return None
    if not all(parts):
        raise ValueError(f"Malformed two-domain source {source!r}: empty source name.")
    return parts[0], parts[1] if len(parts) == 2 else None, transform


def split_domains(domain_a: Examples, domain_b: Examples | None = None,
                  transform_b: Callable[[tf.Tensor], tf.Tensor] | None = None
                  ) -> tuple[Examples, Examples]:
    """The two domains: ``domain_a`` and ``domain_b``, or, without ``domain_b``, the
    disjoint halves of ``domain_a`` (even / odd positions); ``transform_b`` applied to b."""
    if domain_b is None:
        domain_a, domain_b = domain_a.shard(2, 0), domain_a.shard(2, 1)
    return domain_a, domain_b if transform_b is None else domain_b.map(transform_b)


def pair_domains(
    domain_a: Examples,
    domain_b: Examples,
    batch_size: int,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = False,
    *,
    until: str = "shorter",
    augment: Augmentation | None = None,
    size: tuple[int, int] | None = None,
    same_shuffle_seed: bool = False,
) -> tf.data.Dataset:
    """Unpaired batches ``(images_a, images_b)``: each domain shuffled on its own (domain a
    with ``seed``, b with ``seed + 1``), batched, and the batches zipped.

    Args:
        domain_a, domain_b: the domains' examples (images in [-1, 1], no labels).
        batch_size, shuffle, seed, drop_remainder: as for `keras_gan_zoo.data.load`.
        until: ``"shorter"``: the dataset ends with the shorter domain (CoupledGAN);
            ``"longer"``: an epoch has as many pairs as the longer domain, the shorter
            one repeated and reshuffled each pass, as CycleGAN's authors' code does.
        augment, size: random jitter to ``size`` (`transforms.jittered`), drawn with
            each domain's seed; ``None``: none (CycleGAN jitters photos).
        same_shuffle_seed: shuffle domain b with ``seed`` too (`load_unpaired`'s
            order); the jitter still draws with ``seed + 1``.
    """
    if until not in ("shorter", "longer"):
        raise ValueError(f"until must be 'shorter' or 'longer', got {until!r}.")
    domains = domain_a, domain_b
    longest = max(domain.count() for domain in domains) if until == "longer" else None
    batches = []
    for index, domain in enumerate(domains):
        domain_seed = None if seed is None else seed + index
        images = domain.dataset(shuffle, seed if same_shuffle_seed else domain_seed)
        images = jittered(images, augment, size, domain_seed)
        if longest is not None:
            images = images.repeat().take(longest)
        batches.append(batch(images, batch_size, drop_remainder))
    return tf.data.Dataset.zip(tuple(batches))
