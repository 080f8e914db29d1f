import base64
import hashlib
import hmac

import pytest
from linebot.v3.webhook import SignatureValidator

from bot.signature import sign, verify

SECRET = "channel-secret"
BODY = '{"destination":"U1","events":[{"type":"message","message":{"type":"text","text":"副作用は?"}}]}'.encode()


def test_signature_is_base64_hmac_sha256_of_the_raw_body() -> None:
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    assert sign(SECRET, BODY) == expected


def test_agrees_with_the_sdks_validator() -> None:
    assert SignatureValidator(SECRET).validate(BODY.decode(), sign(SECRET, BODY))


def test_accepts_the_right_signature() -> None:
    assert verify(SECRET, BODY, sign(SECRET, BODY))


@pytest.mark.parametrize(
    "signature",
    [None, "", "not-base64!", sign("other-secret", BODY), sign(SECRET, BODY + b" "), "署名", sign(SECRET, BODY)[:-2]],
)
def test_rejects_missing_or_wrong_signatures(signature: str | None) -> None:
    assert not verify(SECRET, BODY, signature)


def test_the_body_is_checked_byte_for_byte_even_when_not_utf8() -> None:
    raw = b"\xff\xfe{}"
    assert verify(SECRET, raw, sign(SECRET, raw))
    assert not verify(SECRET, raw, sign(SECRET, b"{}"))


def test_an_empty_secret_never_verifies() -> None:
    assert not verify("", BODY, sign("", BODY))


def test_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    verify(SECRET, BODY, "wrong")
    assert calls
