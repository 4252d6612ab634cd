"""`load_yaml`: the one way the zoo reads YAML (configs, recipes, ``--set`` values).

YAML's safe loader builds no Python objects, but its aliases (``*name``, a reference to an
``&name`` anchor) still let a few hundred bytes stand for gigabytes: nine levels of ten
aliases each (the "billion laughs", 531 bytes) expand to 10**9 strings once anything walks
the result, and a recipe like that ran 67 s into a MemoryError. Zoo files never need an
alias (write the value out), so the loader refuses them where the parser meets one.
"""

from __future__ import annotations

from typing import Any

import yaml


class AliasRefused(yaml.YAMLError, ValueError):
    """A YAML alias (``*name``) in a file the zoo reads; the message names where."""


class _NoAliasLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that raises `AliasRefused` at the first alias event."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            mark = event.start_mark
            raise AliasRefused(
                f"YAML aliases are not allowed (*{event.anchor} at line {mark.line + 1}, column "
                f"{mark.column + 1}): a few aliases can expand to gigabytes; write the value out "
                "instead of &anchor/*alias")
        return super().compose_node(parent, index)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)``, refusing aliases (`AliasRefused`, a `yaml.YAMLError` and a
    ValueError); other syntax errors raise `yaml.YAMLError` as ``safe_load`` does."""
    return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506  (a SafeLoader subclass)
