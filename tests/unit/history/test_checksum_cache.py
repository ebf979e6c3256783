"""The checksum cache beside the migrations' bytecode: written once, read by the next
run, and never in the way where the folder cannot be written."""

from __future__ import annotations

import json
from pathlib import Path

from rowstamp.history.checksum import checksum
from rowstamp.history.checksum_cache import CACHE_NAME, ChecksumCache
from rowstamp.history.ledger import file_sha

REVISION = '''"""add t"""
import sqlalchemy as sa
from alembic import op

revision = "a1"
down_revision = None


def upgrade() -> None:
    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("t")
'''


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "versions" / "a1_add_t.py"
    path.parent.mkdir()
    path.write_text(REVISION, encoding="utf-8")
    return path


def test_a_checksum_read_once_is_kept_for_the_next_run(tmp_path: Path) -> None:
    path = _file(tmp_path)
    cache = ChecksumCache()
    assert cache.checksum(path) == checksum(path)
    cache.save()
    stored = json.loads((path.parent / "__pycache__" / CACHE_NAME).read_text())
    assert stored == {"v1": {file_sha(path): checksum(path)}}
    # the next run takes it from the file: a planted value proves it is not recomputed
    stored["v1"][file_sha(path)] = "v1:planted"
    (path.parent / "__pycache__" / CACHE_NAME).write_text(json.dumps(stored))
    assert ChecksumCache().checksum(path) == "v1:planted"


def test_changed_bytes_are_read_again(tmp_path: Path) -> None:
    path = _file(tmp_path)
    cache = ChecksumCache()
    first = cache.checksum(path)
    path.write_text(REVISION.replace("sa.Integer", "sa.BigInteger"), encoding="utf-8")
    assert cache.checksum(path) != first


def test_a_folder_that_cannot_be_written_only_means_computing_again(tmp_path: Path) -> None:
    path = _file(tmp_path)
    (path.parent / "__pycache__").write_text("a file where the folder would be")
    cache = ChecksumCache()
    assert cache.checksum(path) == checksum(path)
    cache.save()  # no error, nothing written
    assert (path.parent / "__pycache__").read_text() == "a file where the folder would be"


def test_a_damaged_cache_file_is_ignored(tmp_path: Path) -> None:
    path = _file(tmp_path)
    (path.parent / "__pycache__").mkdir()
    (path.parent / "__pycache__" / CACHE_NAME).write_text("{not json")
    cache = ChecksumCache()
    assert cache.checksum(path) == checksum(path)
    cache.save()
    assert json.loads((path.parent / "__pycache__" / CACHE_NAME).read_text())["v1"]
