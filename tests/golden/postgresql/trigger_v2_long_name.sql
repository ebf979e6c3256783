CREATE OR REPLACE FUNCTION set_updated_at_v2() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    IF current_setting('rowstamp.untouched', true) IS DISTINCT FROM 'on' THEN
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END;
$rowstamp$;

CREATE TRIGGER update_timestamp BEFORE UPDATE ON tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt
FOR EACH ROW EXECUTE FUNCTION set_updated_at_v2();

DROP TRIGGER IF EXISTS update_timestamp ON tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt;

DO $rowstamp$
BEGIN
    DROP FUNCTION IF EXISTS set_updated_at_v2();
EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
END;
$rowstamp$;
