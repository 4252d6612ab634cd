"""Pictures: image grids (PIL) and loss curves (matplotlib, headless)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np


def image_grid(images: np.ndarray, rows: int, padding: int = 2) -> np.ndarray:
    """Tile ``[N, H, W, C]`` images in [0, 1] into one uint8 ``[rows*H', cols*W', 3]`` picture."""
    images = np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)
    if images.ndim != 4:
        raise ValueError(f"images must be [N, H, W, C], got shape {images.shape}.")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    n, h, w, _ = images.shape
    rows = max(1, min(rows, n))
    cols = int(np.ceil(n / rows))
    grid = np.ones((rows * (h + padding) + padding, cols * (w + padding) + padding, 3), np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top : top + h, left : left + w] = image
    return (grid * 255.0 + 0.5).astype(np.uint8)


def save_image_grid(images: np.ndarray, path: str | os.PathLike, rows: int,
                    min_tile: int = 56) -> Path:
    """Write ``images`` as a PNG grid; small tiles are enlarged (nearest) to ``min_tile`` px."""
    from PIL import Image

    images = np.asarray(images)
    scale = max(1, int(np.ceil(min_tile / images.shape[1])))
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(image_grid(images, rows)).save(path)
    return path


def save_loss_curves(
    batch_logs: Mapping[str, Sequence[float]],
    epoch_logs: Mapping[str, Sequence[float]],
    path: str | os.PathLike,
    title: str = "",
) -> Path:
    """Plot every logged quantity per batch (thin) and per epoch (dots) into one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(set(batch_logs) | set(epoch_logs))
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.2 * max(1, len(names))),
                             sharex=True, squeeze=False)
    steps_per_epoch = None
    for ax, name in zip(axes[:, 0], names):
        batch_values = list(batch_logs.get(name, []))
        epoch_values = list(epoch_logs.get(name, []))
        if batch_values:
            ax.plot(np.arange(1, len(batch_values) + 1), batch_values, lw=0.6, alpha=0.6,
                    label="per batch (running mean in the epoch)")
        if epoch_values:
            steps_per_epoch = len(batch_values) / len(epoch_values) if batch_values else 1.0
            x = np.arange(1, len(epoch_values) + 1) * steps_per_epoch
            ax.plot(x, epoch_values, "o-", ms=3, label="epoch mean")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper right", fontsize="small")
    axes[-1, 0].set_xlabel("training step" if steps_per_epoch else "epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
