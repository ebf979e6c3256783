CREATE TABLE IF NOT EXISTS audit.rowstamp_untouched (
	marked INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS audit.update_timestamp_users
AFTER UPDATE ON users FOR EACH ROW
WHEN NEW.updated_at IS NOT strftime('%Y-%m-%d %H:%M:%f000', 'now') AND (SELECT 1 FROM rowstamp_untouched) IS NULL
BEGIN
    UPDATE users SET updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS audit.update_timestamp_users;
