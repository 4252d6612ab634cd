"""The two pixel ranges of the zoo, and the one conversion each way.

Networks work in the *model range* [-1, 1] (tanh outputs, datasets in [-1, 1]);
everything a person or a server sees is in the *unit range* [0, 1]
(`generate`, `translate`, sample grids, metrics, serving signatures).
"""

from __future__ import annotations

from typing import Any

from keras import ops


def to_unit_range(images: Any) -> Any:
    """[-1, 1] -> [0, 1] as float32, clipped: ``clip((x + 1) / 2, 0, 1)``."""
    return ops.clip((ops.cast(images, "float32") + 1.0) * 0.5, 0.0, 1.0)


def to_model_range(images: Any, maximum: float = 255.0) -> Any:
    """[0, ``maximum``] -> [-1, 1] as float32: ``2 x / maximum - 1`` (uint8 by default;
    ``maximum=1`` for images already in [0, 1])."""
    return ops.cast(images, "float32") * (2.0 / maximum) - 1.0
