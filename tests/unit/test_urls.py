"""Masking of URLs (issue #13, S1/S2): no password is printed, whether it is in the
userinfo, left unencoded with an ``@`` in it, or given as a query parameter."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from rowstamp.engines.postgresql import _conninfo, _tool_env
from rowstamp.urls import mask_secrets, mask_url


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://app:pw@h/db", "postgresql://app:***@h/db"),
        (
            "postgresql://app@h/db?password=TopSecret99&sslmode=require",
            "postgresql://app@h/db?password=***&sslmode=require",
        ),
        (
            "postgresql://app@h/db?sslmode=require&Api_Key=k1&auth_token=t1&client_secret=s1",
            "postgresql://app@h/db?Api_Key=***&auth_token=***&client_secret=***&sslmode=require",
        ),
        ("sqlite:////tmp/x.db?mode=ro", "sqlite:////tmp/x.db?mode=ro"),
    ],
)
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # the password runs to the last "@" of the URL, not the first
        (
            "cannot connect to postgresql://app:hunter2x@foo@127.0.0.1/db: refused",
            "cannot connect to postgresql://app:***@127.0.0.1/db: refused",
        ),
        (
            "at postgresql://app:Pa@ss:w/rd%41#Sekr3t@127.0.0.1/db now",
            "at postgresql://app:***@127.0.0.1/db now",
        ),
        # a query secret ends where the URL does, before the message's own ":"
        (
            "cannot connect to postgresql://app@h/db?password=Top:Secret99: refused",
            "cannot connect to postgresql://app@h/db?password=***: refused",
        ),
        (
            "'postgresql://app@h/db?sslmode=require&token=abc' failed",
            "'postgresql://app@h/db?sslmode=require&token=***' failed",
        ),
    ],
)
def test_mask_secrets_in_free_text(text: str, masked: str) -> None:
    assert mask_secrets(text) == masked


def test_mask_secrets_of_known_urls_plain_and_encoded() -> None:
    url = "postgresql://app@h/db?password=Pa%40ss%2Fw"
    text = "driver said Pa@ss/w, logged Pa%40ss%2Fw"
    assert mask_secrets(text, url) == "driver said ***, logged ***"


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://app:Pa%40ss@h/db", "postgresql+psycopg://app@h/db?password=Pa%40ss"],
)
def test_pg_tools_get_the_password_in_their_environment_not_argv(url: str) -> None:
    """pg_dump and psql see the password through PGPASSWORD: ``ps`` shows argv to all."""
    assert "Pa" not in _conninfo(make_url(url))
    assert _tool_env(make_url(url)) == {"PGPASSWORD": "Pa@ss"}
