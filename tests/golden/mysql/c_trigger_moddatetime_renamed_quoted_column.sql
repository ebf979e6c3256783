CREATE TRIGGER IF NOT EXISTS update_timestamp_runs
BEFORE UPDATE ON runs
FOR EACH ROW SET NEW.`Modified's` = UTC_TIMESTAMP(6);

DROP TRIGGER IF EXISTS update_timestamp_runs;
