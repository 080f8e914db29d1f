"""Keyed hashes of LINE user ids: the only form in which anything the bot keeps names a user."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import secrets
from typing import Mapping

log = logging.getLogger(__name__)

SECRET_VARIABLE = "USER_HASH_SECRET"
HASH_CHARS = 32  # 128 bits of HMAC-SHA256: far beyond guessing, short enough to read in a log
# Recent users' hashes, in memory only: every event hashes its user twice (log line, question
# log), and a user usually sends several messages in a row.
CACHED_USERS = 4096


class PrivacyConfigError(ValueError):
    """The deployment is missing what it needs to keep user ids private."""


def hash_user(user_id: str, secret: str | bytes) -> str:
    """HMAC-SHA256 of the LINE user id keyed with `secret`, as hex (the id cannot be recovered)."""
    if not secret:
        raise PrivacyConfigError(f"{SECRET_VARIABLE} is empty")
    return _hash(user_id, secret.encode() if isinstance(secret, str) else secret)


@functools.lru_cache(maxsize=CACHED_USERS)
def _hash(user_id: str, key: bytes) -> str:
    return hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]


def user_hash_secret(environ: Mapping[str, str] | None = None, *, production: bool) -> str:
    """`USER_HASH_SECRET` from the environment.

    Production refuses to run without it: a secret that changes on restart would make
    deletion requests miss older rows. A local run gets a random secret (gunicorn's master picks
    one for all its workers).
    """
    environ = os.environ if environ is None else environ
    secret = environ.get(SECRET_VARIABLE, "").strip()
    if secret:
        return secret
    if production:
        raise PrivacyConfigError(
            f"{SECRET_VARIABLE} must be set (e.g. to the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`) and kept the same across restarts"
        )
    log.warning("%s is not set: using a random secret until this server stops (fine for local runs)", SECRET_VARIABLE)
    return secrets.token_hex(32)
