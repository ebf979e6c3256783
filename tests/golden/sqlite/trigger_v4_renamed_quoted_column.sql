CREATE TABLE IF NOT EXISTS rowstamp_untouched (
	marked INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS update_timestamp_runs
AFTER UPDATE OF id, email, user, "Full ""Name""" ON runs FOR EACH ROW
WHEN (SELECT 1 FROM rowstamp_untouched) IS NULL
BEGIN
    UPDATE runs SET "Modified At" = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS update_timestamp_runs;
