"""A real PgBouncer in transaction pooling mode, in front of a test PostgreSQL server.

Transaction pooling hands a client's server connection to another client between
transactions: session advisory locks, ``SET`` and prepared statements stop meaning
what they say. Tests run migrations through this pooler to prove rowstamp notices
and still excludes parallel runs. Debian's ``pgbouncer`` package provides the binary;
it refuses to run as root, so it runs as ``postgres`` when we are root.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import URL

from rowstamp.testing.servers import Server, ServerUnavailable, free_port

__all__ = ["pgbouncer"]


def _binary() -> str:
    found = shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )
    if found is None:
        raise ServerUnavailable("pgbouncer not found (Debian package: pgbouncer)")
    return found


@contextlib.contextmanager
def pgbouncer(server: Server, *, pool_size: int = 4) -> Iterator[Server]:
    """Yield ``server`` seen through a PgBouncer in transaction mode on a free loopback
    port: same users, password and databases. ``pool_size`` server connections per
    database and user: few, so clients really share them."""
    binary = _binary()
    target = server.url
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    root = Path(tempfile.mkdtemp(prefix="rowstamp-pgbouncer-", dir=base))
    port = free_port()
    user, password = str(target.username), str(target.password)
    # the userlist quotes with "; the test password holds none
    (root / "users.txt").write_text(f'"{user}" "{password}"\n', encoding="utf-8")
    (root / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={target.host} port={target.port}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = scram-sha-256\n"
        f"auth_file = {root / 'users.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\n"
        "max_client_conn = 200\n"
        "ignore_startup_parameters = extra_float_digits\n"
        f"logfile = {root / 'log'}\n",
        encoding="utf-8",
    )
    command = [binary, str(root / "pgbouncer.ini")]
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        for path in (root, root / "users.txt", root / "pgbouncer.ini"):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        command = ["runuser", "-u", "postgres", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_listening(port, process)
        yield Server(URL.create(target.drivername, user, password, "127.0.0.1", port, "postgres"))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            detail = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise ServerUnavailable(f"pgbouncer exited with {process.returncode}: {detail}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise ServerUnavailable("pgbouncer did not listen in 30 s")
        time.sleep(0.05)
