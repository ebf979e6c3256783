CREATE TRIGGER IF NOT EXISTS update_timestamp_runs
BEFORE UPDATE ON runs
FOR EACH ROW SET NEW.`Modified At` = IF(@rowstamp_untouched IS NULL, CURRENT_TIMESTAMP, NEW.`Modified At`);

DROP TRIGGER IF EXISTS update_timestamp_runs;
