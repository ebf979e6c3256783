CREATE TRIGGER IF NOT EXISTS `update_timestamp_Order "x"`
BEFORE UPDATE ON `Order "x"`
FOR EACH ROW SET NEW.updated_at = UTC_TIMESTAMP(6);

DROP TRIGGER IF EXISTS `update_timestamp_Order "x"`;
