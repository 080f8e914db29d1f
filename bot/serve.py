"""The production command: the Procfile's `web:` line, run on a chosen host and port."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
PROCFILE = PROJECT / "Procfile"
# Used when the package runs without its source checkout (no Procfile next to it).
_FALLBACK = f"gunicorn --config {shlex.quote(str(Path(__file__).with_name('gunicorn_conf.py')))} --bind 0.0.0.0:$PORT 'bot.webapp:create_app()'"


def web_line(procfile: Path = PROCFILE) -> str:
    """The `web:` process of the Procfile (without the `web:`)."""
    if procfile.is_file():
        for line in procfile.read_text(encoding="utf-8").splitlines():
            if line.startswith("web:"):
                return line[len("web:"):].strip()
    return _FALLBACK


def web_command(*, port: int, host: str | None = None, procfile: Path = PROCFILE) -> tuple[list[str], Path]:
    """argv and working directory for the web process on `port` (and `host` instead of the Procfile's)."""
    line = web_line(procfile).replace("${PORT}", str(port)).replace("$PORT", str(port))
    argv = shlex.split(line)
    if host is not None:
        for i, arg in enumerate(argv[:-1]):
            if arg in ("--bind", "-b"):
                argv[i + 1] = f"{host}:{argv[i + 1].rsplit(':', 1)[-1]}"
    if argv and argv[0] == "gunicorn":
        # The gunicorn of this interpreter, whatever PATH says.
        argv = [sys.executable, "-m", "gunicorn", *argv[1:]]
    cwd = procfile.parent if procfile.is_file() else Path.cwd()
    return argv, cwd


def exec_web(argv: list[str], cwd: Path) -> None:
    """Become the web process, so gunicorn receives the platform's signals directly."""
    os.chdir(cwd)
    os.execv(argv[0], argv)
