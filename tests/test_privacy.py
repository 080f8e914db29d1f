import hashlib
import hmac
import logging

import pytest

from bot.privacy import CACHED_USERS, HASH_CHARS, PrivacyConfigError, _hash, hash_user, user_hash_secret

USER = "U4af4980629d4a1b2c3d4e5f6a7b8c9d0"


def test_hash_is_hmac_sha256_hex_truncated() -> None:
    expected = hmac.new(b"s3cret", USER.encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]
    assert hash_user(USER, "s3cret") == expected
    assert len(expected) == 32 and int(expected, 16) >= 0


def test_hash_is_stable_per_secret_and_hides_the_id() -> None:
    assert hash_user(USER, "a") == hash_user(USER, b"a")
    assert hash_user(USER, "a") != hash_user(USER, "b")
    assert hash_user(USER, "a") != hash_user(USER + "x", "a")
    assert USER not in hash_user(USER, "a") and USER[1:9].lower() not in hash_user(USER, "a")


def test_empty_secret_is_refused() -> None:
    with pytest.raises(PrivacyConfigError):
        hash_user(USER, "")


def test_secret_comes_from_the_environment() -> None:
    assert user_hash_secret({"USER_HASH_SECRET": " abc "}, production=True) == "abc"


@pytest.mark.parametrize("environ", [{}, {"USER_HASH_SECRET": ""}, {"USER_HASH_SECRET": "   "}])
def test_production_refuses_a_missing_secret(environ: dict) -> None:
    with pytest.raises(PrivacyConfigError, match="USER_HASH_SECRET"):
        user_hash_secret(environ, production=True)


def test_local_runs_get_a_random_secret_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.privacy"):
        first = user_hash_secret({}, production=False)
        second = user_hash_secret({}, production=False)
    assert len(first) >= 32 and first != second
    assert "USER_HASH_SECRET is not set" in caplog.text


def test_recent_users_hashes_are_cached_within_a_bound() -> None:
    _hash.cache_clear()
    for _ in range(3):
        assert hash_user(USER, "s3cret") == hmac.new(b"s3cret", USER.encode(), hashlib.sha256).hexdigest()[:HASH_CHARS]
    assert (_hash.cache_info().hits, _hash.cache_info().misses) == (2, 1)
    for n in range(CACHED_USERS + 10):
        hash_user(f"U{n}", "s3cret")
    assert _hash.cache_info().currsize == CACHED_USERS
