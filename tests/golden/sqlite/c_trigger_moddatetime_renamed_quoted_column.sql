CREATE TRIGGER IF NOT EXISTS update_timestamp_runs
AFTER UPDATE ON runs FOR EACH ROW
WHEN NEW."Modified's" IS NOT strftime('%Y-%m-%d %H:%M:%f000', 'now')
BEGIN
    UPDATE runs SET "Modified's" = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS update_timestamp_runs;
