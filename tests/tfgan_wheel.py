"""TF-GAN 2.1.0 modules, loaded by file path from the ``tensorflow-gan`` wheel, as references.

TF-GAN's package does not import on TF >= 2.16 (it needs ``tf.estimator``), but
several of its modules are plain TF 2 code. The wheel is fetched once with
``pip download`` into pytest's cache (``.pytest_cache``) when the cache plugin
is on; the tests using it are skipped when it cannot be had (offline, or
``KERAS_GAN_ZOO_OFFLINE`` set) or a module does not load.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import types
import zipfile
from pathlib import Path
from typing import Any, Mapping, Sequence

import pytest

WHEEL = "tensorflow_gan-2.1.0-*.whl"


def _wheel(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache_plugin = getattr(request.config, "cache", None)
    cache = Path(cache_plugin.mkdir("tensorflow_gan") if cache_plugin is not None
                 else tmp_path_factory.mktemp("tensorflow_gan"))
    wheels = sorted(cache.glob(WHEEL))
    if not wheels and not os.environ.get("KERAS_GAN_ZOO_OFFLINE"):
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "tensorflow-gan==2.1.0",
                            "--no-deps", "-q", "-d", str(cache)], check=True, timeout=120,
                           capture_output=True)
        except Exception as error:  # no registry access: rely on the other references
            pytest.skip(f"tensorflow-gan 2.1.0 wheel unavailable ({type(error).__name__})")
        wheels = sorted(cache.glob(WHEEL))
    if not wheels:
        pytest.skip("tensorflow-gan 2.1.0 wheel unavailable")
    return wheels[0]


def load_tfgan_modules(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    names: Sequence[str],
    stubs: Mapping[str, Any] | None = None,
) -> list[types.ModuleType]:
    """Load ``tensorflow_gan.python.<name>`` for each name (e.g. ``"losses.losses_impl"``),
    in order, so later modules can import earlier ones; ``stubs`` maps other module
    names they import to stand-ins. ``sys.modules`` is restored afterwards."""
    wheel = _wheel(request, tmp_path_factory)
    source = wheel.parent / "src"
    with zipfile.ZipFile(wheel) as archive:
        for name in names:
            archive.extract(f"tensorflow_gan/python/{name.replace('.', '/')}.py", source)
    full_names = [f"tensorflow_gan.python.{name}" for name in names]
    packages = sorted({".".join(n.split(".")[:i]) for n in full_names
                       for i in range(1, n.count(".") + 1)})
    saved = {name: sys.modules.get(name)
             for name in [*packages, *full_names, *(stubs or {})]}
    try:
        for name in packages:
            sys.modules[name] = types.ModuleType(name)
        for name, stub in (stubs or {}).items():
            sys.modules[name] = stub
        modules = []
        for name in full_names:
            spec = importlib.util.spec_from_file_location(
                name, source / f"{name.replace('.', '/')}.py")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            parent, _, child = name.rpartition(".")
            setattr(sys.modules[parent], child, module)
            modules.append(module)
        return modules
    except Exception as error:
        pytest.skip(f"TF-GAN's {names} do not load here: {error!r}")
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
