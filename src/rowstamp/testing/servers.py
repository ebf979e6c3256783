"""Real database servers for migration tests, started on demand.

Used by ``rowstamp test``, the pytest plugin, this repository's own suite and its
benchmarks, so all of them start servers the same way.

PostgreSQL: a private cluster (initdb + pg_ctl) on a free loopback port, data on
``/dev/shm`` when there is one; run as the ``postgres`` user when we are root,
since initdb refuses root. ``TEST_POSTGRESQL_URL`` points at an existing server
instead. Every server authenticates with a password, so the tests can prove no
password ever reaches the output.

MariaDB: a private instance (``mariadb-install-db`` + ``mariadbd``, Debian's
``mariadb-server``) on a free loopback port, data on ``/dev/shm``, TLS off for
PyMySQL; ``TEST_MARIADB_URL`` points at an existing server instead.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from rowstamp.engines import for_name

__all__ = [
    "TEST_PASSWORD",
    "MariaDBServer",
    "Server",
    "ServerUnavailable",
    "free_port",
    "mariadb_server",
    "mysql_password_hash",
    "postgresql_server",
]

TEST_PASSWORD = "s3cr%t:p@ss/wörd"
"""Password of every test server; tests grep all output for it."""


class ServerUnavailable(RuntimeError):
    """The server could not be started here (binaries missing, ...)."""


@dataclass
class Server:
    """A running server: an admin URL and a way to make scratch databases."""

    url: URL

    def create_database(self, prefix: str = "t") -> URL:
        """Create an empty database with a unique name that stores all of Unicode;
        return its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        return for_name(self.url.get_backend_name()).create_database(self.url, name, unicode=True)

    def drop_database(self, url: URL) -> None:
        """Drop a database made by ``create_database`` (on PostgreSQL even with sessions
        still on it)."""
        for_name(self.url.get_backend_name()).drop_database(self.url, str(url.database))


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ServerUnavailable("PostgreSQL server binaries (initdb) not found")


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise ServerUnavailable("running as root and there is no 'postgres' user") from None
    return ["runuser", "-u", "postgres", "--", *cmd]


def _chown_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


