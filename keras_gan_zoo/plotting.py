"""Pictures: image grids (PIL), loss curves and run comparisons (matplotlib, headless)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np


#: Pixels: the white border around each tile, the height of the title strip above a grid
#: with column titles, and the extra gap between groups of columns.
PADDING, TITLE_HEIGHT, GROUP_GAP = 2, 16, 8


def image_grid(images: np.ndarray, rows: int, padding: int = PADDING,
               groups: Sequence[int] = ()) -> np.ndarray:
    """Tile ``[N, H, W, C]`` images in [0, 1] into one uint8 ``[rows*H', cols*W', 3]`` picture.

    ``groups`` (column counts, e.g. ``(3, 3)``) separates groups of columns by `GROUP_GAP`
    more pixels."""
    images = np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)
    if images.ndim != 4:
        raise ValueError(f"images must be [N, H, W, C], got shape {images.shape}.")
    if images.shape[-1] == 1:
        images = np.repeat(images, 3, axis=-1)
    n, h, w, _ = images.shape
    rows = max(1, min(rows, n))
    cols = int(np.ceil(n / rows))
    lefts = column_lefts(cols, w, padding, groups)
    grid = np.ones((rows * (h + padding) + padding, lefts[-1] + w + padding, 3), np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        top = padding + r * (h + padding)
        grid[top : top + h, lefts[c] : lefts[c] + w] = image
    return (grid * 255.0 + 0.5).astype(np.uint8)


def column_lefts(cols: int, width: int, padding: int, groups: Sequence[int] = ()) -> list[int]:
    """The left edge of each of ``cols`` tile columns (`image_grid`'s layout)."""
    starts, total = set(), 0
    for size in groups[:-1]:
        total += size
        starts.add(total)
    lefts, left = [], padding
    for c in range(cols):
        left += GROUP_GAP if c in starts else 0
        lefts.append(left)
        left += width + padding
    return lefts


def title_strip(titles: Sequence[str], lefts: Sequence[int], tile_width: int,
                width: int) -> np.ndarray:
    """A white uint8 ``[TITLE_HEIGHT, width, 3]`` strip with ``titles`` centred over the
    columns starting at ``lefts``."""
    from PIL import Image, ImageDraw, ImageFont

    strip = Image.new("RGB", (width, TITLE_HEIGHT), "white")
    draw, font = ImageDraw.Draw(strip), ImageFont.load_default(size=TITLE_HEIGHT - 4)
    for title, left in zip(titles, lefts):
        draw.text((left + tile_width / 2, TITLE_HEIGHT / 2), title, fill="black", font=font,
                  anchor="mm")
    return np.asarray(strip)


def save_image_grid(images: np.ndarray, path: str | os.PathLike, rows: int,
                    min_tile: int = 56, titles: Sequence[Sequence[str]] = ()) -> Path:
    """Write ``images`` as a PNG grid; small tiles are enlarged (nearest) to ``min_tile`` px.

    ``titles`` names the columns in groups, e.g. ``[("input", "output", "target")]``: a
    title strip on top, and a wider gap between groups."""
    from PIL import Image

    images = np.asarray(images)
    scale = max(1, int(np.ceil(min_tile / images.shape[1])))
    if scale > 1:
        images = images.repeat(scale, axis=1).repeat(scale, axis=2)
    groups = [len(group) for group in titles]
    picture = image_grid(images, rows, groups=groups)
    if titles:
        lefts = column_lefts(sum(groups), images.shape[2], PADDING, groups)
        names = [title for group in titles for title in group]
        picture = np.concatenate(
            [title_strip(names, lefts, images.shape[2], picture.shape[1]), picture])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(picture).save(path)
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


def save_sample_grid(model: Any, path: str | os.PathLike, num_samples: int | None = None,
                     seed: int = 0) -> Path:
    """Draw ``model.sample_grid`` (``num_samples``: None for the entry's default) to ``path``,
    with the entry's column titles (``model.grid_titles``, empty for most entries)."""
    options = {} if num_samples is None else {"num_samples": num_samples}
    images, rows = model.sample_grid(seed=seed, **options)
    return save_image_grid(images, path, rows, titles=model.grid_titles)


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


@dataclass(frozen=True)
class RunPanel:
    """A column of `compare_runs`: a title, a note under it (red when ``alarm``), and
    two pictures of the run, drawn one above the other."""

    title: str
    note: str
    pictures: tuple[Path, ...]
    alarm: bool = False


def compare_runs(panels: Sequence[RunPanel], path: str | os.PathLike,
                 column_inches: float = 5.0, dpi: int = 160) -> Path:
    """Compose existing PNGs side by side, a column per run (`RunPanel`), each picture
    shown whole at ``column_inches`` wide; write one PNG to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = [[_read_png(picture) for picture in panel.pictures] for panel in panels]
    # Each row is as tall as its tallest picture at the column's width.
    aspects = [max(column[row].shape[0] / column[row].shape[1] for column in images)
               for row in range(len(images[0]))]
    title_inches = 0.8
    fig, axes = plt.subplots(
        len(aspects), len(panels), squeeze=False, gridspec_kw={"height_ratios": aspects},
        figsize=(column_inches * len(panels), column_inches * sum(aspects) + title_inches))
    height = fig.get_figheight()
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, wspace=0.04, hspace=0.04,
                        top=1 - title_inches / height)
    for c, (panel, column) in enumerate(zip(panels, images)):
        for r, image in enumerate(column):
            axes[r, c].imshow(image, interpolation="nearest")
            axes[r, c].set_axis_off()
            axes[r, c].set_anchor("N")  # pictures shorter than their row hang from its top
        box = axes[0, c].get_position(original=True)
        x = (box.x0 + box.x1) / 2
        fig.text(x, 1 - 0.25 / height, panel.title, ha="center", va="center", fontsize=13,
                 fontweight="bold")
        fig.text(x, 1 - 0.58 / height, panel.note, ha="center", va="center", fontsize=11,
                 color="firebrick" if panel.alarm else "darkgreen")
    path = Path(path)
    if not path.suffix:  # what matplotlib would write: it adds ".png" to a name without one
        path = path.with_name(path.name + ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def _read_png(path: Path) -> np.ndarray:
    """``plt.imread(path)``; a ValueError names a truncated or corrupt picture (PIL raises a
    SyntaxError, struct.error or OSError for them)."""
    import matplotlib.pyplot as plt

    try:
        return plt.imread(path)
    except Exception as error:  # noqa: BLE001  (PIL's errors for bad files have no common base)
        detail = " ".join(str(error).split())[:120]
        raise ValueError(f"{path} is not a readable PNG (truncated or corrupt; "
                         f"{type(error).__name__}: {detail}); continuing the run (train with a "
                         "larger --epochs) draws it again.") from None
