CREATE TRIGGER update_timestamp BEFORE UPDATE ON audit."Order ""x"""
FOR EACH ROW EXECUTE FUNCTION moddatetime('updated_at');

DROP TRIGGER IF EXISTS update_timestamp ON audit."Order ""x""";
