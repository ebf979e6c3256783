CREATE TABLE IF NOT EXISTS rowstamp_untouched (
	marked INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS update_timestamp_tttttttttttttttttttttttttttttttttttttt_c7f0d3cf
AFTER UPDATE OF id, email, user, "Full ""Name""" ON tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt FOR EACH ROW
WHEN (SELECT 1 FROM rowstamp_untouched) IS NULL
BEGIN
    UPDATE tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt SET updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS update_timestamp_tttttttttttttttttttttttttttttttttttttt_c7f0d3cf;
