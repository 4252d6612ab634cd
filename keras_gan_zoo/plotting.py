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


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Exponential moving average of ``values`` over about ``window`` steps (weight
    ``2 / (window + 1)``), debiased at the start as TensorBoard's smoothing is; NaN and
    infinite values are skipped (NaN in the output)."""
    alpha = 2.0 / (max(1, int(window)) + 1.0)
    out = np.full(len(values), np.nan)
    average, weight = 0.0, 0.0
    for i, value in enumerate(np.asarray(values, np.float64)):
        if np.isfinite(value):
            average = (1.0 - alpha) * average + alpha * value
            weight = (1.0 - alpha) * weight + alpha
            out[i] = average / weight
    return out


def save_loss_curves(
    steps: Sequence[int],
    values: Mapping[str, Sequence[float]],
    path: str | os.PathLike,
    title: str = "",
    epoch_ends: Sequence[int] = (),
) -> Path:
    """Plot each logged quantity against the global training step into one PNG: the value
    of every step (thin, light), an exponential moving average over it (`smooth` over 1/25
    of the steps shown, from 50 steps on) and the epoch ends (dotted; epoch numbers on top)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = sorted(values)
    steps = np.asarray(steps)
    window = max(1, min(len(steps) // 25, 500))
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.2 * max(1, len(names))),
                             sharex=True, squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        series = np.asarray(values[name], np.float64)
        if window == 1:  # too few steps to smooth
            ax.plot(steps, series, lw=1.2, color="C0", label="each step")
        else:
            ax.plot(steps, series, lw=0.5, alpha=0.35, color="C0", label="each step")
            ax.plot(steps, smooth(series, window), lw=1.5, color="C0",
                    label=f"exponential moving average (~{window} steps)")
        for end in epoch_ends:
            ax.axvline(end, color="0.6", lw=0.6, ls=":")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    top = axes[0, 0]
    top.legend(loc="upper right", fontsize="small")
    if len(epoch_ends):
        shown = list(range(0, len(epoch_ends), max(1, len(epoch_ends) // 10)))
        epochs = top.secondary_xaxis("top")
        epochs.set_xticks([epoch_ends[i] for i in shown], [str(i + 1) for i in shown])
        epochs.set_xlabel("end of epoch", fontsize="small")
    axes[-1, 0].set_xlabel("training step")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
