"""Exports of a trained entry as a SavedModel, in TF Serving's ``<base>/<name>/<version>``
layout, never over an existing export."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras

from keras_gan_zoo.distribute import is_chief, model_strategy

if TYPE_CHECKING:
    from keras_gan_zoo.run.folder import RunFolder


def versions(base: str | os.PathLike) -> list[int]:
    """The version numbers (numeric sub-folders) of a TF Serving base path, sorted."""
    base = Path(base)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def next_version(base: str | os.PathLike) -> int:
    """The next free version number of a TF Serving base path (1 for a new one)."""
    return max(versions(base), default=0) + 1


def export_saved_model(model: keras.Model, target: str | os.PathLike,
                       overwrite: bool = False) -> Path:
    """``model.export(target)``, never over an existing export unless ``overwrite``: then a
    SavedModel folder (one version, holding ``saved_model.pb``) is replaced whole. A TF
    Serving base path that holds versions, or a non-empty folder that is not a SavedModel,
    is never replaced. The SavedModel is written beside ``target`` and renamed into place,
    so ``target`` never holds a partial export or the files of two."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ValueError(f"Cannot export to {target}: it is a file; pass a folder such as "
                         "saved_models/NAME/1.")
    if target.is_dir() and any(target.iterdir()):
        held = [v for v in versions(target) if (target / str(v) / "saved_model.pb").is_file()]
        if held:
            raise ValueError(
                f"{target} is a TF Serving base path holding version(s) "
                f"{', '.join(map(str, held))}, so it is not replaced: export a new version "
                f"into {target / str(next_version(target))}.")
        if not (target / "saved_model.pb").is_file():
            raise ValueError(
                f"{target} holds files but is not a SavedModel (no saved_model.pb in it), so "
                "it is not replaced: export to a new or empty folder such as "
                "saved_models/NAME/1.")
        if not overwrite:
            free = next_version(target.parent)
            raise ValueError(
                f"{target} already holds a SavedModel: pass --overwrite (overwrite=True) to "
                f"replace it whole, or export to a free version folder such as "
                f"{target.parent / str(free)}.")
    temporary, old = (target.with_name(f".{kind}-{target.name}") for kind in ("tmp", "old"))
    for leftover in (temporary, old):
        shutil.rmtree(leftover, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        model.export(str(temporary), verbose=False)
        if target.exists():
            os.replace(target, old)
        os.replace(temporary, target)
    finally:
        for leftover in (temporary, old):
            shutil.rmtree(leftover, ignore_errors=True)
    return target


class ServingExport(keras.callbacks.Callback):
    """Export a SavedModel at the end of training into TF Serving's ``<base>/<name>/<version>``
    layout: the next free version (or ``version``), never over an existing export. A run
    stopped by `TrainingFailed` does not reach the end, so it is not exported. With
    ``folder`` (a `RunFolder`; ``directory`` is then its ``saved_models``), the run is
    recorded ``finished`` once its export exists and its backup removed (`RunFolder.finish`)."""

    def __init__(self, directory: str | os.PathLike, version: int | None = None,
                 folder: RunFolder | None = None) -> None:
        super().__init__()
        self.directory = Path(directory)
        self.version = None if version is None else int(version)
        self.folder = folder
        self.exported_to: Path | None = None

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if not is_chief(model_strategy(self.model)):
            return
        if self.folder is not None:
            self.exported_to = self.folder.finish(self.model, self.version)
            return
        version = self.version or next_version(self.directory)
        self.exported_to = export_saved_model(self.model, self.directory / str(version))
