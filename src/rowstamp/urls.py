"""Masking of database URLs: no password is ever printed or logged."""

from __future__ import annotations

import re

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["mask_secrets", "mask_url"]

_MASK = "***"
# user:password@ in any URL-like text, for messages that embed a URL we did not build.
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@")


def mask_url(url: str | URL) -> str:
    """Render ``url`` with its password replaced by ``***``."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return mask_secrets(str(url))
    return parsed.render_as_string(hide_password=True)


def mask_secrets(text: str, *urls: str | URL) -> str:
    """Remove passwords from free text: URL userinfo and any known URL's password."""
    masked = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{_MASK}@", text)
    for url in urls:
        try:
            password = (make_url(url) if isinstance(url, str) else url).password
        except ArgumentError:
            continue
        if password:
            masked = masked.replace(str(password), _MASK)
    return masked