@contextlib.contextmanager
def postgresql_server() -> Iterator[Server]:
    """Yield a PostgreSQL server: ``TEST_POSTGRESQL_URL``, or a private cluster."""
    if os.environ.get("TEST_POSTGRESQL_URL"):
        yield Server(make_url(os.environ["TEST_POSTGRESQL_URL"]))
        return
    bindir = _pg_bindir()
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    root = Path(tempfile.mkdtemp(prefix="rowstamp-pg-", dir=base))
    root.chmod(0o755)
    data, sock = root / "data", root / "sock"
    for path in (data, sock):
        path.mkdir()
        _chown_postgres(path)
    pwfile = root / "pw"
    pwfile.write_text(TEST_PASSWORD + "\n", encoding="utf-8")
    _chown_postgres(pwfile)
    port = free_port()
    log = root / "log"
    try:
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        log.touch()
        _chown_postgres(log)
        options = (
            f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        logtext = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise ServerUnavailable(f"PostgreSQL did not start: {exc} {detail!r} {logtext}") from exc
    url = URL.create(
        "postgresql+psycopg",
        username="postgres",
        password=TEST_PASSWORD,
        host="127.0.0.1",
        port=port,
        database="postgres",
    )
    try:
        yield Server(url)
    finally:
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


class MariaDBServer(Server):
    """A MariaDB/MySQL server (its databases are utf8mb4, whatever the server's default)."""


def mysql_password_hash(password: str) -> str:
    """The ``mysql_native_password`` hash of ``password`` as PyMySQL sends it."""
    # PyMySQL sends the password as Latin-1 bytes; hash exactly those, so a
    # non-ASCII test password authenticates whatever the client's charset.
    inner = hashlib.sha1(password.encode("latin1")).digest()
    return "*" + hashlib.sha1(inner).hexdigest().upper()


def _mariadb_binary(name: str, *fallbacks: str) -> str:
    for candidate in (name, *fallbacks):
        found = shutil.which(candidate) or (
            f"/usr/sbin/{candidate}" if Path(f"/usr/sbin/{candidate}").exists() else None
        )
        if found:
            return found
    raise ServerUnavailable(f"MariaDB server binaries ({name}) not found")


@contextlib.contextmanager
def mariadb_server(*, binlog: bool = False, user: str = "rowstamp") -> Iterator[MariaDBServer]:
    """Yield a MariaDB server: ``TEST_MARIADB_URL``, or a private instance.

    ``binlog=True`` always starts a private instance with binary logging on, for
    the trigger-privilege rule that comes with it.
    """
    if os.environ.get("TEST_MARIADB_URL") and not binlog:
        yield MariaDBServer(make_url(os.environ["TEST_MARIADB_URL"]))
        return
    install_db = _mariadb_binary("mariadb-install-db", "mysql_install_db")
    mariadbd = _mariadb_binary("mariadbd", "mysqld")
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    root = Path(tempfile.mkdtemp(prefix="rowstamp-mariadb-", dir=base))
    root.chmod(0o755)
    data, sock, log, tmp = root / "data", root / "sock", root / "log", root / "tmp"
    tmp.mkdir()  # its own tmpdir: on-disk temporary tables never meet another's /tmp cleanup
    as_root = ["--user=mysql"] if os.geteuid() == 0 else []
    if as_root:
        try:
            entry = pwd.getpwnam("mysql")
        except KeyError:
            raise ServerUnavailable("running as root and there is no 'mysql' user") from None
        os.chown(root, entry.pw_uid, entry.pw_gid)
        os.chown(tmp, entry.pw_uid, entry.pw_gid)
    port = free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [
                install_db,
                "--no-defaults",
                f"--datadir={data}",
                *as_root,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
        )
        logging = (
            [f"--log-bin={root / 'binlog'}", "--server-id=1"] if binlog else ["--skip-log-bin"]
        )
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    mariadbd,
                    "--no-defaults",
                    f"--datadir={data}",
                    *as_root,
                    *logging,
                    "--bind-address=127.0.0.1",
                    f"--port={port}",
                    f"--socket={sock}",
                    f"--pid-file={root / 'pid'}",
                    f"--tmpdir={tmp}",
                    "--skip-name-resolve",
                    "--skip-ssl",
                    "--character-set-server=utf8mb4",
                    "--collation-server=utf8mb4_unicode_ci",
                    "--innodb-buffer-pool-size=64M",
                    "--innodb-flush-log-at-trx-commit=0",
                    "--innodb-doublewrite=0",
                    "--max-connections=300",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        admin = URL.create(
            "mariadb+pymysql", username="root", database="mysql", query={"unix_socket": str(sock)}
        )
        _wait_until_ready(admin, process, log)
        engine = create_engine(admin)
        with engine.connect() as conn:
            password = mysql_password_hash(TEST_PASSWORD)
            for host in ("127.0.0.1", "localhost"):
                conn.execute(
                    text(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY PASSWORD '{password}'")
                )
                conn.execute(
                    text(f"GRANT ALL PRIVILEGES ON *.* TO '{user}'@'{host}' WITH GRANT OPTION")
                )
        engine.dispose()
    except (subprocess.CalledProcessError, OSError, ServerUnavailable) as exc:
        if process is not None:
            process.kill()
            process.wait()
        detail = getattr(exc, "stderr", b"") or b""
        logtext = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise ServerUnavailable(f"MariaDB did not start: {exc} {detail!r} {logtext}") from exc
    url = URL.create(
        "mariadb+pymysql",
        username=user,
        password=TEST_PASSWORD,
        host="127.0.0.1",
        port=port,
        database="mysql",
    )
    try:
        yield MariaDBServer(url)
    finally:
        process.kill()
        process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _wait_until_ready(admin: URL, process: subprocess.Popen[bytes], log: Path) -> None:
    engine = create_engine(admin)
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise ServerUnavailable(f"mariadbd exited with {process.returncode}")
            try:
                # PyMySQL leaks the socket of a refused unix-socket connect: probe first.
                _accepts(str(admin.query["unix_socket"]))
                with engine.connect():
                    return
            except Exception:  # not accepting connections yet
                if time.monotonic() > deadline:
                    raise ServerUnavailable("mariadbd did not accept connections in 60 s") from None
                time.sleep(0.05)
    finally:
        engine.dispose()


def _accepts(path: str) -> None:
    """Raise ``OSError`` unless a server listens on the unix socket ``path``."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.connect(path)
