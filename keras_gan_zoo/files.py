"""Writing files so that a kill at any moment leaves the previous file or the new one.

Every file a run resumes from, and every checkpoint, is written under a temporary name and
renamed into place (`replacing`); a zoo ``.keras`` file carries a note of what it holds
(`save_checkpoint`, `checkpoint_note`). Nothing here knows about runs, so the model base,
the metrics and the run folder can all use it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any, Iterator

import keras


@contextlib.contextmanager
def replacing(path: str | os.PathLike) -> Iterator[Path]:
    """Write ``path`` atomically: yields a temporary sibling with the same suffixes
    (``.tmp-model.keras``) to write; once written it is renamed over ``path``."""
    path = Path(path)
    temporary = path.with_name(f".tmp-{path.name}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_text(path: str | os.PathLike, text: str) -> None:
    """``Path(path).write_text(text)``, atomically (`replacing`)."""
    with replacing(path) as temporary:
        temporary.write_text(text)


#: The member of a zoo ``.keras`` file that says what it holds (`save_checkpoint`).
NOTE = "keras_gan_zoo.json"


def save_checkpoint(model: keras.Model, path: str | os.PathLike,
                    note: dict[str, Any] | None = None) -> Path:
    """``model.save(path)`` atomically (`replacing`), with ``note`` (e.g. the epoch and FID
    it was saved at) inside the same ``.keras`` zip, so the file and what it holds are
    written as one step; Keras ignores the extra member when loading."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as temporary:
        model.save(str(temporary))
        if note is not None:
            with zipfile.ZipFile(temporary, "a") as archive:
                archive.writestr(NOTE, json.dumps(note))
    return path


def checkpoint_note(path: str | os.PathLike) -> dict[str, Any] | None:
    """The note `save_checkpoint` put into ``path`` (``None``: no file, no note, or not a
    readable zip; loading the checkpoint names those)."""
    try:
        with zipfile.ZipFile(path) as archive:
            note = json.loads(archive.read(NOTE))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    return note if isinstance(note, dict) else None


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
