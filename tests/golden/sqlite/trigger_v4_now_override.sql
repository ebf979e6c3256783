CREATE TABLE IF NOT EXISTS rowstamp_untouched (
	marked INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS update_timestamp_users
AFTER UPDATE OF id, email, user, "Full ""Name""" ON users FOR EACH ROW
WHEN (SELECT 1 FROM rowstamp_untouched) IS NULL
BEGIN
    UPDATE users SET updated_at = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS update_timestamp_users;
