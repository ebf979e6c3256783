CREATE TRIGGER IF NOT EXISTS `update_timestamp_Order "x"`
BEFORE UPDATE ON `Order "x"`
FOR EACH ROW SET NEW.updated_at = IF(@rowstamp_untouched IS NULL, UTC_TIMESTAMP(6), NEW.updated_at);

DROP TRIGGER IF EXISTS `update_timestamp_Order "x"`;
