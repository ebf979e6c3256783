CREATE OR REPLACE FUNCTION set_updated_at_v3_53212eca() RETURNS trigger
LANGUAGE plpgsql AS $rowstamp$
BEGIN
    NEW."Modified At" := CURRENT_TIMESTAMP;
    RETURN NEW;
END;
$rowstamp$;

CREATE TRIGGER update_timestamp BEFORE UPDATE ON runs
FOR EACH ROW WHEN (current_setting('rowstamp.untouched', true) IS DISTINCT FROM 'on')
EXECUTE FUNCTION set_updated_at_v3_53212eca();

DROP TRIGGER IF EXISTS update_timestamp ON runs;

DO $rowstamp$
BEGIN
    DROP FUNCTION IF EXISTS set_updated_at_v3_53212eca();
EXCEPTION WHEN dependent_objects_still_exist THEN
    NULL;
END;
$rowstamp$;
