"""Fleets: one schema definition migrated on many databases and tenant schemas.

``targets`` reads the targets file (``app/envs/<ENV>.targets.toml``), ``shard`` splits
the fleet by a hash of each target's name (so CI matrix jobs or Kubernetes Jobs can
run the parts), ``status`` reads every target's revision with one query per server,
``upgrade`` migrates the targets that are not at head in worker processes, each
through the normal upgrade path under its own migration lock, ``check`` runs model
match and the ledger verify over the fleet, and ``schema`` is the tenant schema a
run migrates (``RunOptions.schema``).
"""
