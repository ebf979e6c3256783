CREATE TABLE IF NOT EXISTS rowstamp_untouched (
	marked INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS update_timestamp_tttttttttttttttttttttttttttttttttttttt_c7f0d3cf
AFTER UPDATE ON tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt FOR EACH ROW
WHEN NEW.updated_at IS NOT strftime('%Y-%m-%d %H:%M:%f000', 'now') AND (SELECT 1 FROM rowstamp_untouched) IS NULL
BEGIN
    UPDATE tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt SET updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS update_timestamp_tttttttttttttttttttttttttttttttttttttt_c7f0d3cf;
