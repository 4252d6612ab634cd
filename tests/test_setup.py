"""setup.cfg: a non-editable install ships every package folder of the source tree (the slow
test in test_presets.py installs one and samples a preset; this checks the list in a second)."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    folders = {".".join(init.parent.relative_to(ROOT).parts)
               for init in (ROOT / "keras_gan_zoo").rglob("__init__.py")}
    assert folders - listed == set(), "add these to [options] packages in setup.cfg"
