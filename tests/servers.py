"""The test servers now live in ``rowstamp.testing.servers`` (shared with ``rowstamp test``
and the pytest plugin); this module re-exports them for the suite and the benchmarks."""

from rowstamp.testing.servers import (
    TEST_PASSWORD,
    MariaDBServer,
    Server,
    ServerUnavailable,
    free_port,
    mariadb_server,
    mysql_password_hash,
    postgresql_server,
)

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
