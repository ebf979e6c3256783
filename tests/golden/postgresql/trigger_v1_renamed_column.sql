CREATE OR REPLACE FUNCTION set_updated_at_9ed107eb() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    NEW.modified_at := now();
    RETURN NEW;
END;
$rowstamp$;

CREATE TRIGGER update_timestamp BEFORE UPDATE ON runs
FOR EACH ROW EXECUTE FUNCTION set_updated_at_9ed107eb();

DROP TRIGGER IF EXISTS update_timestamp ON runs;

DO $rowstamp$
BEGIN
    DROP FUNCTION IF EXISTS set_updated_at_9ed107eb();
EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
END;
$rowstamp$;
