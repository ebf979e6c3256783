"""One PostgreSQL and one MariaDB server for all pytest-xdist workers of a run.

Starting a server costs seconds; each worker starting its own doubles that. The first
worker that needs one starts it, under a file lock in the run's shared temporary
folder; the others connect to the URL it wrote there. Each test still gets its own
scratch database. The worker that started a server stops it, as its session ends,
once every other worker using it has left (or died): it is the server's parent, so
the server never outlives the run, whether the tests pass or fail.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import URL, make_url

from rowstamp.testing.servers import Server

__all__ = ["shared_server"]

S = TypeVar("S", bound=Server)


@contextlib.contextmanager
def shared_server(
    name: str,
    start: Callable[[], contextlib.AbstractContextManager[S]],
    connect: Callable[[URL], S],
    folder: Path,
) -> Iterator[S]:
    """Yield the run's ``name`` server: started by ``start()`` in the first worker,
    ``connect(url)`` in the others. ``folder`` is shared by all workers of one run."""
    state, lock, me = folder / f"{name}.json", folder / f"{name}.lock", os.getpid()
    with contextlib.ExitStack() as stack:
        with _locked(lock):
            owner = not state.exists()
            if owner:
                server = stack.enter_context(start())
                data = {"url": server.url.render_as_string(hide_password=False), "users": []}
            else:
                data = json.loads(state.read_text(encoding="utf-8"))
                server = connect(make_url(data["url"]))
            data["users"].append(me)
            state.write_text(json.dumps(data), encoding="utf-8")
        try:
            yield server
        finally:
            _leave(state, lock, me, owner=owner)


def _leave(state: Path, lock: Path, me: int, *, owner: bool) -> None:
    """Sign off; the owner waits until no live worker uses the server, then forgets it
    (its caller then stops the server)."""
    while True:
        with _locked(lock):
            data = json.loads(state.read_text(encoding="utf-8"))
            data["users"] = [pid for pid in data["users"] if pid != me and _alive(pid)]
            if owner and not data["users"]:
                state.unlink()
                return
            state.write_text(json.dumps(data), encoding="utf-8")
            if not owner:
                return
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
