CREATE TRIGGER IF NOT EXISTS update_timestamp_runs
BEFORE UPDATE ON runs
FOR EACH ROW SET NEW.modified_at = IF(@rowstamp_untouched IS NULL, UTC_TIMESTAMP(6), NEW.modified_at);

DROP TRIGGER IF EXISTS update_timestamp_runs;
