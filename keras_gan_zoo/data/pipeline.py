"""The input pipeline every source shares: examples in, shuffled batches out.

A source gives its examples unbatched and in order, as `Examples`;
`Examples.dataset` is the one place that shuffles, `batch` the one place that
batches and prefetches. Sources shuffle their cheap *items* (file names, rows
of in-memory arrays), not decoded images, so the shuffle buffer holds names.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable
from keras_gan_zoo.tensorflow_import import DATA_PIPELINES, lazy_tensorflow

tf = lazy_tensorflow(DATA_PIPELINES)


#: The shuffle buffer of sources that cannot list all their items cheaply (TFDS).
SHUFFLE_BUFFER = 10_000


@dataclasses.dataclass(frozen=True)
class Examples:
    """A source's examples, unbatched and in a fixed order.

    Attributes:
        items: the source's cheap items (file names, array rows, TFDS records).
        decode: item -> example (``None``: the items are the examples); an
            example is a float32 image in [-1, 1] ``[H, W, C]``, a pair of
            images, or ``(image, label)`` with an int32 label if ``labelled``.
        shuffle_buffer: how many items to shuffle among: all of them for
            sources that list them (a full shuffle), `SHUFFLE_BUFFER` for TFDS;
            0 leaves the order to the source (TFDS's file shuffling).
        labelled: whether the examples are ``(image, label)``.
    """

    items: tf.data.Dataset
    decode: Callable[..., Any] | None = None
    shuffle_buffer: int = SHUFFLE_BUFFER
    labelled: bool = False

    def map(self, fn: Callable[..., Any]) -> Examples:
        """These examples with ``fn`` applied to each (in the same parallel map as ``decode``)."""
        decode = self.decode
        if decode is None:
            return dataclasses.replace(self, decode=fn)

        def decode_then_fn(*item):
            example = decode(*item)
            return fn(*example) if isinstance(example, tuple) else fn(example)

        return dataclasses.replace(self, decode=decode_then_fn)

    def shard(self, num_shards: int, index: int) -> Examples:
        """Every ``num_shards``-th example, from position ``index`` on."""
        return dataclasses.replace(self, items=self.items.shard(num_shards, index))

    def select_labels(self, with_labels: bool | None, source: str) -> Examples:
        """Keep (``None``), drop (``False``) or demand (``True``) the labels; ``source`` names
        the source in the error."""
        if with_labels and not self.labelled:
            raise ValueError(
                f"Source {source!r} has no labels, but this use needs (image, label) pairs. "
                "Use a labelled source: 'digits', a TFDS dataset with a 'label' feature, or a "
                "folder with one sub-folder per class."
            )
        if self.labelled and with_labels is False:
            return dataclasses.replace(self.map(lambda image, label: image), labelled=False)
        return self

    def count(self) -> int:
        """The number of examples (counted once if the source does not know it)."""
        count = int(self.items.cardinality())
        return count if count >= 0 else int(self.items.reduce(0, lambda n, _: n + 1))

    def dataset(self, shuffle: bool = False, seed: int | None = None) -> tf.data.Dataset:
        """The examples as a `tf.data.Dataset`, reshuffled each pass if ``shuffle``
        (reproducibly for an int ``seed``)."""
        items = self.items
        if shuffle and self.shuffle_buffer:
            items = items.shuffle(self.shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        if self.decode is None:
            return items
        return items.map(self.decode, num_parallel_calls=tf.data.AUTOTUNE)


def batch(dataset: tf.data.Dataset, batch_size: int, drop_remainder: bool = False
          ) -> tf.data.Dataset:
    """Batches of ``batch_size`` (a last partial one unless ``drop_remainder``), prefetched."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}.")
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)
