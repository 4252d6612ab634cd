"""Weight sharing between networks: the coupled pairs of CoupledGAN, and the
layer-chain helpers other builders reuse.

Any builder of this package that returns a plain chain of layers (one input,
one output, each layer feeding the next: `dcgan_generator`,
`dcgan_discriminator`, `mlp_generator`, ...) can be coupled. The chain is cut
into *blocks*, one per weight layer (``Dense``/``Conv``) together with the
batch norm, activation and reshape layers that follow it.

CoupledGAN (Liu & Tuzel 2016, sec. 3 and fig. 1) shares

* the **first** blocks of the two generators (they decode the high-level
  semantics from z), the last ``private_blocks`` being domain-specific;
* the **last** blocks of the two discriminators (they extract high-level
  features and decide), the first ``private_blocks`` being domain-specific.

Shared blocks are the same layer objects in both networks, hence the same
variables; a private block of domain ``s`` is a fresh copy of the template's
layers named ``<name>_<s>``.
"""

from __future__ import annotations

from typing import Sequence

import keras
from keras import layers

__all__ = [
    "apply_layers",
    "block_layers",
    "chain_blocks",
    "chain_layers",
    "clone_layer",
    "coupled_discriminators",
    "coupled_generators",
]


def chain_layers(network: keras.Model) -> list[layers.Layer]:
    """The layers of a chain-shaped functional model, input layer excluded.

    Raises a ValueError if the model branches (several inputs or outputs, or a
    layer that does not take the previous layer's output).
    """
    if len(network.inputs) != 1 or len(network.outputs) != 1:
        raise ValueError(
            f"{network.name} has {len(network.inputs)} inputs and {len(network.outputs)} "
            "outputs; only a chain of layers (one input, one output) can be cut into blocks."
        )
    chain = [layer for layer in network.layers if not isinstance(layer, layers.InputLayer)]
    previous = network.inputs[0]
    for layer in chain:
        # A shared layer has one node per call: find the call inside this network.
        calls = [node for node in layer._inbound_nodes
                 if len(node.input_tensors) == 1 and node.input_tensors[0] is previous]
        if len(calls) != 1 or len(calls[0].output_tensors) != 1:
            raise ValueError(
                f"{network.name} is not a chain of layers: {layer.name} does not take the "
                "output of the layer before it."
            )
        previous = calls[0].output_tensors[0]
    if previous is not network.outputs[0]:
        raise ValueError(
            f"{network.name} is not a chain of layers: its output is not the last layer's."
        )
    return chain


def chain_blocks(network: keras.Model) -> list[list[layers.Layer]]:
    """The chain's layers grouped into blocks, each starting at a weight layer
    (one with a ``kernel``) and holding the norm/activation/reshape layers after it."""
    blocks: list[list[layers.Layer]] = []
    for layer in chain_layers(network):
        if hasattr(layer, "kernel") or not blocks:
            blocks.append([])
        blocks[-1].append(layer)
    return blocks


def block_layers(blocks: Sequence[Sequence[layers.Layer]]) -> list[layers.Layer]:
    """The layers of ``blocks``, in order."""
    return [layer for block in blocks for layer in block]


def apply_layers(layer_list: Sequence[layers.Layer], x):
    """``x`` through each layer of ``layer_list`` in turn."""
    for layer in layer_list:
        x = layer(x)
    return x


def clone_layer(layer: layers.Layer, suffix: str) -> layers.Layer:
    """A fresh, unbuilt layer with ``layer``'s configuration, named ``<name>_<suffix>``
    (new weights, drawn from the same initialisers)."""
    return layer.__class__.from_config({**layer.get_config(), "name": f"{layer.name}_{suffix}"})


def _split(network: keras.Model, private_blocks: int, share: str) -> tuple[list, list]:
    """``(shared_layers, private_template_layers)`` for sharing the ``share`` end."""
    blocks = chain_blocks(network)
    if not 1 <= private_blocks < len(blocks):
        raise ValueError(
            f"private_blocks must be between 1 and {len(blocks) - 1} for {network.name} "
            f"({len(blocks)} blocks: at least one shared and one domain-specific), "
            f"got {private_blocks}."
        )
    if share == "first":
        return block_layers(blocks[:-private_blocks]), block_layers(blocks[-private_blocks:])
    return block_layers(blocks[private_blocks:]), block_layers(blocks[:private_blocks])


def coupled_generators(
    template: keras.Model, private_blocks: int = 1, domains: Sequence[str] = ("a", "b")
) -> tuple[keras.Model, list[keras.Model]]:
    """Generators sharing their first blocks; the last ``private_blocks`` are per domain.

    ``template`` is a chain-shaped generator (e.g. `dcgan_generator`); its
    shared layers are reused as they are, its private layers only as the
    pattern for each domain's copy. Returns ``(joint, per_domain)``: ``joint``
    maps z to every domain's images concatenated on the channel axis (the
    shared blocks run once), ``per_domain[i]`` maps z to domain ``i``'s images.
    """
    shared, private = _split(template, private_blocks, share="first")
    z = keras.Input(template.inputs[0].shape[1:], name="z")
    hidden = apply_layers(shared, z)
    outputs = [apply_layers([clone_layer(l, d) for l in private], hidden) for d in domains]
    per_domain = [
        keras.Model(z, out, name=f"{template.name}_{d}") for d, out in zip(domains, outputs)
    ]
    joint = keras.Model(z, layers.Concatenate(name="images")(outputs), name=f"{template.name}s")
    return joint, per_domain


def coupled_discriminators(
    template: keras.Model, private_blocks: int = 1, domains: Sequence[str] = ("a", "b")
) -> tuple[keras.Model, list[keras.Model]]:
    """Discriminators sharing their last blocks; the first ``private_blocks`` are per domain.

    Returns ``(joint, per_domain)``: ``joint`` takes every domain's images
    concatenated on the channel axis (as the joint generator makes them) and
    returns one output column per domain; ``per_domain[i]`` takes domain
    ``i``'s images.
    """
    shared, private = _split(template, private_blocks, share="last")
    shape = tuple(template.inputs[0].shape[1:])
    per_domain = []
    for d in domains:
        images = keras.Input(shape, name=f"images_{d}")
        output = apply_layers(shared, apply_layers([clone_layer(l, d) for l in private], images))
        per_domain.append(keras.Model(images, output, name=f"{template.name}_{d}"))
    channels = shape[-1]
    stacked = keras.Input((*shape[:-1], channels * len(domains)), name="images")
    columns = [
        network(stacked[..., i * channels : (i + 1) * channels])
        for i, network in enumerate(per_domain)
    ]
    joint = keras.Model(stacked, layers.Concatenate(name="domain_logits")(columns),
                        name=f"{template.name}s")
    return joint, per_domain
