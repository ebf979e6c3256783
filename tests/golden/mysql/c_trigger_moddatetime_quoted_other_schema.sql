CREATE TRIGGER IF NOT EXISTS audit.`update_timestamp_Order "x"`
BEFORE UPDATE ON audit.`Order "x"`
FOR EACH ROW SET NEW.updated_at = UTC_TIMESTAMP(6);

DROP TRIGGER IF EXISTS audit.`update_timestamp_Order "x"`;
