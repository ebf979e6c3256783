CREATE TABLE IF NOT EXISTS rowstamp_untouched (
	marked INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS update_timestamp_runs
AFTER UPDATE ON runs FOR EACH ROW
WHEN NEW.modified_at IS NOT strftime('%Y-%m-%d %H:%M:%f000', 'now') AND (SELECT 1 FROM rowstamp_untouched) IS NULL
BEGIN
    UPDATE runs SET modified_at = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS update_timestamp_runs;
