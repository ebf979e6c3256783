CREATE TRIGGER IF NOT EXISTS audit."update_timestamp_Order ""x"""
AFTER UPDATE ON "Order ""x""" FOR EACH ROW
WHEN NEW.updated_at IS NOT strftime('%Y-%m-%d %H:%M:%f000', 'now')
BEGIN
    UPDATE "Order ""x""" SET updated_at = strftime('%Y-%m-%d %H:%M:%f000', 'now') WHERE rowid = NEW.rowid;
END;

DROP TRIGGER IF EXISTS audit."update_timestamp_Order ""x""";
