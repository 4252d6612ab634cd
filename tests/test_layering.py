"""The import contracts of ``pyproject.toml`` ([tool.importlinter]): imports point down the
layers (cli -> runner -> presets -> run code -> monitor, recipes -> metrics -> models -> base
-> networks, data, losses ... -> pixels) and entries do not import each other. The contracts
are checked on this checkout, and shown able to fail on a copy with one import added."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    """`lint-imports` in ``where`` (its pyproject.toml), analysing the package found there."""
    return subprocess.run([sys.executable, "-c", LINT], cwd=where, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(where)})


def test_the_package_keeps_its_import_contracts():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "kept, 0 broken" in done.stdout, done.stdout[-3000:]


@pytest.mark.parametrize("module, line, broken", [  # two imports up the layers, one across entries
    ("pixels.py", "from keras_gan_zoo import runner",
     "keras_gan_zoo.pixels is not allowed to import keras_gan_zoo.runner"),
    ("base.py", "from keras_gan_zoo import cli",
     "keras_gan_zoo.base is not allowed to import keras_gan_zoo.cli"),
    ("models/gan.py", "from keras_gan_zoo.models import dcgan",
     "keras_gan_zoo.models.gan is not allowed to import keras_gan_zoo.models.dcgan"),
])
def test_an_import_against_the_contracts_breaks_them(tmp_path, module, line, broken):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "keras_gan_zoo", tmp_path / "keras_gan_zoo",
                    ignore=shutil.ignore_patterns("__pycache__", "*.npz", "*.h5", "weights"))
    source = tmp_path / "keras_gan_zoo" / module
    source.write_text(source.read_text() + f"\n{line}  # noqa: E402\n")
    done = lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    assert broken in done.stdout, done.stdout[-3000:]


KERAS_PRIVATE = re.compile(r"\bkeras\.src\b")


def private_keras_uses(source: str) -> list[str]:
    """The lines of ``source`` that name Keras' private modules (``keras.src``)."""
    return [line.strip() for line in source.splitlines() if KERAS_PRIVATE.search(line)]


def test_the_package_names_no_private_keras_module():
    """Keras' ``keras.src`` modules move between releases without notice; the package keeps
    to Keras' public names (the tests may reach in, to check against Keras' own code)."""
    assert private_keras_uses("from keras.src.backend import tensorflow\nimport keras\n"
                              "x = keras.src.ops.cast") == ["from keras.src.backend import "
                                                            "tensorflow", "x = keras.src.ops.cast"]
    found = {str(path.relative_to(ROOT)): uses
             for path in sorted((ROOT / "keras_gan_zoo").rglob("*.py"))
             if (uses := private_keras_uses(path.read_text()))}
    assert found == {}
