CREATE TRIGGER update_timestamp BEFORE UPDATE ON runs
FOR EACH ROW EXECUTE FUNCTION moddatetime('Modified''s');

DROP TRIGGER IF EXISTS update_timestamp ON runs;
