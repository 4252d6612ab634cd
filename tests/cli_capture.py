"""Run ``keras_gan_zoo.cli.main`` in-process and keep what a user would see.

Unlike calling ``main`` directly, an exception that escapes it (what a user sees as a
Python traceback) is returned as ``raised`` instead of failing the calling test at
that line, so a test can assert "no traceback" with a message that names the error.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import traceback
from dataclasses import dataclass

from keras_gan_zoo.cli import main


@dataclass
class CliRun:
    """Exit code, printed output and the exception that escaped ``main`` (if any)."""

    code: int | None
    out: str
    err: str
    raised: BaseException | None = None

    @property
    def err_lines(self) -> list[str]:
        """Non-empty lines printed on stderr."""
        return [line for line in self.err.splitlines() if line.strip()]

    def assert_no_traceback(self) -> None:
        """Fail, naming the exception, if one escaped ``main`` (a traceback for the user)."""
        if self.raised is not None:
            detail = "".join(traceback.format_exception_only(type(self.raised), self.raised))
            raise AssertionError(f"main() let {detail.strip()[:600]} escape (a traceback)")

    def assert_user_error(self, *words: str) -> None:
        """Exit code 2, one line on stderr that contains every word of ``words``, no traceback."""
        self.assert_no_traceback()
        assert self.code == 2, f"exit code {self.code}, stderr {self.err!r}"
        assert len(self.err_lines) == 1, f"expected one line on stderr, got {self.err!r}"
        for word in words:
            assert word in self.err, f"{word!r} not named in {self.err!r}"


def run_cli(*argv: str | os.PathLike) -> CliRun:
    """``keras-gan-zoo ARGV`` in this process: its exit code, stdout, stderr and escaped exception."""
    out, err = io.StringIO(), io.StringIO()
    code: int | None = None
    raised: BaseException | None = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([os.fspath(a) for a in argv])
        except SystemExit as exit_:  # argparse's usage errors: a clean exit, not a traceback
            code = exit_.code if isinstance(exit_.code, int) else 2
            if not isinstance(exit_.code, int) and exit_.code is not None:
                print(exit_.code, file=sys.stderr)
        except Exception as error:  # noqa: BLE001  (what a user would see as a traceback)
            raised = error
    return CliRun(code, out.getvalue(), err.getvalue(), raised)


def tiny_gan_args(latent_dim: int = 8, units: int = 16) -> list[str]:
    """``--set`` options that make the GAN entry tiny (a CLI run takes seconds)."""
    return ["--set", f"generator_units=[{units}]", "--set", f"discriminator_units=[{units}]",
            "--set", f"latent_dim={latent_dim}", "--set", "seed=0"]


def child_environment() -> dict[str, str]:
    """``os.environ`` for a Python subprocess that must import this checkout of the package."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = [repo, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def history_epochs(run_folder: os.PathLike) -> list[int]:
    """The ``epoch`` column of a run's ``history.csv``."""
    with open(os.path.join(run_folder, "history.csv")) as file:
        rows = file.read().splitlines()
    column = rows[0].split(",").index("epoch")
    return [int(row.split(",")[column]) for row in rows[1:] if row.strip()]


__all__ = ["CliRun", "child_environment", "history_epochs", "run_cli", "tiny_gan_args"]
