"""Masking of database URLs: no password or other secret is ever printed or logged."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["mask_secrets", "mask_url"]

_MASK = "***"
# user:password@ in any URL-like text, for messages that embed a URL we did not build.
# The password runs to the last "@" of the URL, so an unencoded "@" in it is masked too.
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s'\"]*):[^\s'\"]*@")
# ?password=... or &api_key=...: a query parameter whose name says it is a secret.
_SECRET_NAME = re.compile(r"password|secret|token|key", re.IGNORECASE)
# The value ends where the URL does: a ":" just before a space or the end is the text's.
_QUERY_SECRET = re.compile(
    r"(?P<lead>[?&;](?P<name>[^=&;\s'\"#]*)=)(?P<value>[^&;\s'\"#]*?)(?=:?(?:[&;\s'\"#]|$))"
)


def mask_url(url: str | URL) -> str:
    """Render ``url`` with its password and secret query parameters replaced by ``***``."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return mask_secrets(str(url))
    return _mask_query(parsed.render_as_string(hide_password=True))


def mask_secrets(text: str, *urls: str | URL) -> str:
    """Remove secrets from free text: URL userinfo, secret query parameters, and the
    password and secret query values of any known URL, plain or URL-encoded."""
    masked = _mask_query(_USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{_MASK}@", text))
    for url in urls:
        for secret in _secrets(url):
            for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
                masked = masked.replace(form, _MASK)
    return masked


def _mask_query(text: str) -> str:
    return _QUERY_SECRET.sub(
        lambda m: m["lead"] + _MASK if _SECRET_NAME.search(m["name"]) else m[0], text
    )


def _secrets(url: str | URL) -> list[str]:
    """The password of ``url`` and the values of its secret query parameters."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return []
    values = [str(parsed.password)] if parsed.password else []
    for name, value in parsed.query.items():
        if _SECRET_NAME.search(name):
            values.extend([value] if isinstance(value, str) else value)
    return [v for v in values if v]
