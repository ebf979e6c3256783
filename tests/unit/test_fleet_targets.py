"""The targets file and the shards: parsing, refusals, a stable partition."""

from __future__ import annotations

from pathlib import Path

import pytest

from rowstamp.errors import SettingsError
from rowstamp.fleet.shard import Shard, parse_shard, shard_of
from rowstamp.fleet.targets import Target, read_targets_file


def _file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "production.targets.toml"
    path.write_text(body)
    return path


def test_targets_env_url_schema_and_tenants(tmp_path: Path) -> None:
    listed = read_targets_file(
        _file(
            tmp_path,
            '[targets.eu]\nenv = "EU_URL"\n\n'
            '[targets.local]\nurl = "sqlite:///local.db"\n\n'
            '[targets.acme]\nenv = "EU_URL"\nschema = "acme"\n\n'
            '[tenants]\nenv = "T_URL"\nquery = "SELECT 1"\n',
        )
    )
    queries: list[tuple[str, str]] = []

    def schemas(url: str, query: str) -> list[str]:
        queries.append((url, query))
        return ["t1", "t2"]

    environ = {"EU_URL": "postgresql://u:s3cret@eu/app", "T_URL": "postgresql://u:x@t/app"}
    targets = list(listed.resolve(environ, schemas))
    assert targets == [
        Target("eu", "postgresql://u:s3cret@eu/app"),
        Target("local", "sqlite:///local.db"),
        Target("acme", "postgresql://u:s3cret@eu/app", "acme"),
        Target("t1", "postgresql://u:x@t/app", "t1"),
        Target("t2", "postgresql://u:x@t/app", "t2"),
    ]
    assert queries == [("postgresql://u:x@t/app", "SELECT 1")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[targets.eu]\nurl = "postgresql://app:hunter2@db/app"\n', "target eu has a password"),
        ('[targets.eu]\nurl = "postgresql://app@db/app?password=x"\n', "target eu has a password"),
        ('[tenants]\nurl = "postgresql://a:b@db/app"\nquery = "q"\n', "[tenants] has a password"),
        ('[targets.eu]\nurl = "sqlite://"\nenv = "X"\n', "exactly one of url and env"),
        ('[targets.eu]\nenv = "X"\nport = 5\n', "unknown key port"),
        ('[tenants]\nenv = "X"\n', "[tenants] has no query"),
        ("[servers]\n", "unknown section servers"),
        ("", "lists no target"),
        ("[targets\n", "cannot read targets file"),
    ],
)
def test_refusals_are_one_line(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        read_targets_file(_file(tmp_path, body))
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_a_missing_environment_variable_names_the_target(tmp_path: Path) -> None:
    listed = read_targets_file(_file(tmp_path, '[targets.eu]\nenv = "EU_URL"\n'))
    with pytest.raises(SettingsError, match="target eu: environment variable EU_URL is not set"):
        list(listed.resolve({}, lambda url, query: []))


def test_shards_partition_every_name_once_and_stay_put() -> None:
    names = [f"tenant_{n}" for n in range(1000)]
    parts = [[n for n in names if Shard(i, 4).holds(n)] for i in range(4)]
    assert sorted(n for part in parts for n in part) == sorted(names)
    assert all(150 < len(part) < 350 for part in parts)  # a hash spreads them
    # by name, not position: removing a target moves no other target
    assert [shard_of(n, 4) for n in names[1:]] == [shard_of(n, 4) for n in names][1:]
    assert shard_of("tenant_7", 4) == 0  # pinned: CI jobs of different ages agree


@pytest.mark.parametrize("text", ["4/4", "1", "a/b", "1/0", "-1/3"])
def test_bad_shards_are_refused(text: str) -> None:
    with pytest.raises(SettingsError):
        parse_shard(text)
    assert parse_shard(" 3 / 4 ") == Shard(3, 4)
