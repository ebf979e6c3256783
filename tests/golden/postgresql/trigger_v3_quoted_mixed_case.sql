CREATE OR REPLACE FUNCTION set_updated_at_v3() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$rowstamp$;

CREATE TRIGGER update_timestamp BEFORE UPDATE ON "Order ""x"""
FOR EACH ROW WHEN (current_setting('rowstamp.untouched', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION set_updated_at_v3();

DROP TRIGGER IF EXISTS update_timestamp ON "Order ""x""";

DO $rowstamp$
BEGIN
    DROP FUNCTION IF EXISTS set_updated_at_v3();
EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
END;
$rowstamp$;
