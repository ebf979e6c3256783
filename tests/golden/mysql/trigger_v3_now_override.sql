CREATE TRIGGER IF NOT EXISTS update_timestamp_users
BEFORE UPDATE ON users
FOR EACH ROW SET NEW.updated_at = IF(@rowstamp_untouched IS NULL, CURRENT_TIMESTAMP, NEW.updated_at);

DROP TRIGGER IF EXISTS update_timestamp_users;
