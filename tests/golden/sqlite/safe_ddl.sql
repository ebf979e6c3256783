COMMIT;

DROP INDEX ix_child_old;

BEGIN;

COMMIT;

BEGIN;

COMMIT;

CREATE INDEX ix_child_n ON child (n);

BEGIN;

