CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$rowstamp$;

CREATE TRIGGER update_timestamp BEFORE UPDATE ON "Order ""x"""
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

DROP TRIGGER IF EXISTS update_timestamp ON "Order ""x""";

DO $rowstamp$
BEGIN
    DROP FUNCTION IF EXISTS set_updated_at();
EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
END;
$rowstamp$;
