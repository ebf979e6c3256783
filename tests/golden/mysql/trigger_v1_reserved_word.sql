CREATE TRIGGER IF NOT EXISTS update_timestamp_user
BEFORE UPDATE ON user
FOR EACH ROW SET NEW.updated_at = UTC_TIMESTAMP(6);

DROP TRIGGER IF EXISTS update_timestamp_user;
