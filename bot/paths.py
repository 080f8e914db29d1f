"""Where the FAQ files live when nothing says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

_REPOSITORY_FAQ = Path(__file__).resolve().parent.parent / "faq"


def default_faq_dir() -> Path:
    """$FAQ_DIR, else ./faq, else the faq/ folder next to this package (a source checkout)."""
    if os.environ.get("FAQ_DIR"):
        return Path(os.environ["FAQ_DIR"])
    local = Path.cwd() / "faq"
    if (local / "entries.yaml").exists():
        return local
    return _REPOSITORY_FAQ
