"""The peer: alembic_utils with one ``PGTrigger`` per table, against rowstamp and Alembic.

PostgreSQL only (alembic_utils is PostgreSQL only), N = 10, 50, 100 tables of the
same models as ``autogen_scale``, against a database at head (tables, function and
triggers present: the diff every later autogenerate sees, and the one state in which
alembic_utils can simulate a trigger at all, since it cannot create a trigger on a
table created in the same migration).

alembic_utils registers a global comparator the moment it is imported, which would
slow every later autogenerate in the process, so each of its runs is a forked child
(``bench.common.in_child``) of the warm process holding the models: the child imports
alembic_utils and registers the entities before its clock starts, and exits after it.

Run: ``python -m bench.autogen_peer`` (``BENCH_PEER_SIZES=10,50`` to choose N;
quick profile 10 and 50, full 10, 50 and 100).
"""

from __future__ import annotations

import gc
import time
from functools import partial
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine

from bench.autogen_scale import (
    autogenerate,
    build_metadata,
    migrate_to_head,
    plain_options,
    rowstamp_options,
)
from bench.common import (
    RUNS,
    Result,
    Sample,
    banner,
    compare,
    in_child,
    postgresql,
    server_version,
    sized,
    versions,
)

SIZES = sized([10, 50], [10, 50, 100], env="BENCH_PEER_SIZES")
"""alembic_utils takes about 15 s a run at N = 100: the quick profile stops at 50."""
MEASURE = "autogenerate peer"

_FUNCTION = """RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$"""


def _peer_run(engine: Engine, metadata: MetaData) -> Sample:
    """One alembic_utils autogenerate, in a forked child: entities registered, then timed;
    its diff must be empty, as the other contenders' are."""
    from alembic_utils.pg_function import PGFunction
    from alembic_utils.pg_trigger import PGTrigger
    from alembic_utils.replaceable_entity import register_entities

    entities: list[Any] = [
        PGFunction(schema="public", signature="set_updated_at()", definition=_FUNCTION)
    ]
    for table in metadata.sorted_tables:
        entities.append(
            PGTrigger(
                schema="public",
                signature="update_timestamp",
                on_entity=f"public.{table.name}",
                definition=f"BEFORE UPDATE ON public.{table.name} "
                "FOR EACH ROW EXECUTE FUNCTION public.set_updated_at()",
            )
        )
    register_entities(entities)
    # EnvironmentContext.configure always sets include_schemas; alembic_utils reads it.
    opts = {**plain_options(metadata), "include_schemas": False}
    sample, script = autogenerate(engine, metadata, opts)
    assert script.upgrade_ops.is_empty(), f"alembic_utils diff: {script.upgrade_ops.ops[:3]}"
    return sample


def main() -> Result:
    started = time.perf_counter()
    banner("Autogenerate peer: alembic_utils PGTrigger per table (PostgreSQL, at head)")
    from importlib.metadata import version

    import alembic_utils  # noqa: F401 - fail early when the bench group is not installed

    with postgresql() as server:
        url = server.create_database("peer")
        engine = create_engine(url)
        result = Result(
            "autogen_peer",
            "Autogenerate: the alembic_utils peer",
            versions(PostgreSQL=server_version(engine), alembic_utils=version("alembic-utils")),
        )
        url_text = url.render_as_string(hide_password=False)
        for n in SIZES:
            metadata = build_metadata(n)
            migrate_to_head(engine, metadata)
            ours, plain = rowstamp_options(url_text, metadata), plain_options(metadata)
            for opts in (ours, plain):
                assert autogenerate(engine, metadata, opts)[1].upgrade_ops.is_empty()
            times: dict[str, list[Sample]] = {"alembic": [], "rowstamp": [], "alembic_utils": []}
            peer = in_child(partial(_peer_run, engine, metadata), [engine])
            for _ in range(RUNS):
                gc.collect()
                times["alembic"].append(autogenerate(engine, metadata, plain)[0])
                gc.collect()
                times["rowstamp"].append(autogenerate(engine, metadata, ours)[0])
                gc.collect()
                times["alembic_utils"].append(peer())
            note = "empty diff (checked in every run)"
            compare(
                result,
                MEASURE,
                f"PostgreSQL at head, N={n}",
                times,
                "alembic",
                {"alembic_utils": note},
            )
            metadata.drop_all(engine)
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP FUNCTION IF EXISTS set_updated_at()")
        engine.dispose()
    result.seconds = time.perf_counter() - started
    result.save()
    return result


if __name__ == "__main__":
    main()
