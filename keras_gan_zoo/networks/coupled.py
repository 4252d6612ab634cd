"""Weight sharing between networks: the coupled pairs of CoupledGAN
(Liu & Tuzel 2016, sec. 3 and fig. 1).

A coupled pair is built from one list of block functions (`BlockFn`, e.g.
`dcgan_generator_blocks`). CoupledGAN shares

* the **first** blocks of the two generators (they decode the high-level
  semantics from z), the last ``private_blocks`` being domain-specific;
* the **last** blocks of the two discriminators (they extract high-level
  features and decide), the first ``private_blocks`` being domain-specific.

The shared block functions are called once and their layers applied in both
networks (the same variables); the private ones are called once per domain
``d``, the layers they name getting the suffix ``_<d>``.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

from keras_gan_zoo.networks.layers import BlockFn, apply_layers, stack_blocks


def _split(
    blocks: Sequence[BlockFn], private_blocks: int, name: str, shared_end: str
) -> tuple[Sequence[BlockFn], Sequence[BlockFn]]:
    """``(shared, private)`` block functions, sharing the ``shared_end`` ("first"/"last") blocks."""
    if not 1 <= private_blocks < len(blocks):
        raise ValueError(
            f"private_blocks must be between 1 and {len(blocks) - 1} for {name} "
            f"({len(blocks)} blocks: at least one shared and one domain-specific), "
            f"got {private_blocks}."
        )
    if shared_end == "first":
        return blocks[:-private_blocks], blocks[-private_blocks:]
    return blocks[private_blocks:], blocks[:private_blocks]


def coupled_generators(
    blocks: Sequence[BlockFn],
    latent_dim: int,
    private_blocks: int = 1,
    domains: Sequence[str] = ("a", "b"),
    name: str = "generator",
) -> tuple[keras.Model, list[keras.Model]]:
    """Generators sharing their first blocks; the last ``private_blocks`` are per domain.

    Returns ``(joint, per_domain)``: ``joint`` maps z to every domain's images
    concatenated on the channel axis (the shared blocks run once),
    ``per_domain[i]`` (``<name>_<domain>``) maps z to domain ``i``'s images.
    """
    shared, private = _split(blocks, private_blocks, name, shared_end="first")
    z = keras.Input((latent_dim,), name="z")
    hidden = apply_layers(stack_blocks(shared), z)
    outputs = [apply_layers(stack_blocks(private, f"_{d}"), hidden) for d in domains]
    per_domain = [keras.Model(z, out, name=f"{name}_{d}") for d, out in zip(domains, outputs)]
    joint = keras.Model(z, layers.Concatenate(name="images")(outputs), name=f"{name}s")
    return joint, per_domain


def coupled_discriminators(
    blocks: Sequence[BlockFn],
    image_shape: Sequence[int],
    private_blocks: int = 1,
    domains: Sequence[str] = ("a", "b"),
    name: str = "discriminator",
) -> tuple[keras.Model, list[keras.Model]]:
    """Discriminators sharing their last blocks; the first ``private_blocks`` are per domain.

    Returns ``(joint, per_domain)``: ``joint`` takes every domain's images
    concatenated on the channel axis (as the joint generator makes them) and
    returns one output column per domain; ``per_domain[i]``
    (``<name>_<domain>``) takes domain ``i``'s images.
    """
    shared, private = _split(blocks, private_blocks, name, shared_end="last")
    shared_layers = stack_blocks(shared)
    shape = tuple(image_shape)
    per_domain = []
    for d in domains:
        images = keras.Input(shape, name=f"images_{d}")
        output = apply_layers(shared_layers, apply_layers(stack_blocks(private, f"_{d}"), images))
        per_domain.append(keras.Model(images, output, name=f"{name}_{d}"))
    channels = shape[-1]
    stacked = keras.Input((*shape[:-1], channels * len(domains)), name="images")
    columns = [
        network(stacked[..., i * channels : (i + 1) * channels])
        for i, network in enumerate(per_domain)
    ]
    joint = keras.Model(stacked, layers.Concatenate(name="domain_logits")(columns),
                        name=f"{name}s")
    return joint, per_domain


def chain_blocks(network: keras.Model) -> list[list[layers.Layer]]:
    """The layers of a network built from DCGAN-style blocks (a chain), grouped
    back into blocks: each block starts at a weight layer (one with a ``kernel``)."""
    blocks: list[list[layers.Layer]] = []
    for layer in network.layers:
        if isinstance(layer, layers.InputLayer):
            continue
        if hasattr(layer, "kernel") or not blocks:
            blocks.append([])
        blocks[-1].append(layer)
    return blocks
