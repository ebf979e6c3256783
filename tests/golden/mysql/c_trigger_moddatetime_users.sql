CREATE TRIGGER IF NOT EXISTS update_timestamp_users
BEFORE UPDATE ON users
FOR EACH ROW SET NEW.updated_at = UTC_TIMESTAMP(6);

DROP TRIGGER IF EXISTS update_timestamp_users;
