CREATE TRIGGER IF NOT EXISTS audit.update_timestamp_users
BEFORE UPDATE ON audit.users
FOR EACH ROW SET NEW.updated_at = IF(@rowstamp_untouched IS NULL, UTC_TIMESTAMP(6), NEW.updated_at);

DROP TRIGGER IF EXISTS audit.update_timestamp_users;
