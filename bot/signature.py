"""LINE webhook signatures: base64 HMAC-SHA256 of the raw request body, keyed by the channel secret."""

from __future__ import annotations

import base64
import hashlib
import hmac


def sign(channel_secret: str, body: bytes) -> str:
    """The `X-Line-Signature` value LINE sends with `body`."""
    digest = hmac.new(channel_secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` matches `body`; compared in constant time, on the raw bytes."""
    if not channel_secret or not signature:
        return False
    expected = sign(channel_secret, body).encode("ascii")
    try:
        given = signature.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected, given)
